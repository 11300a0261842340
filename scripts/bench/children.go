package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"minisync/fixtures/gen"
	"minisync/runner"
	"minisync/stages/diff"
)

// children are the measurements, each run in its own process.
var children = map[string]func(opts) (result, error){
	"xml-scan":       xmlScan,
	"xml-stage":      xmlStage,
	"csv-duckdb":     csvDuckDB,
	"csv-stage":      func(o opts) (result, error) { return csvStage(o, "utf-8") },
	"csv-stage-1250": func(o opts) (result, error) { return csvStage(o, "windows-1250") },
	"diff":           diffBench,
	"load":           loadBench,
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// xmlScan is the reference: a bare encoding/xml Decoder.Token() loop over
// the file, counting elements and <Order> elements.
func xmlScan(o opts) (result, error) {
	path, orders, err := xmlPath(o)
	if err != nil {
		return result{}, err
	}
	size, err := fileSize(path)
	if err != nil {
		return result{}, err
	}
	r := result{Input: fmt.Sprintf("UNAS XML %.0f MB, %d orders", mb(size), orders), Bytes: size}
	f, err := os.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	t0 := time.Now()
	dec := xml.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	var elements, orderEls int64
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			elements++
			if se.Name.Local == "Order" {
				orderEls++
			}
		}
	}
	r.Seconds = time.Since(t0).Seconds()
	r.Rows = orderEls
	r.Extra = map[string]float64{"elements": float64(elements), "orders": float64(orderEls)}
	return r, nil
}

// xmlStage is a nightly of the unas-orders integration over the export:
// archive (copy + SHA-256), normalize, stage and diff (every row a create).
func xmlStage(o opts) (result, error) {
	path, orders, err := xmlPath(o)
	if err != nil {
		return result{}, err
	}
	size, err := fileSize(path)
	if err != nil {
		return result{}, err
	}
	r := result{Input: fmt.Sprintf("UNAS XML %.0f MB, %d orders", mb(size), orders), Bytes: size}
	e, err := newInteg(o, "xml-stage", unasYAML)
	if err != nil {
		return r, err
	}
	defer e.Close()
	if err := e.link(path, "orders-2026-11-19.xml"); err != nil {
		return r, err
	}
	return stageNightly(e, r, o.MemTrace)
}

// stageNightly times one Nightly and splits it: the archive copy, the
// normalize + stage part of the run (records read, mapped and staged, the
// stage's commit included: the measured figure), the diff, and the whole
// run (runs.finished_at − started_at).
func stageNightly(e *integ, r result, memTrace bool) (result, error) {
	ph := &phases{}
	e.r.Progress = ph
	mem := startMemSampler(e.r.Store.DB, memTrace)
	ph.onDone = func() { mem.Phase("commit+diff") }
	t0 := time.Now()
	rep, err := checkReports(stagedNightly(e))
	total := time.Since(t0).Seconds()
	if err != nil {
		return r, err
	}
	runSec, err := e.runSeconds(rep.Run.ID)
	if err != nil {
		return r, err
	}
	r.Seconds = rep.StageTime.Seconds()
	r.Rows = rep.Run.Rows
	r.Extra = map[string]float64{
		"nightly_seconds": total,
		"archive_seconds": ph.extractDone.Sub(t0).Seconds(),
		// from the end of the archive copy to the end of the normalize
		// loop: reading, mapping and appending (run setup included)
		"read_map_append_seconds": ph.normDone.Sub(ph.extractDone).Seconds(),
		// CPU time over wall time of that part: how many cores it kept busy
		"read_map_append_cores": (ph.normCPU - ph.extractCPU).Seconds() / ph.normDone.Sub(ph.extractDone).Seconds(),
		"run_seconds":           runSec,
		"diff_seconds":          rep.DiffTime.Seconds(),
		"checkpoint_seconds":    rep.CheckpointTime.Seconds(),
		"records":               float64(rep.Run.Records),
		"rows_staged":           float64(rep.Run.Rows),
		"rejects":               float64(rep.Run.Rejects),
		"skipped":               float64(rep.Run.Skipped),
		"creates":               float64(rep.Run.Creates),
	}
	mem.Stop(r.Extra)
	return r, nil
}

func stagedNightly(e *integ) ([]*runner.Report, error) {
	_, reps, err := e.r.Nightly(context.Background())
	return reps, err
}

