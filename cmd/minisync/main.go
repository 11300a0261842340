// Command minisync keeps MiniCRM in sync with the systems around it:
// nightly it pulls export files, stages and diffs them in DuckDB, and
// plans (and later sends) only what changed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Exit statuses.
const (
	exitOK      = 0 // every file processed, no rejects
	exitFailed  = 1 // the run failed: a file could not be read, a source or the store failed
	exitUsage   = 2 // bad command line or integration file
	exitRejects = 3 // the run finished, but some records were rejected
)

// command is one subcommand.
type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// cliEnv is what commands write to.
type cliEnv struct {
	stdout, stderr io.Writer
	isTTY          bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &cliEnv{stdout: os.Stdout, stderr: os.Stderr, isTTY: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, env *cliEnv) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, env, []string{"--help"})
			}
		}
		usage(env.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "minisync: unknown command %q\n\n", args[0])
		usage(env.stderr)
		return exitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "minisync — keeps MiniCRM in sync with webshop and ERP exports.")
	fmt.Fprintln(w, "\nUsage: minisync <command> [flags] [arguments]\n\nCommands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		c := commands[n]
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'minisync <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 ok, 1 run failed, 2 usage or configuration error, 3 finished with rejected records.")
}

// newFlags builds a command's flag set with a --help that documents it.
func newFlags(env *cliEnv, c command, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: minisync %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(help))
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags, interleaved with positional arguments, and checks
// the positional count. It returns -1 to go on, else an exit status.
func parse(env *cliEnv, fs *flag.FlagSet, args []string, want int) ([]string, int) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return nil, exitOK
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK
			}
			return nil, exitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if want >= 0 && len(pos) != want {
		fmt.Fprintf(env.stderr, "minisync %s: expected %d argument(s), got %d\n\n", fs.Name(), want, len(pos))
		fs.Usage()
		return nil, exitUsage
	}
	return pos, -1
}

// fail prints an error and returns the exit status for it.
func fail(env *cliEnv, code int, err error) int {
	fmt.Fprintf(env.stderr, "minisync: %v\n", err)
	return code
}
