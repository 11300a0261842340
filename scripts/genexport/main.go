// Command genexport writes large deterministic source exports for load and
// scale tests (see package minisync/fixtures/gen).
//
//	go run ./scripts/genexport unas --orders 100000 --day 1 --seed 1 --out /tmp/orders-day1.xml
//	go run ./scripts/genexport unas --orders 100000 --day 2 --seed 1 --changed 0.01 --new 0.001 --out /tmp/orders-day2.xml
//	go run ./scripts/genexport invoices --rows 1000000 --encoding windows-1250 --out /tmp/inv.csv
//
// --out - writes to stdout. Stats go to stderr. Bad flags exit 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"minisync/fixtures/gen"
)

const usage = `usage:
  genexport unas     [--orders N] [--day 1|2] [--seed S] [--changed F] [--new F] [--start-key K] --out FILE|-
  genexport invoices [--rows N] [--day 1|2] [--seed S] [--changed F] [--encoding utf-8|utf-8-bom|windows-1250] --out FILE|-
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("genexport "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fmt.Fprintf(stderr, "\nflags of %s:\n", args[0])
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "output file, or - for stdout (required)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same file")
	day := fs.Int("day", 1, "1 for the first export, 2 for the changed one")
	changed := fs.Float64("changed", 0, "day 2: share of orders or invoices that change")

	var generate func(io.Writer) (gen.Stats, error)
	var validate func() error
	switch args[0] {
	case "unas":
		var o gen.UNASOptions
		fs.IntVar(&o.Orders, "orders", 1000, "day-1 orders")
		fs.Float64Var(&o.NewFraction, "new", 0, "day 2: new orders as a share of --orders")
		fs.IntVar(&o.StartKey, "start-key", gen.DefaultUNASStartKey, "keys start after this number")
		validate = func() error {
			o.Seed, o.Day, o.ChangedFraction = *seed, *day, *changed
			return o.Validate()
		}
		generate = func(w io.Writer) (gen.Stats, error) { return gen.WriteUNAS(w, o) }
	case "invoices":
		var o gen.InvoiceCSVOptions
		fs.IntVar(&o.Rows, "rows", 10000, "day-1 invoice line rows")
		fs.StringVar(&o.Encoding, "encoding", gen.EncodingUTF8, "utf-8, utf-8-bom or windows-1250")
		validate = func() error {
			o.Seed, o.Day, o.ChangedFraction = *seed, *day, *changed
			return o.Validate()
		}
		generate = func(w io.Writer) (gen.Stats, error) { return gen.WriteInvoiceCSV(w, o) }
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "genexport: unknown export %q\n", args[0])
		fmt.Fprint(stderr, usage)
		return 2
	}

	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "genexport %s: "+format+"\n", append([]any{args[0]}, a...)...)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return bad("--out is required")
	}
	if err := validate(); err != nil {
		return bad("%v", err)
	}

	w := stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "genexport: creating output: %v\n", err)
			return 1
		}
		w = f
	}
	st, err := generate(w)
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing %s: %w", *out, cerr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "genexport %s: %v\n", args[0], err)
		return 1
	}
	fmt.Fprintf(stderr, "genexport %s: %d orders, %d invoices, %d items, %d changed, %d new, %d bytes -> %s\n",
		args[0], st.Orders, st.Invoices, st.Items, st.Changed, st.New, st.Bytes, *out)
	return 0
}