// csvDuckDB is the reference: DuckDB's own read_csv of the UTF-8 file into
// a table of a file database (the staging store is a file too).
func csvDuckDB(o opts) (result, error) {
	path := inputPaths(o).CSVUTF8
	size, err := fileSize(path)
	if err != nil {
		return result{}, err
	}
	r := result{Input: fmt.Sprintf("ERP CSV %.0f MB, %d rows, utf-8", mb(size), o.CSVRows), Bytes: size}
	dir := filepath.Join(o.Dir, "work", "csv-duckdb")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "read_csv.duckdb"))
	if err != nil {
		return r, err
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		return r, err
	}
	q := fmt.Sprintf(`CREATE TABLE t AS SELECT * FROM read_csv('%s', delim = ';', quote = '"', header = true, encoding = 'utf-8')`,
		strings.ReplaceAll(path, "'", "''"))
	t0 := time.Now()
	if _, err := db.Exec(q); err != nil {
		return r, err
	}
	r.Seconds = time.Since(t0).Seconds()
	// Timed apart, as minisync's checkpoint at the end of a run is.
	t1 := time.Now()
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		return r, err
	}
	checkpoint := time.Since(t1).Seconds()
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&r.Rows); err != nil {
		return r, err
	}
	var threads int64
	db.QueryRow(`SELECT current_setting('threads')`).Scan(&threads)
	r.Extra = map[string]float64{"duckdb_threads": float64(threads), "checkpoint_seconds": checkpoint}
	return r, nil
}

// csvStage is a nightly of the erp-invoices integration (csv, ";",
// group_by Számlaszám) over the CSV in the given encoding.
func csvStage(o opts, encoding string) (result, error) {
	in := inputPaths(o)
	path := in.CSVUTF8
	if encoding == "windows-1250" {
		path = in.CSV1250
	}
	size, err := fileSize(path)
	if err != nil {
		return result{}, err
	}
	r := result{Input: fmt.Sprintf("ERP CSV %.0f MB, %d rows, %s", mb(size), o.CSVRows, encoding), Bytes: size}
	e, err := newInteg(o, "csv-stage-"+strings.ReplaceAll(encoding, "-", ""), erpYAML(encoding))
	if err != nil {
		return r, err
	}
	defer e.Close()
	if err := e.link(path, "invoices-2026-11-19.csv"); err != nil {
		return r, err
	}
	r, err = stageNightly(e, r, o.MemTrace)
	r.Extra["csv_rows"] = float64(o.CSVRows)
	return r, err
}

// itemsMapping is the diff measurement's mapping: one entity keyed by id.
const itemsMapping = `name: bench-items
description: Synthetic items keyed by id, for the diff benchmark.
format: csv
entities:
  - name: item
    key: [id]
    key_prefix: "item:"
    fields:
      - {name: id, path: id, transforms: [trim], required: true}
      - {name: name, path: name, transforms: [collapse_space]}
      - {name: sku, path: sku, transforms: [trim]}
      - {name: price, path: price, transforms: [trim]}
      - {name: status, path: status, transforms: [trim]}
`

