package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/store"
)

// TestSchemaVersion1IsUpgraded opens a file as minisync's schema version 1
// left it (cur_<entity> with a primary key) and expects the key gone, the
// rows and NOT NULL constraints kept, and the records advanced by delete
// and insert afterwards.
func TestSchemaVersion1IsUpgraded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.duckdb")
	item := pipeline.Entity{Name: "item", Fields: []string{"name"}, Key: []string{"sku"}}
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE cur_item (natural_key VARCHAR PRIMARY KEY, row_hash VARCHAR NOT NULL, run_id BIGINT, updated_at TIMESTAMPTZ, missing_since TIMESTAMPTZ, name VARCHAR)`,
		`INSERT INTO cur_item VALUES ('a', 'ha', 1, now(), NULL, 'Árvíztűrő'), ('b', 'hb', 1, now(), now(), NULL)`,
		`UPDATE meta SET value = '1' WHERE key = 'schema_version'`,
	} {
		exec(t, st, q)
	}
	st.Close()

	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var version string
	if err := st.DB.QueryRow(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&version); err != nil || version != "2" {
		t.Fatalf("schema version %q (%v), want 2", version, err)
	}
	var keys, notNull int
	err = st.DB.QueryRow(`SELECT count(*) FILTER (constraint_type = 'PRIMARY KEY'), count(*) FILTER (constraint_type = 'NOT NULL')
		FROM duckdb_constraints() WHERE table_name = 'cur_item'`).Scan(&keys, &notNull)
	if err != nil {
		t.Fatal(err)
	}
	if keys != 0 || notNull != 2 {
		t.Errorf("cur_item has %d primary keys and %d NOT NULL constraints, want 0 and 2", keys, notNull)
	}
	var rows int
	var name string
	if err := st.DB.QueryRow(`SELECT count(*), max(name) FROM cur_item`).Scan(&rows, &name); err != nil || rows != 2 || name != "Árvíztűrő" {
		t.Fatalf("cur_item has %d rows, name %q (%v); want 2, Árvíztűrő", rows, name, err)
	}

	// The record a advances: replaced, not duplicated.
	if err := st.EnsureEntityTables(ctx, []pipeline.Entity{item}); err != nil {
		t.Fatal(err)
	}
	addChange(t, st, 1, "item", "a", "update", "pending", `{"name": "Tükörfúrógép"}`)
	exec(t, st, `UPDATE changes SET run_id = 2, last_run_id = 2`)
	if _, err := st.Confirm(ctx, 2, []pipeline.Entity{item}, store.ChangeBaselined); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRow(`SELECT count(*), max(name) FROM cur_item WHERE natural_key = 'a'`).Scan(&rows, &name); err != nil || rows != 1 || name != "Tükörfúrógép" {
		t.Fatalf("record a: %d rows, name %q (%v); want 1, Tükörfúrógép", rows, name, err)
	}
}

// TestNewerSchemaIsRefused expects a file of an unknown schema version to
// be refused with both versions named.
func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v9.duckdb")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, st, `UPDATE meta SET value = '9' WHERE key = 'schema_version'`)
	st.Close()
	_, err = store.Open(ctx, path)
	if err == nil || !containsAll(err.Error(), "schema version 9", "reads version 2") {
		t.Fatalf("opening a version 9 file: %v", err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
