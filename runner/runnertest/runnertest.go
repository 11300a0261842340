// Package runnertest builds a runner over a local export folder in a
// temporary directory, optionally sending to an in-process MiniCRM
// simulator, for the tests of the runner and the stages.
package runnertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minisync/config"
	"minisync/fixtures"
	"minisync/fixtures/gen"
	"minisync/formats/unasxml"
	"minisync/mappings"
	"minisync/minicrm"
	"minisync/minicrm/sim"
	"minisync/runner"
	"minisync/sources/local"
	"minisync/stages/load"
	"minisync/store"
)

// StatusMap is the test shop's status map.
const StatusMap = `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`

// Options shape the test integration.
type Options struct {
	Snapshot  string            // incremental (default) or full
	Params    map[string]string // overrides of the mapping parameters
	SimRate   int               // the simulator's R3 limit per minute; 0 = no simulator
	Faults    sim.Faults
	APIKey    string // the key the client sends; default the simulator's
	FeedBatch int
	// External leaves the staging store closed, for a test that runs the
	// minisync binary on the integration; Open it afterwards.
	External bool
}

// Env is a test integration.
type Env struct {
	T       testing.TB
	Dir     string
	Exports string
	Path    string // the integration file
	R       *runner.Runner
	Sim     *sim.Server
	SimURL  string
	apiKey  string
}

// New builds the integration and opens its store (closed at cleanup).
func New(t testing.TB, o Options) *Env {
	t.Helper()
	dir := t.TempDir()
	e := &Env{T: t, Dir: dir, Exports: filepath.Join(dir, "exports"), Path: filepath.Join(dir, "shop.yaml")}
	if err := os.MkdirAll(e.Exports, 0o755); err != nil {
		t.Fatal(err)
	}
	if o.Snapshot == "" {
		o.Snapshot = "incremental"
	}
	params := map[string]string{"owner": "Kovács Anna", "orders_module": "Rendelések", "status_map": StatusMap}
	for k, v := range o.Params {
		params[k] = v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: shop\nsource:\n  type: local\n  dir: exports\n  glob: \"orders-*.xml\"\n  date_pattern: 'orders-(\\d{4}-\\d{2}-\\d{2})'\n  snapshot: %s\n", o.Snapshot)
	b.WriteString("mapping: unas-orders\nsync_start: \"2026-11-01\"\nparams:\n")
	for k, v := range params {
		fmt.Fprintf(&b, "  %s: '%s'\n", k, v)
	}
	if o.SimRate > 0 {
		e.startSim(o)
		if o.APIKey == "" {
			o.APIKey = e.apiKey
		}
		t.Setenv("RUNNERTEST_MINICRM_KEY", o.APIKey)
		batch := o.FeedBatch
		if batch == 0 {
			batch = 200
		}
		fmt.Fprintf(&b, "minicrm:\n  url: %s\n  system_id: \"777\"\n  api_key_env: RUNNERTEST_MINICRM_KEY\n  r3_per_minute: %d\n  feed_per_hour: 100000\n  feed_batch: %d\n  timeout: 5s\n",
			e.SimURL, o.SimRate, batch)
	}
	if err := os.WriteFile(e.Path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if !o.External {
		e.R = Open(t, e.Path)
	}
	return e
}

func (e *Env) startSim(o Options) {
	e.apiKey = "test-key-0123456789abcdef0123456"
	s, err := sim.New(sim.Config{SystemID: "777", APIKey: e.apiKey, R3PerMinute: o.SimRate, FeedPerHour: 100000, Faults: o.Faults})
	if err != nil {
		e.T.Fatal(err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		e.T.Fatal(err)
	}
	e.Sim, e.SimURL = s, url
	e.T.Cleanup(func() { s.Close() })
}

// Open loads an integration file into a runner with a local source.
func Open(t testing.TB, path string) *runner.Runner {
	t.Helper()
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
	st, err := store.Open(context.Background(), in.Staging)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src, err := local.New(local.Config{Dir: in.Source.Dir, Glob: in.Source.Glob})
	if err != nil {
		t.Fatal(err)
	}
	return &runner.Runner{In: in, Store: st, Format: unasxml.New(), Mapper: m, Source: src}
}

// Deliver puts a fixture into the export folder under name.
func (e *Env) Deliver(fixture, name string) {
	e.T.Helper()
	b, err := fixtures.UNAS.ReadFile("unas/" + fixture)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.Exports, name), b, 0o644); err != nil {
		e.T.Fatal(err)
	}
}

// Nightly plans the new exports and fails the test on an error.
func (e *Env) Nightly() []*runner.Report {
	e.T.Helper()
	_, reps, err := e.R.Nightly(context.Background())
	if err != nil {
		e.T.Fatalf("nightly: %v", err)
	}
	return reps
}

// Run plans and sends; the error is returned for the test to judge.
func (e *Env) Run() (*runner.LoadReport, error) {
	e.T.Helper()
	if err := e.R.In.ResolveMiniCRMKey(); err != nil {
		e.T.Fatal(err)
	}
	_, _, lr, err := e.R.Run(context.Background(), e.NewClient)
	return lr, err
}

// NewClient builds the run's MiniCRM client from the integration.
func (e *Env) NewClient(calls *load.CallLog) (*minicrm.Client, error) {
	m := e.R.In.MiniCRM
	return minicrm.New(minicrm.Config{
		BaseURL: m.URL, SystemID: m.SystemID, APIKey: m.APIKey, R3PerMinute: m.R3PerMinute,
		FeedPerHour: m.FeedPerHour, Timeout: time.Duration(m.Timeout), MaxRetries: 8, RetryBase: 20 * time.Millisecond,
		OnCall: calls.Record,
	})
}

// Count runs a COUNT query on the staging store.
func (e *Env) Count(q string, args ...any) int64 {
	e.T.Helper()
	var n int64
	if err := e.R.Store.DB.QueryRow(q, args...).Scan(&n); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// Date parses YYYY-MM-DD.
func Date(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// DeliverGenerated writes a generated UNAS export into the export folder.
func (e *Env) DeliverGenerated(name string, o gen.UNASOptions) gen.Stats {
	e.T.Helper()
	f, err := os.Create(filepath.Join(e.Exports, name))
	if err != nil {
		e.T.Fatal(err)
	}
	defer f.Close()
	st, err := gen.WriteUNAS(f, o)
	if err != nil {
		e.T.Fatal(err)
	}
	return st
}
