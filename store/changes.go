package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"minisync/pipeline"
)

// Change statuses in the outbox.
const (
	ChangePending    = "pending"    // to be sent
	ChangeSent       = "sent"       // confirmed by the CRM
	ChangeFailed     = "failed"     // the CRM refused it; see last_error
	ChangeSuperseded = "superseded" // a later run computed a newer change
	ChangeBaselined  = "baselined"  // recorded as already in the CRM, never sent
)

// Change is one row of the outbox.
type Change struct {
	ID         int64           `json:"-"`
	RunID      int64           `json:"-"`
	Entity     string          `json:"entity"`
	Key        string          `json:"key"`
	Op         string          `json:"op"`
	Diff       []FieldDiff     `json:"diff,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Status     string          `json:"-"`
	FirstRunID int64           `json:"-"`
}

// FieldDiff is one changed field of an update.
type FieldDiff struct {
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// ChangesOfRun returns up to limit outbox rows a run computed (including
// those it found already pending), in entity load order, then by key. A
// large change set stays in the changes table; only its head is read.
func (s *Store) ChangesOfRun(ctx context.Context, runID int64, entities []pipeline.Entity, limit int) ([]Change, error) {
	order := make([]string, len(entities))
	for i, e := range entities {
		order[i] = Lit(e.Name)
	}
	q := `SELECT change_id, run_id, entity, natural_key, op, CAST(diff AS VARCHAR), CAST(payload AS VARCHAR), status
		FROM changes WHERE last_run_id = ? AND status <> 'superseded'
		ORDER BY coalesce(list_position([` + strings.Join(order, ", ") + `], entity), 999), natural_key, change_id
		LIMIT ?`
	rows, err := s.DB.QueryContext(ctx, q, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("reading changes of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var diff, payload *string
		if err := rows.Scan(&c.ID, &c.FirstRunID, &c.Entity, &c.Key, &c.Op, &diff, &payload, &c.Status); err != nil {
			return nil, err
		}
		c.RunID = runID
		if diff != nil {
			if err := json.Unmarshal([]byte(*diff), &c.Diff); err != nil {
				return nil, fmt.Errorf("decoding diff of change %d: %w", c.ID, err)
			}
		}
		if payload != nil {
			c.Payload = json.RawMessage(*payload)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Confirm records that the pending changes of a run are held by the CRM:
// cur_<entity> advances to them and they get status. Baseline uses it with
// ChangeBaselined; the load stage with ChangeSent, change by change.
func (s *Store) Confirm(ctx context.Context, runID int64, entities []pipeline.Entity, status string) (int64, error) {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var n int64
	for _, e := range entities {
		for _, q := range advanceSQL(e, "last_run_id = $1") {
			if _, err := tx.ExecContext(ctx, q, runID); err != nil {
				return 0, fmt.Errorf("advancing cur_%s: %w", e.Name, err)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE changes SET status = $3, updated_at = now()
			WHERE last_run_id = $1 AND status = 'pending' AND entity = $2`, runID, e.Name, status)
		if err != nil {
			return 0, fmt.Errorf("marking changes of %s: %w", e.Name, err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, tx.Commit()
}

// FileReject is a reject with the file it came from.
type FileReject struct {
	File   string
	Reject pipeline.Reject
}

// RejectsOfRun returns up to limit rejects of a run, in file order.
func (s *Store) RejectsOfRun(ctx context.Context, runID int64, limit int) ([]FileReject, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT coalesce(file, ''), coalesce(position, ''), coalesce(entity, ''), coalesce(natural_key, ''),
		coalesce(field, ''), coalesce(value, ''), reason FROM rejects WHERE run_id = ? ORDER BY file_id, rowid LIMIT ?`, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("reading rejects of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []FileReject
	for rows.Next() {
		var fr FileReject
		r := &fr.Reject
		if err := rows.Scan(&fr.File, &r.Pos, &r.Entity, &r.Key, &r.Field, &r.Value, &r.Reason); err != nil {
			return nil, err
		}
		out = append(out, fr)
	}
	return out, rows.Err()
}

// RejectGroup is the rejects of a run that share entity, field and
// reason, with the first of them as an example.
type RejectGroup struct {
	Count   int64
	Example FileReject
}

// RejectGroups returns up to limit groups of a run's rejects, largest first.
func (s *Store) RejectGroups(ctx context.Context, runID int64, limit int) ([]RejectGroup, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT count(*), arg_min(coalesce(file, ''), rowid), arg_min(coalesce(position, ''), rowid),
		coalesce(entity, ''), any_value(coalesce(natural_key, '')), coalesce(field, ''), arg_min(coalesce(value, ''), rowid), reason
		FROM rejects WHERE run_id = ? GROUP BY entity, field, reason ORDER BY count(*) DESC, min(rowid) LIMIT ?`, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("reading rejects of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []RejectGroup
	for rows.Next() {
		var g RejectGroup
		r := &g.Example.Reject
		if err := rows.Scan(&g.Count, &g.Example.File, &r.Pos, &r.Entity, &r.Key, &r.Field, &r.Value, &r.Reason); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