// diffBench baselines day 1 of the items (every key in cur_item), stages
// day 2 (1 % changed) with a nightly, then clears that run's changes from
// the outbox and times diff.Run over the run alone.
func diffBench(o opts) (result, error) {
	in := inputPaths(o)
	r := result{Input: fmt.Sprintf("%d staged keys vs %d known, 1 %% changed", o.DiffKeys, o.DiffKeys)}
	mapping := filepath.Join(o.Dir, "work", "diff-items.yaml")
	os.MkdirAll(filepath.Dir(mapping), 0o755)
	if err := os.WriteFile(mapping, []byte(itemsMapping), 0o644); err != nil {
		return r, err
	}
	e, err := newInteg(o, "diff", `source: {type: local, dir: exports, glob: "items-*.csv", date_pattern: 'items-(\d{4}-\d{2}-\d{2})'}
format: {type: csv, delimiter: ";"}
mapping: `+mapping+`
`)
	if err != nil {
		return r, err
	}
	defer e.Close()
	ctx := context.Background()
	if err := e.link(in.ItemsDay1, "items-2026-11-19.csv"); err != nil {
		return r, err
	}
	t0 := time.Now()
	rep1, err := e.r.Baseline(ctx, time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC))
	if err == nil && rep1.Failed() {
		err = fmt.Errorf("baseline failed: %s", rep1.Run.Error.String)
	}
	if err != nil {
		return r, err
	}
	baseline := time.Since(t0).Seconds()
	if err := e.link(in.ItemsDay2, "items-2026-11-20.csv"); err != nil {
		return r, err
	}
	t0 = time.Now()
	rep2, err := checkReports(stagedNightly(e))
	if err != nil {
		return r, err
	}
	nightly := time.Since(t0).Seconds()
	runID := rep2.Run.ID
	cleared, err := e.r.Store.DB.Exec(`DELETE FROM changes WHERE run_id = ?`, runID)
	if err != nil {
		return r, err
	}
	nCleared, _ := cleared.RowsAffected()
	t0 = time.Now()
	c, err := diff.Run(ctx, e.r.Store, runID, e.r.Mapper.Entities(), diff.Options{})
	if err != nil {
		return r, err
	}
	r.Seconds = time.Since(t0).Seconds()
	r.Rows = c.Creates + c.Updates + c.Unchanged
	want := int64(o.DiffKeys / changedEvery)
	if c.Updates != want || c.Creates != 0 || rep2.Run.Updates != want {
		r.Notes = append(r.Notes, fmt.Sprintf("diff found %d updates and %d creates (nightly %d updates), want %d updates", c.Updates, c.Creates, rep2.Run.Updates, want))
	}
	r.Extra = map[string]float64{
		"baseline_day1_seconds": baseline,
		"nightly_day2_seconds":  nightly,
		"updates":               float64(c.Updates),
		"unchanged":             float64(c.Unchanged),
		"creates":               float64(c.Creates),
		"outbox_cleared":        float64(nCleared),
	}
	return r, nil
}

