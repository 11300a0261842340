package runner_test

import (
	"context"
	"strings"
	"testing"

	"minisync/runner/runnertest"
	"minisync/store"
)

// A truncated export fails with its position, and nothing of it is staged.
func TestTruncatedFileStagesNothing(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{Snapshot: "incremental"})
	e.Deliver("broken/orders-truncated.xml", "orders-2026-11-21.xml")
	_, reps, err := e.R.Nightly(context.Background())
	if err == nil {
		t.Fatal("nightly on a truncated export succeeded")
	}
	if len(reps) != 1 || reps[0].Run.Status != store.RunFailed {
		t.Fatalf("reports = %+v, want one failed run", reps)
	}
	msg := err.Error()
	for _, want := range []string{"orders-2026-11-21.xml", "line"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	for _, table := range []string{"stg_company", "stg_person", "stg_order", "stg_order_item", "changes", "rejects"} {
		if n := e.Count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Errorf("%s has %d rows from the truncated file, want 0", table, n)
		}
	}
	var status, fileErr string
	if err := e.R.Store.DB.QueryRow(`SELECT status, error FROM raw_files`).Scan(&status, &fileErr); err != nil {
		t.Fatal(err)
	}
	if status != store.FileFailed || !strings.Contains(fileErr, "line") {
		t.Errorf("raw_files status %q error %q, want failed with a line", status, fileErr)
	}
	var runErr string
	if err := e.R.Store.DB.QueryRow(`SELECT error FROM runs`).Scan(&runErr); err != nil || !strings.Contains(runErr, "orders-2026-11-21.xml") {
		t.Errorf("runs.error = %q (%v), want the file named", runErr, err)
	}
	// The same bytes are not retried every night; a corrected file is new content.
	if _, reps, err := e.R.Nightly(context.Background()); err != nil || len(reps) != 0 {
		t.Errorf("second nightly: %d runs, %v; want none", len(reps), err)
	}
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-21.xml")
	if reps := e.Nightly(); len(reps) != 1 || reps[0].Run.Creates == 0 {
		t.Errorf("the corrected export was not processed: %+v", reps)
	}
}

// The same export delivered twice, under another name too, is processed once.
func TestSameFileTwiceProcessedOnce(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{Snapshot: "incremental"})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	if reps := e.Nightly(); len(reps) != 1 {
		t.Fatalf("first delivery: %d runs", len(reps))
	}
	changes := e.Count(`SELECT count(*) FROM changes`)
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19-resent.xml")
	ex, reps, err := e.R.Nightly(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 0 || len(ex.Archived) != 0 || len(ex.Known) != 2 {
		t.Errorf("second delivery: %d runs, %d archived, %d known; want 0, 0, 2", len(reps), len(ex.Archived), len(ex.Known))
	}
	if n := e.Count(`SELECT count(*) FROM raw_files`); n != 1 {
		t.Errorf("raw_files has %d rows, want 1", n)
	}
	if n := e.Count(`SELECT count(*) FROM changes`); n != changes {
		t.Errorf("changes grew from %d to %d", changes, n)
	}
}

// Hungarian and Romanian letters survive extract, staging and diff intact.
func TestUTF8IntactEndToEnd(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{Snapshot: "incremental"})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	e.Nightly()
	for _, tc := range []struct{ q, want string }{
		{`SELECT name FROM stg_company WHERE natural_key = 'HU25566552'`, "Árvíztűrő Tükörfúrógép Kft."},
		{`SELECT name FROM stg_company WHERE natural_key = 'RO14399840'`, "Brașov Mobilă SRL"},
		{`SELECT name FROM stg_person WHERE natural_key = 'stefan.turcanu@yahoo.ro'`, "Ștefan Țurcanu"},
		{`SELECT name FROM stg_person WHERE natural_key = 'szolosi.odon@gmail.com'`, "Szőlősi Ödön"},
		{`SELECT payload->>'name' FROM changes WHERE natural_key = 'ioana.muresan@brasovmobila.ro'`, "Ioana Mureșan"},
	} {
		var got string
		if err := e.R.Store.DB.QueryRow(tc.q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// In a full snapshot a record the CRM holds but the export lacks is missing.
func TestFullSnapshotReportsMissing(t *testing.T) { fullSnapshotReportsMissing(t) }

// TestFullSnapshotPartitioned finds the same missing records when the diff
// runs in partitions.
func TestFullSnapshotPartitioned(t *testing.T) {
	partitioned(t, 2)
	fullSnapshotReportsMissing(t)
}

func fullSnapshotReportsMissing(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{Snapshot: "full"})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	e.Nightly()
	if _, err := e.R.Baseline(context.Background(), runnertest.Date("2026-11-19")); err != nil {
		t.Fatal(err)
	}
	e.Deliver("orders-2026-11-20.xml", "orders-2026-11-20.xml")
	rep := e.Nightly()[0]
	if rep.Run.Missing == 0 {
		t.Fatal("no record reported missing from a full snapshot that lacks day-1 orders")
	}
	// Day 2 repeats orders 100120–100123 (100123 with a new e-mail); 100124–100127 are absent.
	for _, key := range []string{"unas:27839-100124", "unas:27839-100127"} {
		if n := e.Count(`SELECT count(*) FROM changes WHERE op = 'missing' AND entity = 'order' AND natural_key = ?`, key); n != 1 {
			t.Errorf("order %s: %d missing changes, want 1", key, n)
		}
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE op = 'missing' AND natural_key = 'unas:27839-100120'`); n != 0 {
		t.Error("an order present in the snapshot was reported missing")
	}
}
