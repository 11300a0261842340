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

// pendingColumns are the columns scanPending reads, in its order.
const pendingColumns = `change_id, last_run_id, entity, natural_key, op, attempts, CAST(payload AS VARCHAR), CAST(diff AS VARCHAR)`

// scanPending reads one row of pendingColumns (and any columns in extra
// after them).
func scanPending(rows *sql.Rows, extra ...any) (Pending, error) {
	var p Pending
	var payload string
	var diff sql.NullString
	dest := append([]any{&p.ID, &p.LastRunID, &p.Entity, &p.Key, &p.Op, &p.Attempts, &payload, &diff}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(payload), &p.Payload); err != nil {
		return p, fmt.Errorf("decoding payload of change %d: %w", p.ID, err)
	}
	if diff.Valid {
		var fd []FieldDiff
		if err := json.Unmarshal([]byte(diff.String), &fd); err != nil {
			return p, fmt.Errorf("decoding diff of change %d: %w", p.ID, err)
		}
		for _, d := range fd {
			p.Changed = append(p.Changed, d.Field)
		}
	}
	return p, nil
}

// EachPending hands an entity's pending changes to fn, oldest first, in
// pages of up to n, so that memory does not grow with the outbox. Each
// page is read after fn has handled the one before; a change fn lands,
// fails or defers is not handed over again.
func (s *Store) EachPending(ctx context.Context, entity string, n int, fn func([]Pending) error) error {
	var after int64
	for {
		page, err := s.pendingPage(ctx, entity, after, n)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < n {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// pendingPage reads up to n pending changes of entity after change id after.
func (s *Store) pendingPage(ctx context.Context, entity string, after int64, n int) ([]Pending, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+pendingColumns+`
		FROM changes WHERE status = 'pending' AND entity = ? AND change_id > ? ORDER BY change_id LIMIT ?`, entity, after, n)
	if err != nil {
		return nil, fmt.Errorf("reading pending changes of %s: %w", entity, err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		p, err := scanPending(rows)
		if err != nil {
			return nil, err
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
	return append(advanceRecordsSQL(e, where), advanceMissingSQL(e, where))
}

// advanceRecordsSQL writes the records of the selected creates and updates
// into cur_<entity>: the rows they replace go first.
func advanceRecordsSQL(e pipeline.Entity, where string) []string {
	cols := []string{"natural_key", "row_hash", "run_id", "updated_at", "missing_since"}
	vals := []string{"natural_key", "row_hash", "last_run_id", "now()", "NULL"}
	for _, f := range e.Fields {
		cols = append(cols, Ident(f))
		vals = append(vals, fmt.Sprintf("payload->>%s", Lit(f)))
	}
	sel := pendingOf(e, where) + " AND op IN ('create', 'update')"
	return []string{
		fmt.Sprintf(`DELETE FROM %s WHERE natural_key IN (SELECT natural_key FROM changes WHERE %s)`, CurTable(e.Name), sel),
		fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM changes WHERE %s`, CurTable(e.Name), strings.Join(cols, ", "), strings.Join(vals, ", "), sel),
	}
}

// advanceMissingSQL marks the records of the selected missing changes as
// missing from the source.
func advanceMissingSQL(e pipeline.Entity, where string) string {
	return fmt.Sprintf(`UPDATE %s SET missing_since = now()
			WHERE natural_key IN (SELECT natural_key FROM changes WHERE %s AND op = 'missing')`, CurTable(e.Name), pendingOf(e, where))
}

// pendingOf selects the pending changes of e that where selects.
func pendingOf(e pipeline.Entity, where string) string {
	return fmt.Sprintf("status = 'pending' AND entity = %s AND (%s)", Lit(e.Name), where)
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

// callsPerInsert is how many api_calls rows one INSERT writes.
const callsPerInsert = 100

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
	for start := 0; start < len(calls); start += callsPerInsert {
		chunk := calls[start:min(start+callsPerInsert, len(calls))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, 10*len(chunk))
		for i, c := range chunk {
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
			rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, runID, c.At, c.Method, c.Path, status, float64(c.Latency.Microseconds())/1000, c.Attempt, change, note, errText)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_calls VALUES `+strings.Join(rows, ", "), args...); err != nil {
			return fmt.Errorf("recording api calls: %w", err)
		}
	}
	return tx.Commit()
}

// Landing is one change MiniCRM confirmed (or that needed no call), for
// LandBatch.
type Landing struct {
	ChangeID int64
	Entity   string
	Op       string // create, update or missing
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

// EntityKey names a record of an entity.
type EntityKey struct{ Entity, Key string }

// IDs returns the recorded MiniCRM ids of the records asked for, by entity
// and natural key; records without one are absent.
func (s *Store) IDs(ctx context.Context, want []EntityKey) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	values, args := distinctList(want, "(?, ?)", func(k EntityKey) []any { return []any{k.Entity, k.Key} })
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT m.entity, m.natural_key, m.crm_id FROM id_map m
		JOIN (VALUES `+values+`) AS want(entity, natural_key) ON m.entity = want.entity AND m.natural_key = want.natural_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading id_map: %w", err)
	}
	defer rows.Close()
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
	var values []string
	var links []string
	var linkArgs []any
	byOp := map[string]map[string][]string{} // entity → records|missing → change ids
	for _, l := range batch {
		kind := "records"
		if l.Op == "missing" {
			kind = "missing"
		}
		if byOp[l.Entity] == nil {
			byOp[l.Entity] = map[string][]string{}
		}
		byOp[l.Entity][kind] = append(byOp[l.Entity][kind], fmt.Sprint(l.ChangeID))
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
	if len(links) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO id_map VALUES `+strings.Join(links, ", "), linkArgs...); err != nil {
			return fmt.Errorf("recording id_map: %w", err)
		}
	}
	for _, e := range entities {
		var stmts []string
		if ids := byOp[e.Name]["records"]; len(ids) > 0 {
			stmts = append(stmts, advanceRecordsSQL(e, "change_id IN ("+strings.Join(ids, ", ")+")")...)
		}
		if ids := byOp[e.Name]["missing"]; len(ids) > 0 {
			stmts = append(stmts, advanceMissingSQL(e, "change_id IN ("+strings.Join(ids, ", ")+")"))
		}
		for _, q := range stmts {
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
