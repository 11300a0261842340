package store_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"minisync/pipeline"
	"minisync/store"
)

// openFeedStore opens a store with an order entity and its item lines.
func openFeedStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feed.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.EnsureEntityTables(ctx, []pipeline.Entity{
		{Name: "order", Fields: []string{"order_key", "name"}, Key: []string{"order_key"}},
		{Name: "item", Fields: []string{"order_key", "sku"}, Key: []string{"order_key", "sku"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func exec(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := st.DB.Exec(q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// addChange adds a change with the payload given as JSON.
func addChange(t *testing.T, st *store.Store, id int64, entity, key, op, status, payload string) {
	t.Helper()
	exec(t, st, `INSERT INTO changes (change_id, run_id, last_run_id, entity, natural_key, op, payload, row_hash, status, created_at, updated_at)
		VALUES (?, 1, 1, ?, ?, ?, ?, 'h', ?, now(), now())`, id, entity, key, op, payload, status)
}

type cardIDs struct {
	Key    string
	Parent int64
	Lines  []int64
}

func ids(page []store.FeedCard) []cardIDs {
	var out []cardIDs
	for _, c := range page {
		ci := cardIDs{Key: c.Key}
		if c.Parent != nil {
			ci.Parent = c.Parent.ID
		}
		for _, l := range c.Lines {
			ci.Lines = append(ci.Lines, l.ID)
		}
		out = append(out, ci)
	}
	return out
}

func TestEachFeedCardGroupsLinesByCardInOrder(t *testing.T) {
	st := openFeedStore(t)
	ctx := context.Background()
	addChange(t, st, 1, "order", "unas:B", "create", "pending", `{"order_key":"B","name":"b"}`)
	addChange(t, st, 2, "order", "unas:A", "update", "pending", `{"order_key":"A","name":"a"}`)
	addChange(t, st, 3, "item", "A|x", "create", "pending", `{"order_key":"A","sku":"x"}`)
	addChange(t, st, 4, "item", "C|y", "update", "pending", `{"order_key":"C","sku":"y"}`) // only a line of C changed
	addChange(t, st, 5, "item", "B|z", "create", "pending", `{"order_key":"B","sku":"z"}`)
	addChange(t, st, 6, "item", "?|w", "create", "pending", `{"order_key":null,"sku":"w"}`)
	addChange(t, st, 7, "item", "A|v", "create", "sent", `{"order_key":"A","sku":"v"}`)
	addChange(t, st, 8, "item", "D|u", "create", "pending", `{"order_key":"D","sku":"u"}`)
	addChange(t, st, 9, "item", "A|t", "create", "pending", `{"order_key":"A","sku":"t"}`)
	addChange(t, st, 10, "item", "C|s", "create", "pending", `{"order_key":"C","sku":"s"}`)

	lines := &store.FeedLines{Entity: "item", Key: "order_key", Prefix: "unas:"}
	var pages [][]cardIDs
	err := st.EachFeedCard(ctx, "order", lines, 2, func(page []store.FeedCard) error {
		pages = append(pages, ids(page))
		// the handler lands what it was handed while the cards are read
		for _, c := range page {
			for _, l := range c.Lines {
				exec(t, st, `UPDATE changes SET status = 'sent' WHERE change_id = ?`, l.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]cardIDs{
		{{Key: "unas:B", Parent: 1, Lines: []int64{5}}, {Key: "unas:A", Parent: 2, Lines: []int64{3, 9}}},
		{{Key: "unas:C", Lines: []int64{4, 10}}, {Key: "unas:D", Lines: []int64{8}}},
	}
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("pages of cards:\n got %+v\nwant %+v", pages, want)
	}
	orphans, err := st.PendingLinesWithoutCard(ctx, *lines)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(orphans, []int64{6}) {
		t.Errorf("lines without a card: %v, want [6]", orphans)
	}
	var pending int
	st.DB.QueryRow(`SELECT count(*) FROM changes WHERE status = 'pending' AND entity = 'item'`).Scan(&pending)
	if pending != 1 {
		t.Errorf("%d item changes still pending after the handler landed them, want 1 (the line without a card)", pending)
	}
}

func TestEachFeedCardWithoutLines(t *testing.T) {
	st := openFeedStore(t)
	addChange(t, st, 1, "order", "unas:B", "create", "pending", `{"order_key":"B"}`)
	addChange(t, st, 2, "order", "unas:A", "create", "failed", `{"order_key":"A"}`)
	addChange(t, st, 3, "order", "unas:C", "missing", "pending", `{"order_key":"C"}`)
	var got []cardIDs
	err := st.EachFeedCard(context.Background(), "order", nil, 10, func(page []store.FeedCard) error {
		got = append(got, ids(page)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []cardIDs{{Key: "unas:B", Parent: 1}, {Key: "unas:C", Parent: 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cards: got %+v, want %+v", got, want)
	}
}

func TestEachPendingPagesPastWhatTheHandlerLeftPending(t *testing.T) {
	st := openFeedStore(t)
	for id := int64(1); id <= 5; id++ {
		addChange(t, st, id, "order", "k", "create", "pending", `{}`)
	}
	var seen []int64
	err := st.EachPending(context.Background(), "order", 2, func(page []store.Pending) error {
		for _, p := range page {
			seen = append(seen, p.ID)
			if p.ID%2 == 0 { // lands some, leaves the others pending (deferred)
				exec(t, st, `UPDATE changes SET status = 'sent' WHERE change_id = ?`, p.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("handed over %v, want each change once: [1 2 3 4 5]", seen)
	}
}

func TestRowsOfManyRecordsAtOnce(t *testing.T) {
	st := openFeedStore(t)
	ctx := context.Background()
	stg := `INSERT INTO stg_order (run_id, file_id, seq, natural_key, row_hash, order_key, name) VALUES (?, 1, ?, ?, 'h', ?, ?)`
	exec(t, st, stg, 1, 1, "unas:A", "A", "first")
	exec(t, st, stg, 1, 2, "unas:A", "A", "last of run 1")
	exec(t, st, stg, 2, 3, "unas:A", "A", "run 2")
	exec(t, st, stg, 2, 4, "unas:B", "B", "b")
	item := `INSERT INTO stg_item (run_id, file_id, seq, natural_key, row_hash, order_key, sku) VALUES (?, 1, ?, ?, 'h', ?, ?)`
	exec(t, st, item, 1, 10, "A|2", "A", "two")
	exec(t, st, item, 1, 11, "A|1", "A", "one")
	exec(t, st, item, 1, 12, "A|2", "A", "two again")
	exec(t, st, item, 2, 13, "A|1", "A", "run 2")
	exec(t, st, `INSERT INTO cur_order (natural_key, row_hash, order_key, name) VALUES ('unas:C', 'h', 'C', 'held'), ('unas:A', 'h', 'A', 'held a')`)
	exec(t, st, `INSERT INTO cur_item (natural_key, row_hash, order_key, sku, missing_since) VALUES
		('C|2', 'h', 'C', 'c2', NULL), ('C|1', 'h', 'C', 'c1', NULL), ('C|0', 'h', 'C', 'gone', now())`)

	recs, err := st.StagedRecords(ctx, "order", []store.RunKey{{1, "unas:A"}, {2, "unas:A"}, {1, "unas:B"}, {1, "unas:A"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[store.RunKey]string{}
	for k, r := range recs {
		got[k] = r.Get("name")
	}
	if want := map[store.RunKey]string{{1, "unas:A"}: "last of run 1", {2, "unas:A"}: "run 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("staged records: %v, want %v", got, want)
	}

	cur, err := st.CurrentRecords(ctx, "order", []string{"unas:C", "unas:Z"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 1 || cur["unas:C"].Get("name") != "held" {
		t.Errorf("current records: %v, want only unas:C", cur)
	}

	kids, err := st.StagedChildren(ctx, "item", "order_key", []store.RunKey{{1, "A"}, {2, "A"}, {1, "B"}})
	if err != nil {
		t.Fatal(err)
	}
	skus := func(rs []store.Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Get("sku"))
		}
		return out
	}
	if got := skus(kids[store.RunKey{1, "A"}]); !reflect.DeepEqual(got, []string{"one", "two again"}) {
		t.Errorf("lines of A staged by run 1: %v, want the last of each in staging order [one, two again]", got)
	}
	if got := skus(kids[store.RunKey{2, "A"}]); !reflect.DeepEqual(got, []string{"run 2"}) {
		t.Errorf("lines of A staged by run 2: %v", got)
	}
	if _, ok := kids[store.RunKey{1, "B"}]; ok {
		t.Errorf("B has no staged lines, got %v", kids[store.RunKey{1, "B"}])
	}

	held, err := st.CurrentChildren(ctx, "item", "order_key", []string{"C", "A"})
	if err != nil {
		t.Fatal(err)
	}
	if got := skus(held["C"]); !reflect.DeepEqual(got, []string{"c1", "c2"}) {
		t.Errorf("current lines of C: %v, want [c1 c2] (by key, without the missing one)", got)
	}
}
