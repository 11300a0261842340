package diff

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/store"
)

// wideRun opens a store at DuckDB memory limit limit and stages n wide
// rows of item in run 2, more than a diff can hold at a small limit.
func wideRun(t *testing.T, limit string, n int) *store.Store {
	t.Helper()
	t.Setenv(store.MemoryLimitEnv, limit)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "wide.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.EnsureEntityTables(ctx, []pipeline.Entity{item}); err != nil {
		t.Fatal(err)
	}
	_, err = st.DB.ExecContext(ctx, `INSERT INTO stg_item (run_id, file_id, seq, natural_key, row_hash, name, price)
		SELECT 2, 1, i, 'k' || i, md5(i::VARCHAR), repeat(md5(i::VARCHAR), 8), i::VARCHAR FROM range($1) t(i)`, n)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestOutOfMemoryRaisesTheLimit diffs a run too wide for an 8 MB limit
// and expects the diff to complete at a raised limit, say so, and leave
// the limit as it was.
func TestOutOfMemoryRaisesTheLimit(t *testing.T) {
	const n = 200_000
	ctx := context.Background()
	st := wideRun(t, "8MB", n)
	before, err := st.MemoryLimitBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	c, err := Run(ctx, st, 2, []pipeline.Entity{item}, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if c.Creates != n {
		t.Errorf("creates = %d, want %d", c.Creates, n)
	}
	if !strings.Contains(log.String(), "retry_memory_limit_mib=") {
		t.Errorf("no retry logged; log:\n%s", log.String())
	}
	after, err := st.MemoryLimitBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("memory limit after the diff = %d, want %d as before", after, before)
	}
	if err := st.SetMemoryLimitBytes(ctx, 256<<20); err != nil { // for counting
		t.Fatal(err)
	}
	var changes, keys int64
	if err := st.DB.QueryRow(`SELECT count(*), count(DISTINCT natural_key) FROM changes WHERE status = 'pending'`).Scan(&changes, &keys); err != nil {
		t.Fatal(err)
	}
	if changes != n || keys != n {
		t.Errorf("outbox holds %d changes of %d keys, want %d of %d", changes, keys, n, n)
	}
}

// TestOutOfMemoryBeyondTheRaises expects a diff that does not fit after
// the allowed raises to fail naming the setting, with nothing in the
// outbox.
func TestOutOfMemoryBeyondTheRaises(t *testing.T) {
	defer func(r int) { memoryRaises = r }(memoryRaises)
	memoryRaises = 0
	st := wideRun(t, "8MB", 200_000)
	_, err := Run(context.Background(), st, 2, []pipeline.Entity{item}, Options{})
	if err == nil || !store.IsOutOfMemory(err) || !strings.Contains(err.Error(), store.MemoryLimitEnv) {
		t.Fatalf("err = %v, want DuckDB's out-of-memory error naming %s", err, store.MemoryLimitEnv)
	}
	var changes int64
	if err := st.DB.QueryRow(`SELECT count(*) FROM changes`).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	if changes != 0 {
		t.Errorf("outbox holds %d changes after a failed diff, want 0", changes)
	}
}