// loadBench sends to the simulator (started by the parent) with the R3
// limit and the client both at --rate a minute: night 1 creates about
// --load-changes changes from generated UNAS orders, night 2 changes the
// status of 10 % of the orders, night 3 delivers the day-2 export again
// with different bytes (an unchanged re-export) and must send no write.
func loadBench(o opts) (result, error) {
	ctx := context.Background()
	rate := o.Rate
	r := result{}
	if o.SimURL == "" {
		return r, errors.New("no simulator (--sim-url)")
	}
	// Changes per order: a plan of 1 000 orders without sending.
	cal, err := newInteg(o, "load-calibrate", unasYAML)
	if err != nil {
		return r, err
	}
	const sample = 1000
	if err := writeUNASFile(filepath.Join(cal.exports, "orders-2026-11-19.xml"), gen.UNASOptions{Orders: sample, Seed: 2, Day: 1}); err != nil {
		cal.Close()
		return r, err
	}
	crep, err := checkReports(stagedNightly(cal))
	cal.Close()
	if err != nil {
		return r, err
	}
	perOrder := float64(crep.Run.Creates) / sample
	orders := int(math.Ceil(float64(o.LoadChanges) / perOrder))

	e, err := newInteg(o, "load", unasYAML+fmt.Sprintf(`minicrm:
  url: %s
  system_id: "777"
  api_key_env: %s
  r3_per_minute: %d
  feed_per_hour: 100000
  feed_batch: 200
  timeout: 5s
`, o.SimURL, simKeyEnv, rate))
	if err != nil {
		return r, err
	}
	defer e.Close()
	if err := e.r.In.ResolveMiniCRMKey(); err != nil {
		return r, err
	}
	night := func(file string, uo gen.UNASOptions, extra string) (*runner.LoadReport, *runner.Report, float64, error) {
		if err := writeUNASFile(filepath.Join(e.exports, file), uo, extra); err != nil {
			return nil, nil, 0, err
		}
		t0 := time.Now()
		_, reps, lr, err := e.r.Run(ctx, e.newClient)
		sec := time.Since(t0).Seconds()
		if err != nil {
			return lr, nil, sec, err
		}
		if len(reps) != 1 {
			return lr, nil, sec, fmt.Errorf("%s: %d runs planned, want 1", file, len(reps))
		}
		if lr != nil && (lr.Pending != 0 || lr.Failed != 0) {
			return lr, reps[0], sec, fmt.Errorf("%s: %d changes failed, %d pending", file, lr.Failed, lr.Pending)
		}
		return lr, reps[0], sec, nil
	}

	uo := gen.UNASOptions{Orders: orders, Seed: 1, Day: 1}
	lr1, rep1, sec1, err := night("orders-2026-11-19.xml", uo, "")
	if err != nil {
		return r, fmt.Errorf("night 1: %w", err)
	}
	var first, last time.Time
	var r3 int64
	if err := e.r.Store.DB.QueryRow(`SELECT min(called_at), max(called_at), count(*) FROM api_calls WHERE run_id = ? AND path LIKE '/Api/R3/%'`, lr1.RunID).
		Scan(&first, &last, &r3); err != nil {
		return r, err
	}
	share := 0.0
	if span := last.Sub(first).Minutes(); span > 0 {
		share = float64(r3-1) / span / float64(rate)
	}
	var lfirst, llast time.Time
	if err := e.r.Store.DB.QueryRow(`SELECT min(called_at), max(called_at) FROM api_calls WHERE run_id = ?`, lr1.RunID).Scan(&lfirst, &llast); err != nil {
		return r, err
	}
	changes1 := lr1.Sent + lr1.Noop

	uo.Day, uo.ChangedFraction = 2, 0.10
	lr2, _, sec2, err := night("orders-2026-11-20.xml", uo, "")
	if err != nil {
		return r, fmt.Errorf("night 2: %w", err)
	}
	changes2 := lr2.Sent + lr2.Noop
	pushes, err := e.count(`SELECT count(*) FROM api_calls WHERE run_id = ? AND path LIKE '/Api/SyncFeed/%' AND status = 200`, lr2.RunID)
	if err != nil {
		return r, err
	}
	cards, err := e.count(`SELECT count(*) FROM changes WHERE last_run_id = ? AND entity = 'order' AND status = 'sent'`, lr2.RunID)
	if err != nil {
		return r, err
	}

	// Night 3: the day-2 export again, one byte longer (so that it is a
	// new file, not a known one): every record unchanged.
	lr3, rep3, sec3, err := night("orders-2026-11-21.xml", uo, "\n")
	if err != nil {
		return r, fmt.Errorf("night 3 (unchanged re-export): %w", err)
	}
	var writes3, calls3 int64
	if lr3 != nil {
		if writes3, err = e.count(`SELECT count(*) FROM api_calls WHERE run_id = ? AND method <> 'GET'`, lr3.RunID); err != nil {
			return r, err
		}
		calls3 = lr3.Calls
	}
	tooMany, err := e.count(`SELECT count(*) FROM api_calls WHERE status = 429`)
	if err != nil {
		return r, err
	}

	r.Input = fmt.Sprintf("%d UNAS orders → %d changes", orders, changes1)
	r.Seconds = sec1
	r.Rows = changes1
	r.Extra = map[string]float64{
		"orders":                   float64(orders),
		"changes_per_order":        perOrder,
		"night1_changes":           float64(changes1),
		"night1_calls":             float64(lr1.Calls),
		"night1_rows_staged":       float64(rep1.Run.Rows),
		"night1_send_seconds":      llast.Sub(lfirst).Seconds(),
		"night1_r3_calls":          float64(r3),
		"night1_r3_share":          share,
		"night2_seconds":           sec2,
		"night2_changes":           float64(changes2),
		"night2_calls":             float64(lr2.Calls),
		"night2_calls_per_change":  float64(lr2.Calls) / float64(max(changes2, 1)),
		"night2_feed_pushes":       float64(pushes),
		"night2_cards_per_push":    float64(cards) / float64(max(pushes, 1)),
		"night3_seconds":           sec3,
		"night3_changes":           float64(rep3.Run.Creates + rep3.Run.Updates),
		"night3_calls":             float64(calls3),
		"night3_writes":            float64(writes3),
		"http_429":                 float64(tooMany),
		"http_429_after_the_first": float64(max(tooMany-1, 0)),
		"rate_per_minute":          float64(rate),
	}
	return r, nil
}

// writeUNASFile writes a generated UNAS export, then extra (to make a
// byte-different copy of the same records).
func writeUNASFile(path string, uo gen.UNASOptions, extra ...string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = gen.WriteUNAS(f, uo)
	for _, s := range extra {
		if err == nil {
			_, err = f.WriteString(s)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
