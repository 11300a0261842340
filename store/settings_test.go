package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"minisync/store"
)

// TestDictionaryCompressionIsOff writes a column of three repeated
// strings, which DuckDB would store with a dictionary, and expects the
// file to hold it without one.
func TestDictionaryCompressionIsOff(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exec(t, st, `CREATE TABLE repeated AS SELECT 'status ' || (i % 3) || ' of an order' AS s FROM range(100000) t(i)`)
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
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
