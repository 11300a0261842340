package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"minisync/config"
	"minisync/minicrm"
	"minisync/runner"
	"minisync/stages/load"
)

func init() {
	register(command{
		name: "run", args: "<integration> [flags]",
		summary: "the nightly job: plan new exports, then send every pending change to MiniCRM",
		run:     runRun,
	})
}

const runHelp = `
The nightly job: everything plan does, then the outbox is sent to MiniCRM
in dependency order (companies, persons, cards), including what earlier
runs left pending (a crashed run is simply continued). Contacts are looked
up by e-mail or VAT number before their first create, so records that
already exist are linked, not duplicated; nothing is ever deleted.

Exit status 0 only when every change landed; 3 when records were rejected
or MiniCRM refused changes (see the rejects and failed_changes views); 1
when the run stopped (bad credentials, MiniCRM unavailable, a mapping
field missing from the account's schema): what did not land stays pending.

Needs the integration's minicrm section. Test against the simulator
(minisync sim) or a MiniCRM test system first, production after sign-off.`

func runRun(ctx context.Context, env *cliEnv, args []string) int {
	r, log, f, closeAll, code := openNightly(ctx, env, "run", runHelp, args)
	if code >= 0 {
		return code
	}
	defer closeAll()
	if err := r.In.ResolveMiniCRMKey(); err != nil {
		return fail(env, exitUsage, err)
	}
	ex, reports, lr, err := r.Run(ctx, clientFactory(r.In, log))
	status := max(printNightly(env, ex, reports, f), printLoad(env, lr))
	if err != nil {
		return fail(env, exitFor(err), err)
	}
	return status
}

// clientFactory builds the MiniCRM client of a run from the integration.
func clientFactory(in *config.Integration, log *slog.Logger) runner.NewClient {
	return func(calls *load.CallLog) (*minicrm.Client, error) {
		m := in.MiniCRM
		c, err := minicrm.New(minicrm.Config{
			BaseURL: m.URL, SystemID: m.SystemID, APIKey: m.APIKey,
			R3PerMinute: m.R3PerMinute, FeedPerHour: m.FeedPerHour, Timeout: time.Duration(m.Timeout),
			Logger: log, OnCall: calls.Record,
		})
		if err != nil {
			return nil, configError{fmt.Errorf("%s: minicrm: %w", in.Path, err)}
		}
		return c, nil
	}
}

// printLoad prints what the load did and returns its exit status.
func printLoad(env *cliEnv, lr *runner.LoadReport) int {
	w := env.stdout
	if lr == nil {
		fmt.Fprintln(w, "send: nothing pending")
		return exitOK
	}
	fmt.Fprintf(w, "send (run %d): %d sent, %d without a call, %d failed, %d still pending · %d API calls\n",
		lr.RunID, lr.Sent, lr.Noop, lr.Failed, lr.Pending, lr.Calls)
	switch {
	case lr.Err != nil:
		return exitFailed
	case lr.Failed > 0:
		fmt.Fprintln(w, "  failed changes: minisync query <integration> \"SELECT * FROM failed_changes\"")
		return exitRejects
	case lr.Pending > 0:
		return exitFailed
	}
	return exitOK
}
