package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"minisync/runner/runnertest"
	"minisync/stages/diff"
	"minisync/store"
)

var update = flag.Bool("update", false, "rewrite the golden change sets (review the diff before committing)")

// golden compares a change set with testdata/golden/<name>.json.
func golden(t *testing.T, name string, changes []store.Change) {
	t.Helper()
	got, err := json.MarshalIndent(changes, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("change set differs from %s:\n%s", path, lineDiff(string(want), string(got)))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n  got  " + gl + "\n")
		}
	}
	return b.String()
}

// TestScenarioDays runs day 1, a baseline, day 2 and a replay of day 2,
// checking each change set against its golden file.
func TestScenarioDays(t *testing.T) { scenarioDays(t) }

// TestScenarioDaysPartitioned diffs in partitions of a few rows: the
// change sets are the same golden ones.
func TestScenarioDaysPartitioned(t *testing.T) {
	partitioned(t, 3)
	scenarioDays(t)
}

// partitioned makes the diff split every entity of more than rows staged
// rows, for the rest of the test.
func partitioned(t *testing.T, rows int64) {
	old := diff.PartitionRows
	diff.PartitionRows = rows
	t.Cleanup(func() { diff.PartitionRows = old })
}

func scenarioDays(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{Snapshot: "incremental"})
	ctx := context.Background()

	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	reps := e.Nightly()
	if len(reps) != 1 {
		t.Fatalf("day 1: %d runs, want 1", len(reps))
	}
	day1 := reps[0]
	if day1.Run.Status != store.RunOK || day1.Run.Updates != 0 || day1.Run.Creates == 0 {
		t.Fatalf("day 1: %+v", day1.Run)
	}
	if day1.Run.Skipped != 1 {
		t.Errorf("day 1 skipped %d records, want 1 (the order dated before sync_start)", day1.Run.Skipped)
	}
	for _, c := range day1.Changes {
		if c.Op != "create" {
			t.Errorf("day 1 change %s %s is %s, want create", c.Entity, c.Key, c.Op)
		}
	}
	golden(t, "day1", day1.Changes)

	base, err := e.R.Baseline(ctx, runnertest.Date("2026-11-19"))
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status = 'pending'`); n != 0 {
		t.Errorf("after the baseline %d changes are pending, want 0", n)
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status = 'baselined'`); n != int64(len(base.Changes)) || n != int64(len(day1.Changes)) {
		t.Errorf("baselined %d changes, want %d", n, len(day1.Changes))
	}

	e.Deliver("orders-2026-11-20.xml", "orders-2026-11-20.xml")
	reps = e.Nightly()
	if len(reps) != 1 {
		t.Fatalf("day 2: %d runs, want 1", len(reps))
	}
	day2 := reps[0]
	if day2.Run.Status != store.RunRejects || day2.Run.Rejects != 1 {
		t.Fatalf("day 2: status %s with %d rejects, want ok_with_rejects with 1", day2.Run.Status, day2.Run.Rejects)
	}
	golden(t, "day2", day2.Changes)
	rj := day2.Rejects[0]
	if rj.Reject.Entity != "order" || rj.Reject.Field != "status" || rj.Reject.Value != "Visszaküldve" || rj.File != "orders-2026-11-20.xml" ||
		!strings.Contains(rj.Reject.Pos, "/Orders/Order[") || !strings.Contains(rj.Reject.Reason, "status_map") {
		t.Errorf("reject = %+v", rj)
	}
	pending := e.Count(`SELECT count(*) FROM changes WHERE status = 'pending'`)
	files := e.Count(`SELECT count(*) FROM raw_files`)

	replay, err := e.R.Replay(ctx, runnertest.Date("2026-11-20"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "day2", replay.Changes)
	if n := e.Count(`SELECT count(*) FROM changes WHERE status = 'pending'`); n != pending {
		t.Errorf("after the replay %d changes are pending, want the same %d", n, pending)
	}
	if n := e.Count(`SELECT count(*) FROM (SELECT entity, natural_key FROM changes WHERE status = 'pending' GROUP BY ALL HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d records have more than one pending change", n)
	}
	if n := e.Count(`SELECT count(*) FROM raw_files`); n != files {
		t.Errorf("the replay archived files: %d, want %d", n, files)
	}
	if len(e.Nightly()) != 0 {
		t.Error("a nightly with no new export made a run")
	}
}
