package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"minisync/runner"
	"minisync/stages/extract"
	"minisync/store"
)

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

func printExtract(env *cliEnv, ex extract.Result) {
	if ex.Listed == 0 && len(ex.Archived) == 0 {
		return
	}
	fmt.Fprintf(env.stdout, "source: %d file(s) listed, %d new", ex.Listed, len(ex.Archived))
	if len(ex.Known) > 0 {
		fmt.Fprintf(env.stdout, ", %d already archived", len(ex.Known))
	}
	fmt.Fprintln(env.stdout)
}

// reportOptions say how much of a run to print.
type reportOptions struct {
	json  bool // the change set as JSON
	limit int  // at most this many change lines; 0 prints all
}

// printReport prints a run and returns its exit status.
func printReport(env *cliEnv, rep *runner.Report, o reportOptions) int {
	w := env.stdout
	r := rep.Run
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		changes := rep.Changes
		if changes == nil {
			changes = []store.Change{}
		}
		out := map[string]any{
			"run_id": r.ID, "mode": r.Mode, "export_date": r.ExportDate.Format(time.DateOnly),
			"status": r.Status, "changes": changes,
		}
		if total := r.Creates + r.Updates + r.Missing; total > int64(len(changes)) {
			out["changes_total"] = total
			out["changes_truncated"] = "the complete change set is in the changes table (minisync query)"
		}
		_ = enc.Encode(out)
		return exitStatus(rep)
	}
	fmt.Fprintf(w, "run %d · %s · export %s · %s\n", r.ID, r.Mode, r.ExportDate.Format(time.DateOnly), r.Status)
	for _, f := range rep.Files {
		if f.Err != nil {
			fmt.Fprintf(w, "  file %s: NOT PROCESSED: %v\n", f.Name, f.Err)
			continue
		}
		fmt.Fprintf(w, "  file %s: %d records → %d rows, %d rejected, %d skipped\n", f.Name, f.Records, f.Rows, f.Rejects, f.Skipped)
	}
	fmt.Fprintf(w, "  changes: %d create, %d update, %d unchanged", r.Creates, r.Updates, r.Unchanged)
	if r.Missing > 0 {
		fmt.Fprintf(w, ", %d missing", r.Missing)
	}
	fmt.Fprintln(w)
	if r.Mode == store.ModeBaseline {
		fmt.Fprintf(w, "  baselined: %d change(s) recorded in cur_* as already present in MiniCRM; nothing sent\n", len(rep.Changes))
	} else {
		total := max(int(r.Creates+r.Updates+r.Missing), len(rep.Changes))
		for i, c := range rep.Changes {
			if (o.limit > 0 && i == o.limit) || i == 50 {
				fmt.Fprintf(w, "    … %d more (see the changes table)\n", total-i)
				break
			}
			fmt.Fprintf(w, "    %-7s %-10s %s%s\n", c.Op, c.Entity, c.Key, describeDiff(c))
		}
	}
	if r.Rejects > 0 {
		fmt.Fprintf(w, "  rejects: %d\n", r.Rejects)
		if len(rep.RejectGroups) < len(rep.Rejects) { // many alike: one line per kind, with an example
			for _, g := range rep.RejectGroups {
				fmt.Fprintf(w, "    %d × %s\n", g.Count, g.Example.File+" "+g.Example.Reject.Error())
			}
		} else {
			for _, rj := range rep.Rejects {
				fmt.Fprintf(w, "    %s %s\n", rj.File, rj.Reject.Error())
			}
		}
		if int64(len(rep.Rejects)) < r.Rejects {
			fmt.Fprintf(w, "    … all of them in the rejects table (reject_summary groups them)\n")
		}
	}
	return exitStatus(rep)
}

func describeDiff(c store.Change) string {
	if len(c.Diff) == 0 {
		return ""
	}
	parts := make([]string, 0, len(c.Diff))
	for _, d := range c.Diff {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", d.Field, show(d.Old), show(d.New)))
	}
	return "  (" + strings.Join(parts, "; ") + ")"
}

func show(s *string) string {
	if s == nil {
		return "∅"
	}
	v := *s
	if len([]rune(v)) > 48 {
		v = string([]rune(v)[:45]) + "…"
	}
	return fmt.Sprintf("%q", v)
}

func exitStatus(rep *runner.Report) int {
	switch rep.Run.Status {
	case store.RunOK:
		return exitOK
	case store.RunRejects:
		return exitRejects
	}
	return exitFailed
}
