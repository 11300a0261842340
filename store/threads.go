package store

import (
	"context"
	"fmt"
)

// Threads returns how many threads DuckDB runs queries on.
func (s *Store) Threads(ctx context.Context) (int64, error) {
	var n int64
	if err := s.DB.QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading DuckDB's thread count: %w", err)
	}
	return n, nil
}

// SetThreads sets how many threads DuckDB runs queries on, for every
// connection; with 1 it starts no worker thread and each query runs on
// the thread that issued it.
func (s *Store) SetThreads(ctx context.Context, n int64) error {
	if n < 1 {
		return fmt.Errorf("setting DuckDB's thread count to %d: must be at least 1", n)
	}
	if _, err := s.DB.ExecContext(ctx, fmt.Sprintf("SET GLOBAL threads = %d", n)); err != nil {
		return fmt.Errorf("setting DuckDB's thread count to %d: %w", n, err)
	}
	return nil
}
