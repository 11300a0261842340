// Package store is minisync's staging store: one DuckDB file per
// integration holding the run history, the raw file register, rejects, the
// staged and current entity rows, and the outbox of changes. Its tables are
// a contract with analysts and are documented in the README.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
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
	memLimit  string // DuckDB's memory limit as opened
}

// MemoryLimit caps the memory DuckDB accounts for (its buffer pool: table
// blocks, hash tables, sorts); beyond it DuckDB spills to a temporary
// folder next to the file, so a run's memory does not grow with the size
// of the exports. Large statements are split so that none needs more (see
// stages/diff). DuckDB uses memory it does not account for on top, ~100 MB
// in a large nightly even with the settings below, and the process adds
// ~40 MB of code and up to ~40 MB of Go; 96 MB keeps a nightly of a 1 GB
// export at ~250–290 MB. At 128 MB it peaked ~30–45 MB higher and was not
// faster; at 64 MB staging spills more and is ~8 % slower.
// MemoryLimitEnv overrides it.
var MemoryLimit = "96MB"

// MemoryLimitEnv names the environment variable that sets DuckDB's
// memory_limit instead of MemoryLimit (e.g. 512MB on a machine with memory
// to spare, or when a night fails with DuckDB's "Out of Memory Error").
const MemoryLimitEnv = "MINISYNC_DUCKDB_MEMORY"

// CheckpointThreshold is how large DuckDB lets its write-ahead log grow
// before it checkpoints on its own. Its default, 16 MB, checkpointed in
// the middle of staging a large file and again in the diff, rewriting the
// same tables each time (a third of staging a 100 MB export); minisync
// checkpoints once at the end of each run instead (Checkpoint).
const CheckpointThreshold = "1GB"

// Checkpoint writes the write-ahead log into the database file.
func (s *Store) Checkpoint(ctx context.Context) error {
	if _, err := s.DB.ExecContext(ctx, "CHECKPOINT "+catalog); err != nil {
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
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening staging database %s: %w", path, err)
	}
	// The file is attached to an in-memory database rather than opened
	// directly: only ATTACH takes the row group size.
	limit := MemoryLimit
	if v := os.Getenv(MemoryLimitEnv); v != "" {
		limit = v
	}
	settings := url.Values{
		"memory_limit":                 {limit},
		"checkpoint_threshold":         {CheckpointThreshold},
		"temp_directory":               {abs + ".tmp"},
		"allocator_flush_threshold":    {allocatorFlushThreshold},
		"allocator_background_threads": {"true"},
	}
	options := fmt.Sprintf("ROW_GROUP_SIZE %d", RowGroupSize)
	if readOnly {
		options += ", READ_ONLY"
	}
	attach := fmt.Sprintf("ATTACH IF NOT EXISTS %s AS %s (%s)", Lit(abs), catalog, options)
	connector, err := duckdb.NewConnector("?"+settings.Encode(), func(conn driver.ExecerContext) error {
		// Runs for every new connection, long after open returned.
		for _, q := range []string{attach, "USE " + catalog} {
			if _, err := conn.ExecContext(context.Background(), q, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("opening staging database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if strings.Contains(err.Error(), "Could not set lock") || strings.Contains(err.Error(), "Conflicting lock") {
			return nil, fmt.Errorf("opening %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("opening staging database %s: %w", path, err)
	}
	if !readOnly {
		// A global setting, and one DuckDB ignores when given with the
		// others at open.
		if _, err := db.ExecContext(ctx, "SET GLOBAL disabled_compression_methods = "+Lit(disabledCompression)); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening staging database %s: %w", path, err)
		}
	}
	return &Store{DB: db, Path: path, readOnly: readOnly, connector: connector, memLimit: limit}, nil
}

// Close checkpoints and closes the file.
func (s *Store) Close() error {
	if !s.readOnly {
		_, _ = s.DB.Exec("CHECKPOINT " + catalog)
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

// catalog is the name the staging file is attached under.
const catalog = "staging"

// RowGroupSize is how many rows DuckDB keeps in one row group of the
// staging file (its default is 122 880). DuckDB analyses and compresses a
// row group's columns with memory it does not count against MemoryLimit,
// in proportion to the row group's size in bytes: ~70 MB more for the
// outbox's 600-byte order payloads at the default size. Smaller row groups
// also leave the run's final checkpoint less to rewrite (2 s → 0.2–0.3 s
// for a 1 GB export). The price is speed, since DuckDB trains a
// compression table per column of every row group: against 32 768 rows, a
// million-row CSV stages ~6 % faster and the diff of a million keys takes
// ~12 % less at 65 536, at the same peak memory (staging, diff, and a
// first load of ~100 000 changes).
var RowGroupSize = 65536

// disabledCompression are DuckDB compression methods minisync does not let
// DuckDB try: the dictionary methods' analysis collects every distinct
// string of a row group's column, and the staged rows and the outbox's
// payloads are mostly distinct. Without them a 1 GB export stages ~8 %
// faster and its file is ~20 % larger; FSST still compresses the strings.
const disabledCompression = "dictionary,dict_fsst"

// allocatorFlushThreshold is how much memory a DuckDB thread may keep
// cached in its allocator after a task (default 128 MB); with the
// allocator's background threads, memory freed by a statement goes back
// to the system instead of staying resident.
const allocatorFlushThreshold = "8MB"
