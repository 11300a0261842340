package store

import (
	"context"
	"fmt"
	"strings"

	"minisync/pipeline"
)

// schemaVersion is the version of the staging schema this minisync writes.
// Version 2 dropped the primary key of the cur_<entity> tables (see
// dropCurrentKeys); a version 1 file is brought up to it on open.
const schemaVersion = "2"

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
	if v == "1" {
		if err := s.dropCurrentKeys(ctx); err != nil {
			return fmt.Errorf("upgrading staging database %s from schema version 1: %w", s.Path, err)
		}
		v = schemaVersion
	}
	if v != schemaVersion {
		return fmt.Errorf("staging database %s has schema version %s; this minisync reads version %s", s.Path, v, schemaVersion)
	}
	return nil
}

// dropCurrentKeys rebuilds every cur_<entity> table without its primary
// key, in one transaction with the version bump. DuckDB keeps a primary
// key's index in memory whole while it is written, so a baseline of a
// million records needed more memory than MemoryLimit; the diff and the
// load keep natural keys unique themselves (one pending change per record,
// replaced by delete and insert).
func (s *Store) dropCurrentKeys(ctx context.Context) error {
	tables, err := s.currentTables(ctx)
	if err != nil {
		return err
	}
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		tmp := t + "__rebuilt"
		for _, q := range []string{
			fmt.Sprintf(`CREATE TABLE %s AS SELECT * FROM %s`, Ident(tmp), Ident(t)),
			fmt.Sprintf(`DROP TABLE %s`, Ident(t)),
			fmt.Sprintf(`ALTER TABLE %s RENAME TO %s`, Ident(tmp), Ident(t)),
			fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN natural_key SET NOT NULL`, Ident(t)),
			fmt.Sprintf(`ALTER TABLE %s ALTER COLUMN row_hash SET NOT NULL`, Ident(t)),
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("rebuilding %s: %w", t, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'schema_version'`, schemaVersion); err != nil {
		return err
	}
	return tx.Commit()
}

// currentTables lists the cur_<entity> tables of the file.
func (s *Store) currentTables(ctx context.Context) ([]string, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND starts_with(table_name, 'cur_') ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("listing cur_ tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EnsureEntityTables creates or widens the stg_ and cur_ tables of each
// entity so they hold every mapped field (all VARCHAR; "" is stored as
// NULL). Fields a mapping no longer has keep their columns.
func (s *Store) EnsureEntityTables(ctx context.Context, entities []pipeline.Entity) error {
	for _, e := range entities {
		stg := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (run_id BIGINT NOT NULL, file_id BIGINT NOT NULL, seq BIGINT NOT NULL, source_pos VARCHAR, natural_key VARCHAR NOT NULL, row_hash VARCHAR NOT NULL)`, StgTable(e.Name))
		cur := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (natural_key VARCHAR NOT NULL, row_hash VARCHAR NOT NULL, run_id BIGINT, updated_at TIMESTAMPTZ, missing_since TIMESTAMPTZ)`, CurTable(e.Name))
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
	rows, err := s.DB.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_name = ?`, table)
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
