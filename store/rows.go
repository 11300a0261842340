package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Record is one row of a stg_ or cur_ table by column name; NULL is nil.
type Record map[string]*string

// StagedRecord returns the last row a run staged for a record, or nil.
func (s *Store) StagedRecord(ctx context.Context, entity string, runID int64, key string) (Record, error) {
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE run_id = ? AND natural_key = ? ORDER BY seq DESC LIMIT 1`, StgTable(entity)), runID, key)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// CurrentRecord returns what MiniCRM is known to hold for a record, or nil.
func (s *Store) CurrentRecord(ctx context.Context, entity, key string) (Record, error) {
	rows, err := s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE natural_key = ?`, CurTable(entity)), key)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// StagedChildren returns the rows a run staged for an entity whose field
// equals value, the last one per natural key, in natural key order.
func (s *Store) StagedChildren(ctx context.Context, entity string, runID int64, field, value string) ([]Record, error) {
	return s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE run_id = ? AND %s = ?
		QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY seq DESC) = 1
		ORDER BY seq`, StgTable(entity), Ident(field)), runID, value)
}

// CurrentChildren returns the current rows of an entity whose field equals value.
func (s *Store) CurrentChildren(ctx context.Context, entity, field, value string) ([]Record, error) {
	return s.records(ctx, fmt.Sprintf(`SELECT * FROM %s WHERE %s = ? AND missing_since IS NULL ORDER BY natural_key`,
		CurTable(entity), Ident(field)), value)
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
