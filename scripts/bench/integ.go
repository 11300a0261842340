package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"minisync/config"
	"minisync/formats/delimited"
	"minisync/formats/unasxml"
	"minisync/mappings"
	"minisync/minicrm"
	"minisync/pipeline"
	"minisync/runner"
	"minisync/sources/local"
	"minisync/stages/load"
	"minisync/store"
)

// integ is one integration over a local export folder in a fresh work
// folder under --dir/work, built as cmd/minisync builds it.
type integ struct {
	dir, exports string
	r            *runner.Runner
}

// statusMap maps every status the UNAS generator writes.
const statusMap = `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`

// unasYAML is the integration body of a UNAS shop (unas-orders mapping).
const unasYAML = `source:
  type: local
  dir: exports
  glob: "orders-*.xml"
  date_pattern: 'orders-(\d{4}-\d{2}-\d{2})'
mapping: unas-orders
sync_start: "2026-11-01"
params:
  owner: 'Kovács Anna'
  orders_module: 'Rendelések'
  status_map: '` + statusMap + `'
`

// erpYAML is the integration body of the ERP invoice-lines export
// (erp-invoices mapping) in the given encoding.
func erpYAML(encoding string) string {
	return `source: {type: local, dir: exports, glob: "invoices-*.csv", date_pattern: 'invoices-(\d{4}-\d{2}-\d{2})'}
format: {type: csv, delimiter: ";", encoding: ` + encoding + `, group_by: Számlaszám}
mapping: erp-invoices
params:
  owner: Kovács Anna
`
}

// newInteg writes <name>.yaml (name: + body) into a fresh work folder and
// opens the integration: config, mapping, staging store, local source.
func newInteg(o opts, name, body string) (*integ, error) {
	dir := filepath.Join(o.Dir, "work", name)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	e := &integ{dir: dir, exports: filepath.Join(dir, "exports")}
	if err := os.MkdirAll(e.exports, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte("name: "+name+"\n"+body), 0o644); err != nil {
		return nil, err
	}
	in, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	spec, err := mappings.Load(in.Mapping)
	if err != nil {
		return nil, err
	}
	m, err := mappings.Compile(spec, in.Params, in.SyncStart)
	if err != nil {
		return nil, err
	}
	var f pipeline.Format
	typ := in.Format.Type
	if typ == "" {
		typ = spec.Format
	}
	switch typ {
	case "unas-xml":
		f = unasxml.New()
	case "csv":
		fs := in.Format
		f, err = delimited.New(delimited.Options{
			Delimiter: fs.Delimiter, Quote: fs.Quote, Header: true, Encoding: fs.Encoding, FallbackEncoding: fs.FallbackEncoding,
			GroupBy: fs.GroupBy, Ragged: fs.Ragged, TrimSpace: fs.TrimSpace,
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("format %q is not wired in the bench", typ)
	}
	st, err := store.Open(context.Background(), in.Staging)
	if err != nil {
		return nil, err
	}
	src, err := local.New(local.Config{Dir: in.Source.Dir, Glob: in.Source.Glob})
	if err != nil {
		st.Close()
		return nil, err
	}
	e.r = &runner.Runner{In: in, Store: st, Format: f, Mapper: m, Source: src}
	return e, nil
}

func (e *integ) Close() { e.r.Store.Close() }

// link puts file into the export folder under name, as a symlink (the
// local source follows it; the archive gets a real copy).
func (e *integ) link(file, name string) error {
	return os.Symlink(file, filepath.Join(e.exports, name))
}

// newClient is the run's MiniCRM client, configured from the integration
// as runnertest.NewClient configures it.
func (e *integ) newClient(calls *load.CallLog) (*minicrm.Client, error) {
	m := e.r.In.MiniCRM
	return minicrm.New(minicrm.Config{
		BaseURL: m.URL, SystemID: m.SystemID, APIKey: m.APIKey, R3PerMinute: m.R3PerMinute,
		FeedPerHour: m.FeedPerHour, Timeout: time.Duration(m.Timeout), MaxRetries: 8, RetryBase: 20 * time.Millisecond,
		OnCall: calls.Record,
	})
}

// runSeconds is finished_at − started_at of a run: from BeginRun (after
// the export is archived) through normalize, stage and diff.
func (e *integ) runSeconds(runID int64) (float64, error) {
	var start, end time.Time
	err := e.r.Store.DB.QueryRow(`SELECT started_at, finished_at FROM runs WHERE run_id = ?`, runID).Scan(&start, &end)
	return end.Sub(start).Seconds(), err
}

func (e *integ) count(q string, args ...any) (int64, error) {
	var n int64
	err := e.r.Store.DB.QueryRow(q, args...).Scan(&n)
	if err != nil {
		err = fmt.Errorf("%s: %w", q, err)
	}
	return n, err
}

// phases times a nightly through its progress reports: the archive copy
// ends with the Done after the byte counts, the normalize loop with the
// Done after the record counts (onDone is then called).
type phases struct {
	unit                string
	extractDone         time.Time
	normDone            time.Time
	extractCPU, normCPU time.Duration // the process's CPU time then
	onDone              func()
}

func (p *phases) Update(_ string, _ int64, unit string) { p.unit = unit }

func (p *phases) Done() {
	switch p.unit {
	case "B":
		p.extractDone, p.extractCPU = time.Now(), cpuTime()
	case "records":
		p.normDone, p.normCPU = time.Now(), cpuTime()
		if p.onDone != nil {
			p.onDone()
		}
	}
	p.unit = ""
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// checkReports fails on a failed run.
func checkReports(reps []*runner.Report, err error) (*runner.Report, error) {
	if err != nil {
		return nil, err
	}
	if len(reps) != 1 {
		return nil, fmt.Errorf("%d runs planned, want 1", len(reps))
	}
	if reps[0].Failed() {
		return reps[0], fmt.Errorf("run failed: %s", reps[0].Run.Error.String)
	}
	return reps[0], nil
}
