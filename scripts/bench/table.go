package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// rssTargetMB is the bound on the peak RSS of any minisync run.
const rssTargetMB = 300

// row is one line of the table; empty figures print as "–".
type row struct {
	Stage    string  `json:"stage"`
	Input    string  `json:"input"`
	Seconds  float64 `json:"seconds"`
	MBps     float64 `json:"mb_per_s"`
	RowsPS   float64 `json:"rows_per_s"`
	RSSMB    float64 `json:"peak_rss_mb"`
	Target   string  `json:"target"`
	Measured string  `json:"measured"`
	Met      string  `json:"met"`
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// tableRows turns the children's results into the table, with the targets.
func tableRows(results []result) []row {
	by := map[string]*result{}
	for i := range results {
		by[results[i].Name] = &results[i]
	}
	var rows []row
	base := func(stage string, r *result, sec float64, rowsN float64) row {
		w := row{Stage: stage, Input: r.Input, Seconds: sec, RSSMB: float64(r.RSSKiB) / 1024}
		if sec > 0 {
			if r.Bytes > 0 {
				w.MBps = mb(r.Bytes) / sec
			}
			w.RowsPS = rowsN / sec
		}
		return w
	}
	failed := func(stage string, r *result) bool {
		if r.Err == "" {
			return false
		}
		rows = append(rows, row{Stage: stage, Input: r.Input, RSSMB: float64(r.RSSKiB) / 1024, Measured: "FAILED: " + firstLine(r.Err), Met: "NO"})
		return true
	}

	scan := by["xml-scan"]
	if r := scan; r != nil && !failed("xml: encoding/xml Token scan (ref)", r) {
		w := base("xml: encoding/xml Token scan (ref)", r, r.Seconds, float64(r.Rows))
		w.Target, w.Measured = "reference", fmt.Sprintf("%.0f orders/s", w.RowsPS)
		rows = append(rows, w)
	}
	if r := by["xml-stage"]; r != nil && !failed("xml: normalize + stage", r) {
		n := r.Extra["nightly_seconds"]
		w := base("xml: nightly (archive copy + run)", r, n, float64(r.Rows))
		w.Target = "info"
		w.Measured = fmt.Sprintf("archive %.1f s, diff %.1f s, checkpoint %.1f s", r.Extra["archive_seconds"], r.Extra["diff_seconds"], r.Extra["checkpoint_seconds"])
		rows = append(rows, w)
		w = base("xml: normalize + stage", r, r.Seconds, float64(r.Rows))
		w.Target = "≥ 2× scan MB/s"
		if scan != nil && scan.Err == "" && scan.Seconds > 0 {
			ratio := w.MBps / (mb(scan.Bytes) / scan.Seconds)
			w.Measured, w.Met = fmt.Sprintf("%.2f× scan", ratio), yesNo(ratio >= 2)
		} else {
			w.Measured = "no scan to compare"
		}
		rows = append(rows, w)
	}
	ref := by["csv-duckdb"]
	if r := ref; r != nil && !failed("csv: DuckDB read_csv → table (ref)", r) {
		w := base("csv: DuckDB read_csv → table (ref)", r, r.Seconds, float64(r.Rows))
		w.Target, w.Measured = "ceiling", fmt.Sprintf("%d rows", r.Rows)
		rows = append(rows, w)
	}
	for _, c := range []struct{ name, stage string }{
		{"csv-stage", "csv: normalize + stage"},
		{"csv-stage-1250", "csv: normalize + stage"},
	} {
		r := by[c.name]
		if r == nil || failed(c.stage, r) {
			continue
		}
		w := base(c.stage, r, r.Seconds, float64(r.Rows))
		w.Target = "≤ 2× read_csv time"
		if ref != nil && ref.Err == "" && ref.Seconds > 0 {
			ratio := r.Seconds / ref.Seconds
			w.Measured, w.Met = fmt.Sprintf("%.2f× read_csv", ratio), yesNo(ratio <= 2)
		} else {
			w.Measured = "no read_csv to compare"
		}
		rows = append(rows, w)
	}
	if r := by["diff"]; r != nil && !failed("diff: 1 % changed", r) {
		w := base("diff: diff.Run, 1 % changed", r, r.Seconds, float64(r.Rows))
		w.Target = "< 1 s"
		w.Measured, w.Met = fmt.Sprintf("%.2f s, %.0f updates", r.Seconds, r.Extra["updates"]), yesNo(r.Seconds < 1 && len(r.Notes) == 0)
		rows = append(rows, w)
	}
	if r := by["load"]; r != nil && !failed("load", r) {
		x := r.Extra
		w := base("load night 1: creates", r, r.Seconds, float64(r.Rows))
		share := x["night1_r3_share"]
		w.Target = "≥ 95 % of the R3 limit"
		w.Measured, w.Met = fmt.Sprintf("%.1f %% (%.0f of %.0f/min)", share*100, share*x["rate_per_minute"], x["rate_per_minute"]), yesNo(share >= 0.95)
		rows = append(rows, w)

		w = base("load night 2: 10 % changed", r, x["night2_seconds"], x["night2_changes"])
		w.Input = fmt.Sprintf("%.0f changes", x["night2_changes"])
		w.Target = "≤ 1.1 calls/change"
		cpc := x["night2_calls_per_change"]
		w.Measured, w.Met = fmt.Sprintf("%.3f calls/change", cpc), yesNo(cpc <= 1.1)
		rows = append(rows, w)

		w = row{Stage: "load: 429s after the first", Input: "nights 1–3", RSSMB: float64(r.RSSKiB) / 1024, Target: "0"}
		w.Measured, w.Met = fmt.Sprintf("%.0f (of %.0f 429s)", x["http_429_after_the_first"], x["http_429"]), yesNo(x["http_429_after_the_first"] == 0)
		rows = append(rows, w)

		w = base("day 2 again, 0 changes: writes", r, x["night3_seconds"], 0)
		w.RowsPS = 0
		w.Input = fmt.Sprintf("unchanged re-export, %.0f changes", x["night3_changes"])
		w.Target = "0 writes"
		w.Measured, w.Met = fmt.Sprintf("%.0f writes (%.0f calls)", x["night3_writes"], x["night3_calls"]), yesNo(x["night3_writes"] == 0)
		rows = append(rows, w)
	}
	// The memory bound is on minisync's own runs, not on the references.
	var worst *result
	for _, name := range []string{"xml-stage", "csv-stage", "csv-stage-1250", "diff", "load"} {
		if r := by[name]; r != nil && r.RSSKiB > 0 && (worst == nil || r.RSSKiB > worst.RSSKiB) {
			worst = r
		}
	}
	if worst != nil {
		w := row{Stage: "peak RSS, any minisync run", Input: "all of the above", RSSMB: float64(worst.RSSKiB) / 1024,
			Target: fmt.Sprintf("< %d MB", rssTargetMB)}
		w.Measured = fmt.Sprintf("%.0f MB (%s)", w.RSSMB, worst.Name)
		w.Met = yesNo(w.RSSMB < rssTargetMB)
		rows = append(rows, w)
	}
	return rows
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80]) + "…"
	}
	return s
}

