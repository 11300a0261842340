package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Record is one row of a stg_ or cur_ table by column name; NULL is nil.
type Record map[string]*string

// RunKey names what a run staged: a record by its natural key, or the
// children of a record by the value of their parent field.
type RunKey struct {
	Run int64
	Key string
}

// StagedRecords returns, for each record asked for, the last row its run
// staged; records the run did not stage are absent.
func (s *Store) StagedRecords(ctx context.Context, entity string, want []RunKey) (map[RunKey]Record, error) {
	values, args := runKeyValues(want)
	out := map[RunKey]Record{}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT s.* FROM %s s
		JOIN (VALUES %s) AS want(run_id, natural_key) ON s.run_id = want.run_id AND s.natural_key = want.natural_key
		QUALIFY row_number() OVER (PARTITION BY s.run_id, s.natural_key ORDER BY s.seq DESC) = 1`, StgTable(entity), values), args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[RunKey{r.run(), r.Get("natural_key")}] = r
	}
	return out, nil
}

// CurrentRecords returns what MiniCRM is known to hold for each record
// asked for; records it does not hold are absent.
func (s *Store) CurrentRecords(ctx context.Context, entity string, keys []string) (map[string]Record, error) {
	out := map[string]Record{}
	list, args := stringList(keys)
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE natural_key IN (%s)`, CurTable(entity), list), args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Get("natural_key")] = r
	}
	return out, nil
}

// StagedChildren returns, for each (run, value) asked for, the rows the
// run staged for an entity whose field equals value: the last one per
// natural key, in the order they were staged. Absent when there are none.
func (s *Store) StagedChildren(ctx context.Context, entity, field string, want []RunKey) (map[RunKey][]Record, error) {
	values, args := runKeyValues(want)
	out := map[RunKey][]Record{}
	if len(args) == 0 {
		return out, nil
	}
	col := Ident(field)
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT s.* FROM %[1]s s
		JOIN (VALUES %[2]s) AS want(run_id, parent) ON s.run_id = want.run_id AND s.%[3]s = want.parent
		QUALIFY row_number() OVER (PARTITION BY s.run_id, s.%[3]s, s.natural_key ORDER BY s.seq DESC) = 1
		ORDER BY s.seq`, StgTable(entity), values, col), args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		k := RunKey{r.run(), r.Get(field)}
		out[k] = append(out[k], r)
	}
	return out, nil
}

// CurrentChildren returns, by value, the current rows of an entity whose
// field equals one of values, in natural key order, leaving out records
// missing from the source.
func (s *Store) CurrentChildren(ctx context.Context, entity, field string, values []string) (map[string][]Record, error) {
	out := map[string][]Record{}
	list, args := stringList(values)
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE %s IN (%s) AND missing_since IS NULL ORDER BY natural_key`,
		CurTable(entity), Ident(field), list), args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		v := r.Get(field)
		out[v] = append(out[v], r)
	}
	return out, nil
}

// runKeyValues builds a VALUES list of the distinct keys of want, with
// its arguments.
func runKeyValues(want []RunKey) (string, []any) {
	return distinctList(want, "(?::BIGINT, ?::VARCHAR)", func(k RunKey) []any { return []any{k.Run, k.Key} })
}

// stringList builds a list of placeholders for the distinct strings of
// keys, with its arguments.
func stringList(keys []string) (string, []any) {
	return distinctList(keys, "?", func(k string) []any { return []any{k} })
}

// distinctList joins one placeholder group per distinct item, with the
// arguments of each.
func distinctList[T comparable](items []T, group string, argsOf func(T) []any) (string, []any) {
	seen := map[T]bool{}
	var groups []string
	var args []any
	for _, it := range items {
		if seen[it] {
			continue
		}
		seen[it] = true
		groups = append(groups, group)
		args = append(args, argsOf(it)...)
	}
	return strings.Join(groups, ", "), args
}

// run returns the run_id of a staged row.
func (r Record) run() int64 {
	n, _ := strconv.ParseInt(r.Get("run_id"), 10, 64)
	return n
}

func (s *Store) records(ctx context.Context, q string, args ...any) ([]Record, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading staged rows: %w", err)
	}
	defer rows.Close()
	cols, all, err := ScanAll(rows)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, vals := range all {
		r := Record{}
		for i, c := range cols {
			if vals[i] == nil {
				r[c] = nil
				continue
			}
			v := fmt.Sprint(vals[i])
			r[c] = &v
		}
		out = append(out, r)
	}
	return out, nil
}

// ScanAll reads the remaining rows of rows as values by column (NULL is
// nil), with the column names.
func ScanAll(rows *sql.Rows) (cols []string, all [][]any, err error) {
	if cols, err = rows.Columns(); err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		all = append(all, vals)
	}
	return cols, all, rows.Err()
}

// Get returns a field's value, "" for NULL or absent.
func (r Record) Get(field string) string {
	if v := r[field]; v != nil {
		return *v
	}
	return ""
}
