package store

import (
	"context"
	"fmt"
	"strings"

	"minisync/pipeline"
)

const schemaVersion = "1"

var schema = []string{
	`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
	`CREATE SEQUENCE IF NOT EXISTS run_seq START 1`,
	`CREATE SEQUENCE IF NOT EXISTS file_seq START 1`,
	`CREATE SEQUENCE IF NOT EXISTS change_seq START 1`,
	`CREATE TABLE IF NOT EXISTS runs (
		run_id BIGINT PRIMARY KEY,
		integration VARCHAR NOT NULL,
		mode VARCHAR NOT NULL,
		export_date DATE,
		started_at TIMESTAMPTZ NOT NULL,
		finished_at TIMESTAMPTZ,
		status VARCHAR NOT NULL,
		files INTEGER DEFAULT 0,
		records BIGINT DEFAULT 0,
		rows_staged BIGINT DEFAULT 0,
		rejects BIGINT DEFAULT 0,
		skipped BIGINT DEFAULT 0,
		creates BIGINT DEFAULT 0,
		updates BIGINT DEFAULT 0,
		unchanged BIGINT DEFAULT 0,
		missing BIGINT DEFAULT 0,
		error VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS raw_files (
		file_id BIGINT PRIMARY KEY,
		integration VARCHAR NOT NULL,
		name VARCHAR NOT NULL,
		uri VARCHAR NOT NULL,
		export_date DATE NOT NULL,
		sha256 VARCHAR NOT NULL,
		size BIGINT NOT NULL,
		archive_path VARCHAR NOT NULL,
		fetched_at TIMESTAMPTZ NOT NULL,
		status VARCHAR NOT NULL,
		run_id BIGINT,
		records BIGINT,
		error VARCHAR)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS raw_files_sha ON raw_files (integration, sha256)`,
	`CREATE TABLE IF NOT EXISTS rejects (
		run_id BIGINT NOT NULL,
		file_id BIGINT,
		file VARCHAR,
		position VARCHAR,
		entity VARCHAR,
		natural_key VARCHAR,
		field VARCHAR,
		value VARCHAR,
		reason VARCHAR NOT NULL,
		created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
	`CREATE TABLE IF NOT EXISTS changes (
		change_id BIGINT PRIMARY KEY,
		run_id BIGINT NOT NULL,
		last_run_id BIGINT NOT NULL,
		entity VARCHAR NOT NULL,
		natural_key VARCHAR NOT NULL,
		op VARCHAR NOT NULL,
		diff JSON,
		payload JSON NOT NULL,
		row_hash VARCHAR NOT NULL,
		status VARCHAR NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		crm_id VARCHAR,
		last_error VARCHAR,
		created_at TIMESTAMPTZ NOT NULL,
		updated_at TIMESTAMPTZ NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS id_map (
		entity VARCHAR NOT NULL,
		natural_key VARCHAR NOT NULL,
		crm_id BIGINT NOT NULL,
		how VARCHAR NOT NULL,
		linked_at TIMESTAMPTZ NOT NULL,
		PRIMARY KEY (entity, natural_key))`,
	`CREATE TABLE IF NOT EXISTS api_calls (
		run_id BIGINT,
		called_at TIMESTAMPTZ NOT NULL,
		method VARCHAR NOT NULL,
		path VARCHAR NOT NULL,
		status INTEGER,
		latency_ms DOUBLE,
		attempt INTEGER,
		change_id BIGINT,
		note VARCHAR,
		error VARCHAR)`,
	`ALTER TABLE raw_files ADD COLUMN IF NOT EXISTS cursor VARCHAR`,
	`ALTER TABLE runs ADD COLUMN IF NOT EXISTS sent BIGINT DEFAULT 0`,
	`ALTER TABLE runs ADD COLUMN IF NOT EXISTS failed BIGINT DEFAULT 0`,
	`ALTER TABLE runs ADD COLUMN IF NOT EXISTS still_pending BIGINT DEFAULT 0`,
	`ALTER TABLE runs ADD COLUMN IF NOT EXISTS api_calls BIGINT DEFAULT 0`,
}

var views = []string{
	`CREATE OR REPLACE VIEW last_night_changes AS
		SELECT c.entity, c.natural_key, c.op, f.field, f.old, f.new, c.status, c.run_id
		FROM changes c
		LEFT JOIN (SELECT change_id, unnest(CAST(diff AS STRUCT(field VARCHAR, old VARCHAR, new VARCHAR)[]), recursive := true) FROM changes) f
			USING (change_id)
		WHERE c.last_run_id = (SELECT max(run_id) FROM runs WHERE mode = 'nightly' AND creates + updates + missing > 0 AND status <> 'running')
		ORDER BY c.change_id`,
	`CREATE OR REPLACE VIEW failed_changes AS
		SELECT change_id, entity, natural_key, op, attempts, last_error, updated_at
		FROM changes WHERE status = 'failed' ORDER BY updated_at DESC`,
	`CREATE OR REPLACE VIEW run_summary AS
		SELECT r.run_id, r.mode, r.export_date, r.status, r.started_at, r.finished_at - r.started_at AS took,
			r.files, r.records, r.rejects, r.skipped, r.creates, r.updates, r.unchanged, r.missing,
			r.sent, r.failed, r.api_calls,
			(SELECT count(*) FROM changes c WHERE c.last_run_id = r.run_id AND c.status = 'pending') AS pending,
			r.error
		FROM runs r ORDER BY r.run_id DESC`,
	`CREATE OR REPLACE VIEW reject_summary AS
		SELECT run_id, file, entity, field, reason, count(*) AS records, min(position) AS first_position, any_value(value) AS example_value
		FROM rejects GROUP BY ALL ORDER BY run_id DESC, records DESC`,
}

func (s *Store) migrate(ctx context.Context) error {
	for _, stmt := range append(schema, views...) {
		if _, err := s.DB.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating staging schema: %w\n%s", err, stmt)
		}
	}
	var v string
	err := s.DB.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil {
		_, err = s.DB.ExecContext(ctx, `INSERT INTO meta VALUES ('schema_version', ?)`, schemaVersion)
		return err
	}
	if v != schemaVersion {
		return fmt.Errorf("staging database %s has schema version %s; this minisync reads version %s", s.Path, v, schemaVersion)
	}
	return nil
}

// EnsureEntityTables creates or widens the stg_ and cur_ tables of each
// entity so they hold every mapped field (all VARCHAR; "" is stored as
// NULL). Fields a mapping no longer has keep their columns.
func (s *Store) EnsureEntityTables(ctx context.Context, entities []pipeline.Entity) error {
	for _, e := range entities {
		stg := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (run_id BIGINT NOT NULL, file_id BIGINT NOT NULL, seq BIGINT NOT NULL, source_pos VARCHAR, natural_key VARCHAR NOT NULL, row_hash VARCHAR NOT NULL)`, StgTable(e.Name))
		cur := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (natural_key VARCHAR PRIMARY KEY, row_hash VARCHAR NOT NULL, run_id BIGINT, updated_at TIMESTAMPTZ, missing_since TIMESTAMPTZ)`, CurTable(e.Name))
		for _, stmt := range []string{stg, cur} {
			if _, err := s.DB.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("creating tables of entity %s: %w", e.Name, err)
			}
		}
		for _, table := range []string{"stg_" + e.Name, "cur_" + e.Name} {
			have, err := s.columns(ctx, table)
			if err != nil {
				return err
			}
			for _, f := range e.Fields {
				if have[f] {
					continue
				}
				stmt := fmt.Sprintf(`ALTER TABLE %s ADD COLUMN %s VARCHAR`, Ident(table), Ident(f))
				if _, err := s.DB.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("adding column %s to %s: %w", f, table, err)
				}
			}
		}
	}
	return nil
}

func (s *Store) columns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = ?`, table)
	if err != nil {
		return nil, fmt.Errorf("reading columns of %s: %w", table, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		have[strings.ToLower(c)] = true
	}
	return have, rows.Err()
}
