package diff

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/store"
)

var item = pipeline.Entity{Name: "item", Fields: []string{"name", "price"}, Key: []string{"sku"}}

// seed fills a new store with what the CRM is known to hold and a run
// (2) that stages rows against it: unchanged, changed in one or both
// fields, new, reappearing after being missing, staged twice (the last
// row wins), a NULL field, and absent (missing in a full snapshot).
func seed(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "diff.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.EnsureEntityTables(ctx, []pipeline.Entity{item}); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO cur_item (natural_key, row_hash, run_id, name, price, missing_since) VALUES
			('a', 'ha', 1, 'Alma', '10', NULL),
			('b', 'hb', 1, 'Barack', '20', NULL),
			('c', 'hc', 1, 'Cseresznye', '30', NULL),
			('d', 'hd', 1, 'Dinnye', '40', now()),
			('e', 'he', 1, 'Eper', '50', NULL),
			('f', 'hf', 1, 'Füge', '60', NULL),
			('g', 'hg', 1, 'Gesztenye', NULL, NULL)`,
		`INSERT INTO stg_item (run_id, file_id, seq, natural_key, row_hash, name, price) VALUES
			(2, 1, 1, 'a', 'ha', 'Alma', '10'),
			(2, 1, 2, 'b', 'hb2', 'Barack', '25'),
			(2, 1, 3, 'c', 'hc2', 'Cseresznye „friss”', '35'),
			(2, 1, 4, 'd', 'hd', 'Dinnye', '40'),
			(2, 1, 5, 'n', 'hn', 'Narancs', '70'),
			(2, 1, 6, 'e', 'he0', 'Eper régi', '1'),
			(2, 1, 9, 'e', 'he2', 'Eper', '55'),
			(2, 1, 7, 'g', 'hg2', 'Gesztenye', '80')`,
	}
	for _, q := range stmts {
		if _, err := st.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// changesOf lists the changes of a diff, one line each.
func changesOf(t *testing.T, st *store.Store) string {
	t.Helper()
	rows, err := st.DB.Query(`SELECT natural_key, op, row_hash, payload::VARCHAR, coalesce(diff::VARCHAR, '-'), status
		FROM changes ORDER BY natural_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var k, op, h, p, d, s string
		if err := rows.Scan(&k, &op, &h, &p, &d, &s); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s %s %s %s\n", k, op, h, p, d, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPlansAgree diffs the same run with each plan, whole and in
// partitions, and expects the same counts and outbox from all four.
func TestPlansAgree(t *testing.T) {
	oldKeysFirst, oldRows := keysFirst, PartitionRows
	t.Cleanup(func() { keysFirst, PartitionRows = oldKeysFirst, oldRows })
	var want string
	var wantCounts Counts
	for _, first := range []bool{false, true} {
		for _, rows := range []int64{1_000_000, 3} {
			name := fmt.Sprintf("keysFirst=%v/partitionRows=%d", first, rows)
			keysFirst = func(int64, int64) bool { return first }
			PartitionRows = rows
			st := seed(t)
			c, err := Run(context.Background(), st, 2, []pipeline.Entity{item}, Options{FullSnapshot: true})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := changesOf(t, st)
			var gaps int
			err = st.DB.QueryRow(`SELECT max(change_id) - min(change_id) + 1 - count(*) FROM changes`).Scan(&gaps)
			if err != nil || gaps != 0 {
				t.Errorf("%s: change ids not consecutive: %d gaps (%v)", name, gaps, err)
			}
			if want == "" {
				want, wantCounts = got, c
				continue
			}
			if c != wantCounts {
				t.Errorf("%s: counts %+v, want %+v", name, c, wantCounts)
			}
			if got != want {
				t.Errorf("%s: outbox\n%s\nwant\n%s", name, got, want)
			}
		}
	}
	// What every plan must agree on, spelled out once.
	if wantCounts != (Counts{Creates: 2, Updates: 4, Unchanged: 1, Missing: 1}) {
		t.Errorf("counts %+v", wantCounts)
	}
	if strings.HasPrefix(want, "a ") {
		t.Errorf("outbox has a change for the unchanged record:\n%s", want)
	}
	for _, wantLine := range []string{
		`b update hb2 {"name":"Barack","price":"25"} [{"field":"price","old":"20","new":"25"}] pending`,
		`c update hc2 {"name":"Cseresznye „friss”","price":"35"} [{"field":"name","old":"Cseresznye","new":"Cseresznye „friss”"},{"field":"price","old":"30","new":"35"}] pending`,
		`d create hd {"name":"Dinnye","price":"40"} - pending`,
		`e update he2 {"name":"Eper","price":"55"} [{"field":"price","old":"50","new":"55"}] pending`,
		`f missing hf {"name":"Füge","price":"60"} - pending`,
		`g update hg2 {"name":"Gesztenye","price":"80"} [{"field":"price","old":null,"new":"80"}] pending`,
		`n create hn {"name":"Narancs","price":"70"} - pending`,
	} {
		if !strings.Contains(want, wantLine+"\n") {
			t.Errorf("outbox lacks\n%s\nin\n%s", wantLine, want)
		}
	}
}
