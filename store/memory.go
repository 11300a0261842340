package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// IsOutOfMemory reports whether err is DuckDB running out of the memory
// its limit allows.
func IsOutOfMemory(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfMemory
}

// MemoryLimitBytes returns DuckDB's current memory limit in bytes.
func (s *Store) MemoryLimitBytes(ctx context.Context) (int64, error) {
	var v string
	if err := s.DB.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading DuckDB's memory limit: %w", err)
	}
	n, err := parseBytes(v)
	if err != nil {
		return 0, fmt.Errorf("reading DuckDB's memory limit: %w", err)
	}
	return n, nil
}

// SetMemoryLimitBytes sets DuckDB's memory limit for every connection.
func (s *Store) SetMemoryLimitBytes(ctx context.Context, n int64) error {
	if _, err := s.DB.ExecContext(ctx, fmt.Sprintf("SET GLOBAL memory_limit = '%dB'", n)); err != nil {
		return fmt.Errorf("setting DuckDB's memory limit to %d MiB: %w", n>>20, err)
	}
	return nil
}

// ResetMemoryLimit sets DuckDB's memory limit back to the one the store
// was opened with.
func (s *Store) ResetMemoryLimit(ctx context.Context) error {
	if _, err := s.DB.ExecContext(ctx, "SET GLOBAL memory_limit = "+Lit(s.memLimit)); err != nil {
		return fmt.Errorf("setting DuckDB's memory limit back to %s: %w", s.memLimit, err)
	}
	return nil
}

// binaryUnits are the units DuckDB prints sizes in.
var binaryUnits = map[string]float64{"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50}

// parseBytes reads a size as DuckDB prints it, e.g. "91.5 MiB".
func parseBytes(v string) (int64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(v), " ")
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || binaryUnits[unit] == 0 || f < 0 {
		return 0, fmt.Errorf("unexpected size %q", v)
	}
	return int64(f * binaryUnits[unit]), nil
}
