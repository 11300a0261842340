package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"minisync/store"
)

// storeWith opens a store in a temp folder, runs q and checkpoints, so
// that what q wrote is in the file as DuckDB stores it.
func storeWith(t *testing.T, q string, args ...any) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	exec(t, st, q, args...)
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDictionaryCompressionIsOff writes a column of three repeated
// strings, which DuckDB would store with a dictionary, and expects the
// file to hold it without one.
func TestDictionaryCompressionIsOff(t *testing.T) {
	ctx := context.Background()
	st := storeWith(t, `CREATE TABLE repeated AS SELECT 'status ' || (i % 3) || ' of an order' AS s FROM range(100000) t(i)`)
	rows, err := st.DB.QueryContext(ctx, `SELECT DISTINCT compression FROM pragma_storage_info('repeated') WHERE column_name = 's' AND segment_type = 'VARCHAR'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var methods []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		methods = append(methods, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(methods) == 0 {
		t.Fatal("no VARCHAR segments of the column in pragma_storage_info")
	}
	for _, m := range methods {
		if strings.Contains(strings.ToLower(m), "dict") {
			t.Errorf("column stored with %s compression (all methods: %v)", m, methods)
		}
	}
}

// TestRowGroupSize writes one row more than two row groups hold and
// expects three row groups in the file.
func TestRowGroupSize(t *testing.T) {
	ctx := context.Background()
	st := storeWith(t, `CREATE TABLE numbers AS SELECT i FROM range(?) t(i)`, 2*store.RowGroupSize+1)
	var groups int
	if err := st.DB.QueryRowContext(ctx, `SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('numbers')`).Scan(&groups); err != nil {
		t.Fatal(err)
	}
	if groups != 3 {
		t.Errorf("%d rows stored in %d row groups, want 3 of up to %d rows", 2*store.RowGroupSize+1, groups, store.RowGroupSize)
	}
}