// printTable prints the rows aligned, numbers right-aligned.
func printTable(w io.Writer, rows []row) {
	head := []string{"stage", "input", "seconds", "MB/s", "rows/s", "peak RSS MB", "target", "measured", "met"}
	right := []bool{false, false, true, true, true, true, false, false, false}
	num := func(v float64, prec int) string {
		if v == 0 {
			return "–"
		}
		return fmt.Sprintf("%.*f", prec, v)
	}
	cells := [][]string{head}
	for _, r := range rows {
		met := r.Met
		if met == "" {
			met = "–"
		}
		cells = append(cells, []string{r.Stage, r.Input, num(r.Seconds, 2), num(r.MBps, 1), num(r.RowsPS, 0),
			num(r.RSSMB, 0), r.Target, r.Measured, met})
	}
	width := make([]int, len(head))
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	line := func(c []string) {
		var b strings.Builder
		for i, s := range c {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if i > 0 {
				b.WriteString(" | ")
			}
			if right[i] {
				b.WriteString(pad + s)
			} else if i == len(c)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + pad)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w)
	line(cells[0])
	var sep []string
	for _, n := range width {
		sep = append(sep, strings.Repeat("-", n))
	}
	fmt.Fprintln(w, strings.Join(sep, "-+-"))
	for _, c := range cells[1:] {
		line(c)
	}
}

// printNotes says what the figures are and lists every extra figure.
func printNotes(w io.Writer, results []result) {
	fmt.Fprint(w, `
MB = 2^20 bytes; MB/s is the input file's size over the seconds. rows/s: rows
staged per second for minisync's runs (every entity, e.g. company + person +
order + order items of a UNAS order), orders for the XML scan, table rows for
read_csv, staged keys for the diff, changes for the load. Peak RSS is each
measurement's own process (getrusage ru_maxrss of a child process); the
MiniCRM simulator runs in the parent, outside the load's figure.
- "normalize + stage" is the part of the nightly's run that reads the
  archived export, maps every record and appends the rows to the stg_
  tables, commit included (runner.Report.StageTime); the day-1 diff after it
  (every row a create) and the checkpoint that ends the run (DuckDB writing
  its log into the database file) are shown on the nightly row, which also
  times the archive copy + SHA-256 of the export and the whole nightly.
- csv: read_csv reads the UTF-8 variant (DuckDB has no windows-1250); both
  minisync rows are compared with that time. The windows-1250 file has
  Hungarian customers only (the generator's rule), so its counts differ.
- diff: day 1 baselined into cur_item, day 2 staged by a nightly, that run's
  changes cleared from the outbox and diff.Run timed alone on the run.
- load: client and simulator at --rate R3 requests/min; night 1 share =
  (R3 calls − 1) / minutes between the first and last R3 call / the limit;
  night 3 delivers the day-2 export again (one byte longer, so a new file)
  and counts the non-GET calls.
`)
	for _, r := range results {
		fmt.Fprintf(w, "\n%s: %s", r.Name, r.Input)
		if r.Err != "" {
			fmt.Fprintf(w, "\n  error: %s", r.Err)
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
			parts = append(parts, fmt.Sprintf("%s=%s", k, trimFloat(r.Extra[k])))
		}
		for i := 0; i < len(parts); i += 4 {
			fmt.Fprintf(w, "\n  %s", strings.Join(parts[i:min(i+4, len(parts))], "  "))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "\n  note: %s", n)
		}
	}
	fmt.Fprintln(w)
}

func trimFloat(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.3f", v)
}
