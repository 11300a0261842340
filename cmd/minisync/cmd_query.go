package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"

	"minisync/config"
	"minisync/store"
)

func init() {
	register(command{
		name: "query", args: `<integration> "SQL" [--format table|csv|json]`,
		summary: "run a read-only SQL query on an integration's staging DuckDB file",
		run:     runQuery,
	})
}

const queryHelp = `
Runs one SQL statement on the integration's staging DuckDB file, opened
read-only and without access to other files. Tables: runs, raw_files,
rejects, changes, stg_<entity>, cur_<entity>; views: last_night_changes,
failed_changes, run_summary, reject_summary (see the README).

Instead of <integration>, --db names a staging file directly.`

func runQuery(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["query"], queryHelp)
	format := fs.String("format", "table", "output: table, csv or json")
	dbPath := fs.String("db", "", "staging DuckDB file (instead of <integration>)")
	want := 2
	for _, a := range args {
		if a == "--db" || a == "-db" || strings.HasPrefix(a, "--db=") || strings.HasPrefix(a, "-db=") {
			want = 1
		}
	}
	pos, code := parse(env, fs, args, want)
	if code >= 0 {
		return code
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fail(env, exitUsage, fmt.Errorf("--format %q: must be table, csv or json", *format))
	}
	path := *dbPath
	if path == "" {
		in, err := config.Load(resolveIntegration(pos[0]))
		if err != nil {
			return fail(env, exitUsage, err)
		}
		path = in.Staging
	}
	if err := query(ctx, env.stdout, path, pos[len(pos)-1], *format); err != nil {
		return fail(env, exitFailed, err)
	}
	return exitOK
}

// query runs q on the staging file at path and writes the result.
func query(ctx context.Context, w io.Writer, path, q, format string) error {
	st, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.DB.ExecContext(ctx, "SET enable_external_access = false"); err != nil {
		return fmt.Errorf("locking down the query session: %w", err)
	}
	rows, err := st.DB.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, records, err := store.ScanAll(rows)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	switch format {
	case "json":
		out := make([]map[string]any, 0, len(records))
		for _, rec := range records {
			m := map[string]any{}
			for i, c := range cols {
				m[c] = jsonValue(rec[i])
			}
			out = append(out, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(cols)
		for _, rec := range records {
			line := make([]string, len(rec))
			for i, v := range rec {
				line[i] = text(v)
			}
			_ = cw.Write(line)
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for _, rec := range records {
		line := make([]string, len(rec))
		for i, v := range rec {
			line[i] = clip(strings.ReplaceAll(text(v), "\n", " "), 60)
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d row%s)\n", len(records), map[bool]string{true: "", false: "s"}[len(records) == 1])
	return nil
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case sql.NullString:
		return x.String
	case duckdb.Interval:
		d := time.Duration(x.Micros) * time.Microsecond
		if x.Days != 0 || x.Months != 0 {
			return fmt.Sprintf("%d months %d days %s", x.Months, x.Days, d)
		}
		return d.String()
	case fmt.Stringer:
		return x.String()
	}
	switch v.(type) {
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time, duckdb.Interval:
		return text(x)
	}
	return v
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
