package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"minisync/config"
	"minisync/store"
)

func init() {
	register(command{
		name: "runs", args: "<integration> [flags]",
		summary: "show the run history of an integration",
		run:     runRuns,
	})
}

const runsHelp = `
Lists the latest runs of an integration, newest first: mode, export date,
status, what was read and what changed. The same data is in the runs table
and the run_summary view of the staging DuckDB file.`

func runRuns(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["runs"], runsHelp)
	limit := fs.Int("n", 20, "how many runs to show")
	pos, code := parse(env, fs, args, 1)
	if code >= 0 {
		return code
	}
	in, err := config.Load(resolveIntegration(pos[0]))
	if err != nil {
		return fail(env, exitUsage, err)
	}
	st, err := store.OpenReadOnly(ctx, in.Staging)
	if err != nil {
		return fail(env, exitFailed, err)
	}
	defer st.Close()
	runs, err := st.Runs(ctx, *limit)
	if err != nil {
		return fail(env, exitFailed, err)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tMODE\tEXPORT\tSTARTED\tTOOK\tSTATUS\tFILES\tRECORDS\tREJECTS\tCREATE\tUPDATE\tUNCHANGED\tSENT\tFAILED\tCALLS\tERROR")
	for _, r := range runs {
		took := "-"
		if r.FinishedAt.Valid {
			took = r.FinishedAt.Time.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		export := "-"
		if !r.ExportDate.IsZero() {
			export = r.ExportDate.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Mode, export,
			r.StartedAt.Local().Format("2006-01-02 15:04:05"), took, r.Status, r.Files, r.Records, r.Rejects, r.Creates, r.Updates, r.Unchanged,
			r.Sent, r.Failed, r.Calls, clip(r.Error.String, 80))
	}
	tw.Flush()
	return exitOK
}
