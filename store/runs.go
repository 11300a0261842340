package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Run modes.
const (
	ModeNightly  = "nightly"
	ModeReplay   = "replay"
	ModeBaseline = "baseline"
)

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunRejects = "ok_with_rejects"
	RunFailed  = "failed"
	RunCrashed = "crashed"
)

// Run is one row of the runs table.
type Run struct {
	ID          int64
	Integration string
	Mode        string
	ExportDate  time.Time // zero for a load-only run
	StartedAt   time.Time
	FinishedAt  sql.NullTime
	Status      string
	Files       int
	Records     int64
	Rows        int64
	Rejects     int64
	Skipped     int64
	Creates     int64
	Updates     int64
	Unchanged   int64
	Missing     int64
	Error       sql.NullString
	Sent        int64 // changes MiniCRM confirmed in the run's load
	Failed      int64 // changes MiniCRM refused
	Calls       int64 // API requests of the run
}

// BeginRun records a new run and returns its id. Runs a crashed process
// left "running" are marked crashed first, and their half-staged rows
// removed, so the outbox they left is simply continued.
func (s *Store) BeginRun(ctx context.Context, integration, mode string, exportDate time.Time) (int64, error) {
	if err := s.markCrashed(ctx); err != nil {
		return 0, err
	}
	var id int64
	var date any
	if !exportDate.IsZero() {
		date = exportDate.Format(time.DateOnly)
	}
	err := s.DB.QueryRowContext(ctx, `INSERT INTO runs (run_id, integration, mode, export_date, started_at, status)
		VALUES (nextval('run_seq'), ?, ?, ?, now(), ?) RETURNING run_id`,
		integration, mode, date, RunRunning).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("recording run: %w", err)
	}
	return id, nil
}

func (s *Store) markCrashed(ctx context.Context) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = now(),
		error = coalesce(error, 'the process ended before the run finished; its outbox is continued by later runs')
		WHERE status = ?`, RunCrashed, RunRunning)
	if err != nil {
		return fmt.Errorf("marking crashed runs: %w", err)
	}
	return nil
}

// FinishRun stores a run's final status and counters.
func (s *Store) FinishRun(ctx context.Context, r *Run) error {
	var errText any
	if r.Error.Valid {
		errText = r.Error.String
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE runs SET finished_at = now(), status = ?, files = ?, records = ?,
		rows_staged = ?, rejects = ?, skipped = ?, creates = ?, updates = ?, unchanged = ?, missing = ?, error = ?
		WHERE run_id = ?`,
		r.Status, r.Files, r.Records, r.Rows, r.Rejects, r.Skipped, r.Creates, r.Updates, r.Unchanged, r.Missing, errText, r.ID)
	if err != nil {
		return fmt.Errorf("finishing run %d: %w", r.ID, err)
	}
	return nil
}

// Runs returns the latest runs, newest first.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT run_id, integration, mode, export_date, started_at, finished_at, status,
		files, records, rows_staged, rejects, skipped, creates, updates, unchanged, missing, error,
		coalesce(sent, 0), coalesce(failed, 0), coalesce(api_calls, 0)
		FROM runs ORDER BY run_id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var date sql.NullTime
		if err := rows.Scan(&r.ID, &r.Integration, &r.Mode, &date, &r.StartedAt, &r.FinishedAt, &r.Status,
			&r.Files, &r.Records, &r.Rows, &r.Rejects, &r.Skipped, &r.Creates, &r.Updates, &r.Unchanged, &r.Missing, &r.Error,
			&r.Sent, &r.Failed, &r.Calls); err != nil {
			return nil, err
		}
		r.ExportDate = date.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// CheckSyncStart records the sync start date the first time a run uses
// it and refuses a different one afterwards: records skipped under the old
// date would otherwise silently never be synced, or be synced late.
func (s *Store) CheckSyncStart(ctx context.Context, syncStart string) error {
	var have string
	err := s.DB.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'sync_start'`).Scan(&have)
	switch {
	case err == sql.ErrNoRows:
		_, err = s.DB.ExecContext(ctx, `INSERT INTO meta VALUES ('sync_start', ?)`, syncStart)
		return err
	case err != nil:
		return fmt.Errorf("reading sync_start: %w", err)
	case have != syncStart:
		shown := syncStart
		if shown == "" {
			shown = "(none)"
		}
		return fmt.Errorf("sync_start is %s in the integration file but runs have already used %s; it cannot be changed once used (start a new staging database to change it)", shown, have)
	}
	return nil
}

// ModeLoad is a run that only sends what earlier runs left pending.
const ModeLoad = "load"

// StartLoad marks a run as running again while its outbox is sent, so a
// crash during the load leaves it to be marked crashed by the next run.
func (s *Store) StartLoad(ctx context.Context, runID int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE runs SET status = ? WHERE run_id = ?`, RunRunning, runID)
	if err != nil {
		return fmt.Errorf("marking run %d as sending: %w", runID, err)
	}
	return nil
}

// RecordLoad stores what a load did on its run, with the run's final
// status (failed when the load stopped), and returns how many API calls
// the run made.
func (s *Store) RecordLoad(ctx context.Context, runID int64, status string, sent, failed, pending int64, loadErr error) (int64, error) {
	var calls int64
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM api_calls WHERE run_id = ?`, runID).Scan(&calls); err != nil {
		return 0, fmt.Errorf("counting api calls: %w", err)
	}
	var msg any
	if loadErr != nil {
		msg = loadErr.Error()
		status = RunFailed
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE runs SET sent = ?, failed = ?, still_pending = ?, api_calls = ?,
		error = coalesce(?, error), status = ?, finished_at = now() WHERE run_id = ?`,
		sent, failed, pending, calls, msg, status, runID)
	if err != nil {
		return 0, fmt.Errorf("recording the load of run %d: %w", runID, err)
	}
	return calls, nil
}
