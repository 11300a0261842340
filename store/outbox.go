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

// CRMID returns the MiniCRM id recorded for a record, or 0.
func (s *Store) CRMID(ctx context.Context, entity, key string) (int64, error) {
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT crm_id FROM id_map WHERE entity = ? AND natural_key = ?`, entity, key).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading id_map: %w", err)
	}
	return id, nil
}

// LinkID records a record's MiniCRM id; how says "created" or "found".
func (s *Store) LinkID(ctx context.Context, entity, key string, crmID int64, how string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT OR REPLACE INTO id_map VALUES (?, ?, ?, ?, now())`, entity, key, crmID, how)
	if err != nil {
		return fmt.Errorf("recording id_map %s %s: %w", entity, key, err)
	}
	return nil
}

// BeginAttempt counts an attempt before its request is sent, so that after
// a crash the next run knows the record may already exist.
func (s *Store) BeginAttempt(ctx context.Context, changeID int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE changes SET attempts = attempts + 1, updated_at = now() WHERE change_id = ?`, changeID)
	if err != nil {
		return fmt.Errorf("counting attempt of change %d: %w", changeID, err)
	}
	return nil
}

// Defer leaves a change pending with the reason it was not sent this time.
func (s *Store) Defer(ctx context.Context, changeID int64, reason string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE changes SET last_error = ?, updated_at = now() WHERE change_id = ?`, reason, changeID)
	if err != nil {
		return fmt.Errorf("updating change %d: %w", changeID, err)
	}
	return nil
}

// Fail marks a change failed with the server's or minisync's message.
func (s *Store) Fail(ctx context.Context, changeID int64, msg string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE changes SET status = 'failed', last_error = ?, updated_at = now() WHERE change_id = ?`, msg, changeID)
	if err != nil {
		return fmt.Errorf("marking change %d failed: %w", changeID, err)
	}
	return nil
}

// Land records that MiniCRM holds a change: in one transaction the change
// gets status (sent or noop) and its CRM id, and cur_<entity> advances.
func (s *Store) Land(ctx context.Context, e pipeline.Entity, changeID, crmID int64, status string) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range advanceSQL(e, "change_id = $1") {
		if _, err := tx.ExecContext(ctx, q, changeID); err != nil {
			return fmt.Errorf("advancing cur_%s: %w", e.Name, err)
		}
	}
	var id any
	if crmID > 0 {
		id = crmID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE changes SET status = ?, crm_id = ?, last_error = NULL, updated_at = now() WHERE change_id = ?`,
		status, id, changeID); err != nil {
		return fmt.Errorf("marking change %d: %w", changeID, err)
	}
	return tx.Commit()
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

// RecordCall appends one row to api_calls.
func (s *Store) RecordCall(ctx context.Context, runID int64, c Call) error {
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
	_, err := s.DB.ExecContext(ctx, `INSERT INTO api_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		runID, c.At, c.Method, c.Path, status, float64(c.Latency.Microseconds())/1000, c.Attempt, change, note, errText)
	if err != nil {
		return fmt.Errorf("recording api call: %w", err)
	}
	return nil
}
