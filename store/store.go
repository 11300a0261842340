// Package store is minisync's staging store: one DuckDB file per
// integration holding the run history, the raw file register, rejects, the
// staged and current entity rows, and the outbox of changes. Its tables are
// a contract with analysts and are documented in the README.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// Store is an open staging DuckDB file.
type Store struct {
	connector *duckdb.Connector
	DB        *sql.DB
	Path      string
	readOnly  bool
}

// MemoryLimit caps DuckDB's memory (its buffer pool); beyond it DuckDB
// spills to a temporary folder next to the file, so a run's memory does not
// grow with the size of the exports. Large statements are split so that
// none needs more (see stages/diff). It cannot go much lower: the primary
// key indexes of cur_<entity> and changes must fit while they are written
// (at 128 MB the baseline of a million keys ran out of memory).
var MemoryLimit = "256MB"

// CheckpointThreshold is how large DuckDB lets its write-ahead log grow
// before it checkpoints on its own. Its default, 16 MB, checkpointed in
// the middle of staging a large file and again in the diff, rewriting the
// same tables each time (a third of staging a 100 MB export); minisync
// checkpoints once at the end of each run instead (Checkpoint).
const CheckpointThreshold = "1GB"

// Checkpoint writes the write-ahead log into the database file.
func (s *Store) Checkpoint(ctx context.Context) error {
	if _, err := s.DB.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpointing the staging database: %w", err)
	}
	return nil
}

// allocatorEnv configures the allocator DuckDB is built with (jemalloc
// under the duckdb_je_ prefix): return freed pages to the system at once.
// By default it keeps them for seconds, and a run's statements leave
// hundreds of megabytes of such pages resident although DuckDB's own
// accounting (duckdb_memory()) is far lower.
const (
	allocatorEnv  = "DUCKDB_JE_MALLOC_CONF"
	allocatorConf = "dirty_decay_ms:0,muzzy_decay_ms:0"
)

var allocatorOnce sync.Once

// configureAllocator sets allocatorEnv before DuckDB's first allocation,
// unless the operator set it.
func configureAllocator() {
	allocatorOnce.Do(func() {
		if _, set := os.LookupEnv(allocatorEnv); !set {
			os.Setenv(allocatorEnv, allocatorConf)
		}
	})
}

// ErrLocked is returned when another process holds the DuckDB file.
var ErrLocked = errors.New("staging database is in use by another minisync process")

// Open opens (creating when needed) the staging file at path and brings
// its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating staging folder: %w", err)
	}
	s, err := open(ctx, path, false)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenReadOnly opens an existing staging file for queries; nothing can be
// written through it.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("opening staging database: %w", err)
	}
	return open(ctx, path, true)
}

func open(ctx context.Context, path string, readOnly bool) (*Store, error) {
	configureAllocator()
	dsn := path + "?memory_limit=" + MemoryLimit + "&checkpoint_threshold=" + CheckpointThreshold
	if readOnly {
		dsn += "&access_mode=READ_ONLY"
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		if strings.Contains(err.Error(), "Could not set lock") || strings.Contains(err.Error(), "Conflicting lock") {
			return nil, fmt.Errorf("opening %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("opening staging database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening staging database %s: %w", path, err)
	}
	return &Store{DB: db, Path: path, readOnly: readOnly, connector: connector}, nil
}

// Close checkpoints and closes the file.
func (s *Store) Close() error {
	if !s.readOnly {
		_, _ = s.DB.Exec("CHECKPOINT")
	}
	return s.DB.Close()
}

// Ident quotes an SQL identifier taken from configuration.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Lit quotes an SQL string literal taken from configuration, for the few
// places (struct and JSON keys) where a bound parameter cannot stand.
func Lit(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// StgTable and CurTable name an entity's staging and current tables.
func StgTable(entity string) string { return Ident("stg_" + entity) }

// CurTable names the table of what the CRM is known to hold for entity.
func CurTable(entity string) string { return Ident("cur_" + entity) }

// Connector returns the DuckDB connector, for appenders that need a raw
// driver connection.
func (s *Store) Connector() *duckdb.Connector { return s.connector }
