package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"minisync/pipeline"
)

// ChangeNoop marks a change that needed no call: no MiniCRM field changed,
// or a record missing from a full export (minisync never deletes).
const ChangeNoop = "noop"

// Pending is a pending change with what the load stage needs.
type Pending struct {
	ID        int64
	LastRunID int64
	Entity    string
	Key       string
	Op        string
	Attempts  int
	Payload   map[string]*string
	Changed   []string // fields of an update's diff
}

// PendingChanges returns an entity's pending changes, oldest first.
func (s *Store) PendingChanges(ctx context.Context, entity string) ([]Pending, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT change_id, last_run_id, entity, natural_key, op, attempts,
		CAST(payload AS VARCHAR), CAST(diff AS VARCHAR)
		FROM changes WHERE status = 'pending' AND entity = ? ORDER BY change_id`, entity)
	if err != nil {
		return nil, fmt.Errorf("reading pending changes of %s: %w", entity, err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var p Pending
		var payload string
		var diff sql.NullString
		if err := rows.Scan(&p.ID, &p.LastRunID, &p.Entity, &p.Key, &p.Op, &p.Attempts, &payload, &diff); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(payload), &p.Payload); err != nil {
			return nil, fmt.Errorf("decoding payload of change %d: %w", p.ID, err)
		}
		if diff.Valid {
			var fd []FieldDiff
			if err := json.Unmarshal([]byte(diff.String), &fd); err != nil {
				return nil, fmt.Errorf("decoding diff of change %d: %w", p.ID, err)
			}
			for _, d := range fd {
				p.Changed = append(p.Changed, d.Field)
			}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPending counts the pending changes of the integration.
func (s *Store) CountPending(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM changes WHERE status = 'pending'`).Scan(&n)
	return n, err
}

// Defer leaves a change pending with the reason it was not sent this time.
func (s *Store) Defer(ctx context.Context, changeID int64, reason string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE changes SET last_error = ?, attempts = attempts + 1, updated_at = now() WHERE change_id = ?`, reason, changeID)
	if err != nil {
		return fmt.Errorf("updating change %d: %w", changeID, err)
	}
	return nil
}

// Fail marks a change failed with the server's or minisync's message.
func (s *Store) Fail(ctx context.Context, changeID int64, msg string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE changes SET status = 'failed', last_error = ?, attempts = attempts + 1, updated_at = now() WHERE change_id = ?`, msg, changeID)
	if err != nil {
		return fmt.Errorf("marking change %d failed: %w", changeID, err)
	}
	return nil
}

// advanceSQL builds the statements that move cur_<entity> to the pending
// changes selected by where ($1 is its parameter).
func advanceSQL(e pipeline.Entity, where string) []string {
	cols := []string{"natural_key", "row_hash", "run_id", "updated_at", "missing_since"}
	vals := []string{"natural_key", "row_hash", "last_run_id", "now()", "NULL"}
	for _, f := range e.Fields {
		cols = append(cols, Ident(f))
		vals = append(vals, fmt.Sprintf("payload->>%s", Lit(f)))
	}
	sel := fmt.Sprintf("status = 'pending' AND entity = %s AND (%s)", Lit(e.Name), where)
	return []string{
		fmt.Sprintf(`INSERT OR REPLACE INTO %s (%s) SELECT %s FROM changes WHERE %s AND op IN ('create', 'update')`,
			CurTable(e.Name), strings.Join(cols, ", "), strings.Join(vals, ", "), sel),
		fmt.Sprintf(`UPDATE %s SET missing_since = now()
			WHERE natural_key IN (SELECT natural_key FROM changes WHERE %s AND op = 'missing')`, CurTable(e.Name), sel),
	}
}

// Call is one HTTP attempt for the api_calls table.
type Call struct {
	At       time.Time
	Method   string
	Path     string
	Status   int
	Latency  time.Duration
	Attempt  int
	ChangeID int64
	Note     string
	Err      string
}

// RecordCalls appends rows to api_calls in one transaction.
func (s *Store) RecordCalls(ctx context.Context, runID int64, calls []Call) error {
	if len(calls) == 0 {
		return nil
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO api_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("recording api calls: %w", err)
	}
	defer stmt.Close()
	for _, c := range calls {
		var change, status, errText, note any
		if c.ChangeID > 0 {
			change = c.ChangeID
		}
		if c.Status > 0 {
			status = c.Status
		}
		if c.Err != "" {
			errText = c.Err
		}
		if c.Note != "" {
			note = c.Note
		}
		if _, err := stmt.ExecContext(ctx, runID, c.At, c.Method, c.Path, status, float64(c.Latency.Microseconds())/1000, c.Attempt, change, note, errText); err != nil {
			return fmt.Errorf("recording api call: %w", err)
		}
	}
	return tx.Commit()
}

// Landing is one change MiniCRM confirmed (or that needed no call), for
// LandBatch.
type Landing struct {
	ChangeID int64
	CRMID    int64  // 0 when none
	Status   string // ChangeSent or ChangeNoop
	// Link, when set, records the record's MiniCRM id in id_map.
	Link *Link
}

// Link is an id_map row.
type Link struct {
	Entity, Key string
	CRMID       int64
	How         string // created, found, feed
}

// IDMap returns every recorded MiniCRM id by entity and natural key.
func (s *Store) IDMap(ctx context.Context) (map[string]map[string]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT entity, natural_key, crm_id FROM id_map`)
	if err != nil {
		return nil, fmt.Errorf("reading id_map: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var e, k string
		var id int64
		if err := rows.Scan(&e, &k, &id); err != nil {
			return nil, err
		}
		if out[e] == nil {
			out[e] = map[string]int64{}
		}
		out[e][k] = id
	}
	return out, rows.Err()
}

// LandBatch records many landed changes of many entities in one
// transaction: id_map links, the changes' status, CRM id and attempt, and
// cur_<entity> advanced to them.
func (s *Store) LandBatch(ctx context.Context, entities []pipeline.Entity, batch []Landing) error {
	if len(batch) == 0 {
		return nil
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var ids, values []string
	var links []string
	var linkArgs []any
	for _, l := range batch {
		ids = append(ids, fmt.Sprint(l.ChangeID))
		crm := "NULL"
		if l.CRMID > 0 {
			crm = fmt.Sprint(l.CRMID)
		}
		values = append(values, fmt.Sprintf("(%d, %s, %s)", l.ChangeID, crm, Lit(l.Status)))
		if l.Link != nil {
			links = append(links, "(?, ?, ?, ?, now())")
			linkArgs = append(linkArgs, l.Link.Entity, l.Link.Key, l.Link.CRMID, l.Link.How)
		}
	}
	idList := strings.Join(ids, ", ")
	if len(links) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO id_map VALUES `+strings.Join(links, ", "), linkArgs...); err != nil {
			return fmt.Errorf("recording id_map: %w", err)
		}
	}
	for _, e := range entities {
		for _, q := range advanceSQL(e, "change_id IN ("+idList+")") {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("advancing cur_%s: %w", e.Name, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE changes SET status = l.status, crm_id = l.crm, attempts = attempts + 1,
		last_error = NULL, updated_at = now()
		FROM (VALUES `+strings.Join(values, ", ")+`) AS l(id, crm, status) WHERE changes.change_id = l.id`); err != nil {
		return fmt.Errorf("marking landed changes: %w", err)
	}
	return tx.Commit()
}
