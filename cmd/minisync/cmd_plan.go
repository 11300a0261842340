package main

import (
	"context"
	"log/slog"
	"time"

	"minisync/runner"
	"minisync/stages/extract"
)

func init() {
	register(command{
		name: "plan", args: "<integration> [flags]",
		summary: "fetch new exports, stage and diff them, and show the change set (sends nothing)",
		run:     runPlan,
	})
	register(command{
		name: "replay", args: "<integration> --date YYYY-MM-DD [flags]",
		summary: "re-process the archived export of one date (fetches nothing, never duplicates)",
		run:     runReplay,
	})
	register(command{
		name: "baseline", args: "<integration> --date YYYY-MM-DD [flags]",
		summary: "record an export as already present in MiniCRM, sending nothing",
		run:     runBaseline,
	})
}

const planHelp = `
The nightly job, without sending: lists the integration's source, fetches
every export file whose content is not archived yet into
<data>/raw/<integration>/<export-date>/, then for each new export date
normalizes and stages the records in the staging DuckDB file and diffs them
against what MiniCRM is known to hold. The change set is written to the
changes table (the outbox) as pending and printed.

<integration> is an integration file, or a name looked up as
integrations/<name>.yaml.`

type runFlags struct {
	verbose bool
	json    bool
	date    string
}

func (f *runFlags) register(fs interface {
	BoolVar(*bool, string, bool, string)
}) {
	fs.BoolVar(&f.verbose, "verbose", false, "log every step to stderr")
	fs.BoolVar(&f.json, "json", false, "print the change set as JSON")
}

func runPlan(ctx context.Context, env *cliEnv, args []string) int {
	r, _, f, closeAll, code := openNightly(ctx, env, "plan", planHelp, args)
	if code >= 0 {
		return code
	}
	defer closeAll()
	ex, reports, err := r.Nightly(ctx)
	status := printNightly(env, ex, reports, f)
	if err != nil {
		return fail(env, exitFor(err), err)
	}
	return status
}

// openNightly parses the flags of plan and run and opens the integration
// with its source; code ≥ 0 is an exit status to return at once.
func openNightly(ctx context.Context, env *cliEnv, name, help string, args []string) (*runner.Runner, *slog.Logger, runFlags, func(), int) {
	var f runFlags
	fs := newFlags(env, commands[name], help)
	f.register(fs)
	pos, code := parse(env, fs, args, 1)
	if code >= 0 {
		return nil, nil, f, nil, code
	}
	log := newLogger(env, f.verbose)
	r, closeAll, err := openRunner(ctx, env, pos[0], true, log)
	if err != nil {
		return nil, nil, f, nil, fail(env, exitFor(err), err)
	}
	return r, log, f, closeAll, -1
}

// printNightly prints what a nightly fetched and planned and returns the
// worst exit status of its runs.
func printNightly(env *cliEnv, ex extract.Result, reports []*runner.Report, f runFlags) int {
	printExtract(env, ex)
	status := exitOK
	for _, rep := range reports {
		status = max(status, printReport(env, rep, reportOptions{json: f.json}))
	}
	return status
}

const replayHelp = `
Re-processes the archived export of one date, for support after a problem:
nothing is fetched, the archived files of that date are normalized, staged
and diffed again against what MiniCRM is known to hold. A change already
pending in the outbox is found again, not duplicated; a record MiniCRM
already holds as exported is unchanged. With --send the outbox is then
sent, as run does.`

func runReplay(ctx context.Context, env *cliEnv, args []string) int {
	return runDated(ctx, env, args, "replay", replayHelp, false)
}

const baselineHelp = `
Records the export of one date as already present in MiniCRM, for a go-live
where the data was imported by hand: the export is staged and diffed, and
its changes are marked baselined and recorded in cur_* as the CRM's state.
Nothing is sent. When the date is not archived yet, new exports are fetched
from the source first.`

func runBaseline(ctx context.Context, env *cliEnv, args []string) int {
	return runDated(ctx, env, args, "baseline", baselineHelp, true)
}

func runDated(ctx context.Context, env *cliEnv, args []string, name, help string, withSource bool) int {
	var f runFlags
	fs := newFlags(env, commands[name], help)
	f.register(fs)
	fs.StringVar(&f.date, "date", "", "export date, YYYY-MM-DD (required)")
	send := false
	if name == "replay" {
		fs.BoolVar(&send, "send", false, "send the outbox to MiniCRM after the replay")
	}
	pos, code := parse(env, fs, args, 1)
	if code >= 0 {
		return code
	}
	date, err := time.Parse(time.DateOnly, f.date)
	if err != nil {
		fs.Usage()
		return fail(env, exitUsage, errorf("--date %q: must be YYYY-MM-DD", f.date))
	}
	log := newLogger(env, f.verbose)
	r, closeAll, err := openRunner(ctx, env, pos[0], withSource, log)
	if err != nil {
		return fail(env, exitFor(err), err)
	}
	defer closeAll()
	if send {
		if err := r.In.ResolveMiniCRMKey(); err != nil {
			return fail(env, exitUsage, err)
		}
		rep, lr, err := r.ReplayAndSend(ctx, date, clientFactory(r.In, log))
		status := exitOK
		if rep != nil {
			status = printReport(env, rep, reportOptions{json: f.json})
		}
		status = max(status, printLoad(env, lr))
		if err != nil {
			return fail(env, exitFor(err), err)
		}
		return status
	}
	run := r.Replay
	if name == "baseline" {
		run = r.Baseline
	}
	rep, err := run(ctx, date)
	status := exitOK
	if rep != nil {
		status = printReport(env, rep, reportOptions{json: f.json})
	}
	if err != nil {
		return fail(env, exitFor(err), err)
	}
	return status
}
