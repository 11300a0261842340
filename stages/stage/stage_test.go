package stage_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"minisync/pipeline"
	"minisync/stages/stage"
	"minisync/store"
)

var entities = []pipeline.Entity{
	{Name: "item", Fields: []string{"a", "b"}, Key: []string{"a"}},
	{Name: "order", Fields: []string{"c"}, Key: []string{"c"}},
}

// openStore opens a store in a temp folder with the entities' tables.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "stage.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.EnsureEntityTables(ctx, entities); err != nil {
		t.Fatal(err)
	}
	return st
}

func open(t *testing.T) (*store.Store, *stage.Writer) {
	t.Helper()
	st := openStore(t)
	w, err := stage.NewWriter(context.Background(), st, 7, entities)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return st, w
}

// values are the strings the rows are made of: empty (NULL), inlined in
// DuckDB's string header (up to 12 bytes) or not, multi-byte letters
// across the 4-byte prefix, and larger than a block of C memory.
var values = []string{
	"", "x", "12 bytes ok!", "13 bytes ok!!", "abcd", "abcde", "Árvíztűrő tükörfúrógép", "ț", "ăîșțâ-ĂÎȘȚÂ 4",
	strings.Repeat("0123456789", 500), strings.Repeat("ő", 700_000),
}

// TestRowsReadBackAsStaged stages rows across several chunks and flushes,
// with every kind of value in every column, and reads them back.
func TestRowsReadBackAsStaged(t *testing.T) {
	st, w := open(t)
	w.BeginFile(3, "f.xml")
	l, err := w.Lane()
	if err != nil {
		t.Fatal(err)
	}
	const rows = 40_000 // more than a flush (32 768) and many chunks (2 048)
	want := map[string][2]string{}
	for i := range rows {
		a := fmt.Sprintf("k%05d", i)
		b := values[i%len(values)]
		if i%1000 != 3 { // the largest value now and then only
			b = values[i%(len(values)-1)]
		}
		want[a] = [2]string{b, values[(i/7)%(len(values)-1)]}
		if err := l.Row(int64(i/256), i%256, pipeline.Row{Entity: "item", Key: a, Values: []string{a, b}, Pos: "line " + a}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if err := l.Row(int64(i/256), i%256, pipeline.Row{Entity: "order", Key: a, Values: []string{want[a][1]}, Pos: "p"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.Done()
	if err := w.CommitFile(context.Background()); err != nil {
		t.Fatal(err)
	}

	rs, err := st.DB.Query(`SELECT natural_key, b, run_id, file_id, source_pos, row_hash FROM stg_item ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	n := 0
	for rs.Next() {
		var key, pos, hash string
		var b sql.NullString
		var run, file int64
		if err := rs.Scan(&key, &b, &run, &file, &pos, &hash); err != nil {
			t.Fatal(err)
		}
		if key != fmt.Sprintf("k%05d", n) {
			t.Fatalf("row %d: key %s, out of order", n, key)
		}
		wb := want[key][0]
		if b.Valid != (wb != "") || b.String != wb {
			t.Fatalf("%s: b = %v %q (%d bytes), want %q (%d bytes)", key, b.Valid, trim(b.String), len(b.String), trim(wb), len(wb))
		}
		if run != 7 || file != 3 || pos != "line "+key || hash != pipeline.HashValues([]string{key, wb}) {
			t.Fatalf("%s: run %d, file %d, pos %q, hash %s", key, run, file, pos, hash)
		}
		n++
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Fatalf("%d rows in stg_item, want %d", n, rows)
	}
	// Comparisons read the header's length and prefix.
	for _, v := range values[1:] {
		wantN := 0
		for _, w := range want {
			if w[0] == v {
				wantN++
			}
		}
		var got int
		if err := st.DB.QueryRow(`SELECT count(*) FROM stg_item WHERE b = ?`, v).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != wantN {
			t.Errorf("%d rows have b = %q, want %d", got, trim(v), wantN)
		}
	}
	var orders, nulls int
	st.DB.QueryRow(`SELECT count(*), count(*) FILTER (c IS NULL) FROM stg_order`).Scan(&orders, &nulls)
	if orders != rows/5 || nulls == 0 {
		t.Errorf("stg_order: %d rows, %d NULL, want %d rows, some NULL", orders, nulls, rows/5)
	}
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// TestAbortedFileLeavesNothing aborts a file after more rows than a flush.
func TestAbortedFileLeavesNothing(t *testing.T) {
	st, w := open(t)
	w.BeginFile(1, "bad.xml")
	l, err := w.Lane()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 35_000 {
		if err := l.Row(0, i%1000, pipeline.Row{Entity: "item", Key: fmt.Sprint(i), Values: []string{fmt.Sprint(i), "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	l.Done()
	if err := w.AbortFile(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.BeginFile(2, "good.xml")
	if l, err = w.Lane(); err != nil {
		t.Fatal(err)
	}
	if err := l.Row(0, 0, pipeline.Row{Entity: "item", Key: "g", Values: []string{"g", "v"}}); err != nil {
		t.Fatal(err)
	}
	l.Done()
	if err := w.CommitFile(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	var key string
	st.DB.QueryRow(`SELECT count(*), any_value(natural_key) FROM stg_item`).Scan(&n, &key)
	if n != 1 || key != "g" {
		t.Errorf("stg_item holds %d rows (%s), want only the good file's one", n, key)
	}
}

// TestInvalidUTF8IsAnError: DuckDB would store NULL instead.
func TestInvalidUTF8IsAnError(t *testing.T) {
	_, w := open(t)
	w.BeginFile(1, "f.csv")
	l, err := w.Lane()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Done()
	err = l.Row(0, 0, pipeline.Row{Entity: "item", Key: "k", Values: []string{"k", "caf\xe9"}})
	if err == nil || !strings.Contains(err.Error(), "column b") || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("error %v, want one naming column b and invalid UTF-8", err)
	}
}

// TestStagingRunsDuckDBOnOneThread: the lanes' inserts run on their own
// threads while a run stages, and DuckDB gets its thread count back
// afterwards, also when the writer cannot start.
func TestStagingRunsDuckDBOnOneThread(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if err := st.SetThreads(ctx, 3); err != nil {
		t.Fatal(err)
	}
	threads := func() int64 {
		t.Helper()
		n, err := st.Threads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	w, err := stage.NewWriter(ctx, st, 7, entities)
	if err != nil {
		t.Fatal(err)
	}
	if n := threads(); n != 1 {
		t.Errorf("DuckDB runs on %d threads while staging, want 1", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := threads(); n != 3 {
		t.Errorf("DuckDB runs on %d threads after staging, want 3 as before", n)
	}
	// A table that cannot take rows fails the writer; the count is restored.
	if _, err := stage.NewWriter(ctx, st, 7, []pipeline.Entity{{Name: "missing", Fields: []string{"a"}}}); err == nil {
		t.Fatal("a writer on a missing table started")
	}
	if n := threads(); n != 3 {
		t.Errorf("DuckDB runs on %d threads after a failed start, want 3 as before", n)
	}
}

// TestWriterHoldsTheHeapFloor: GOGC rises while a writer is open (this
// test's heap is far below stagingHeapFloor) and is as before after Close.
func TestWriterHoldsTheHeapFloor(t *testing.T) {
	gogc := func() int {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return int(s[0].Value.Uint64())
	}
	base := debug.SetGCPercent(100)
	defer debug.SetGCPercent(base)
	st := openStore(t)
	runtime.GC() // the live heap is known from here
	w, err := stage.NewWriter(context.Background(), st, 7, entities)
	if err != nil {
		t.Fatal(err)
	}
	raised := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !raised; time.Sleep(time.Millisecond) {
		raised = gogc() > 100
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !raised {
		t.Error("GOGC stayed 100 while the writer was open")
	}
	if got := gogc(); got != 100 {
		t.Errorf("GOGC after Close = %d, want 100 as before", got)
	}
}
