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
	"time"

	"minisync/config"
	"minisync/fixtures"
	"minisync/formats/unasxml"
	"minisync/mappings"
	"minisync/runner"
	"minisync/sources/local"
	"minisync/store"
)

var update = flag.Bool("update", false, "rewrite the golden change sets (review the diff before committing)")

const statusMap = `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`

// env is one integration over a local export folder in a temp dir.
type env struct {
	t       *testing.T
	exports string
	r       *runner.Runner
}

func newEnv(t *testing.T, snapshot string) *env {
	t.Helper()
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	if err := os.MkdirAll(exports, 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := `name: shop
source:
  type: local
  dir: exports
  glob: "orders-*.xml"
  date_pattern: 'orders-(\d{4}-\d{2}-\d{2})'
  snapshot: ` + snapshot + `
mapping: unas-orders
params:
  owner: Kovács Anna
  orders_module: Rendelések
  status_map: '` + statusMap + `'
sync_start: "2026-11-01"
`
	path := filepath.Join(dir, "shop.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := mappings.Load(in.Mapping)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mappings.Compile(spec, in.Params, in.SyncStart)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, in.Staging)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src, err := local.New(local.Config{Dir: in.Source.Dir, Glob: in.Source.Glob})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, exports: exports, r: &runner.Runner{In: in, Store: st, Format: unasxml.New(), Mapper: m, Source: src}}
}

// deliver puts a fixture into the export folder under name.
func (e *env) deliver(fixture, name string) {
	e.t.Helper()
	b, err := fixtures.UNAS.ReadFile("unas/" + fixture)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.exports, name), b, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) nightly() []*runner.Report {
	e.t.Helper()
	_, reps, err := e.r.Nightly(context.Background())
	if err != nil {
		e.t.Fatalf("nightly: %v", err)
	}
	return reps
}

func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.r.Store.DB.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func date(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

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
func TestScenarioDays(t *testing.T) {
	e := newEnv(t, "incremental")
	ctx := context.Background()

	e.deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	reps := e.nightly()
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

	base, err := e.r.Baseline(ctx, date("2026-11-19"))
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM changes WHERE status = 'pending'`); n != 0 {
		t.Errorf("after the baseline %d changes are pending, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM changes WHERE status = 'baselined'`); n != int64(len(base.Changes)) || n != int64(len(day1.Changes)) {
		t.Errorf("baselined %d changes, want %d", n, len(day1.Changes))
	}

	e.deliver("orders-2026-11-20.xml", "orders-2026-11-20.xml")
	reps = e.nightly()
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
	pending := e.count(`SELECT count(*) FROM changes WHERE status = 'pending'`)
	files := e.count(`SELECT count(*) FROM raw_files`)

	replay, err := e.r.Replay(ctx, date("2026-11-20"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "day2", replay.Changes)
	if n := e.count(`SELECT count(*) FROM changes WHERE status = 'pending'`); n != pending {
		t.Errorf("after the replay %d changes are pending, want the same %d", n, pending)
	}
	if n := e.count(`SELECT count(*) FROM (SELECT entity, natural_key FROM changes WHERE status = 'pending' GROUP BY ALL HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d records have more than one pending change", n)
	}
	if n := e.count(`SELECT count(*) FROM raw_files`); n != files {
		t.Errorf("the replay archived files: %d, want %d", n, files)
	}
	if len(e.nightly()) != 0 {
		t.Error("a nightly with no new export made a run")
	}
}
