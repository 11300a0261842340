package diff

import (
	"context"
	"fmt"
	"log/slog"

	"minisync/store"
)

// memoryRaises is how many times a run's diff may double DuckDB's memory
// limit for a partition that does not fit (96 MB → 1.5 GB by default).
var memoryRaises = 4

// memory raises DuckDB's memory limit when a partition runs out of it,
// so that a night with unusually wide records takes more memory instead
// of failing, and restores the limit when the diff ends. A partition is
// computed into temporary tables and merged into the outbox in one
// transaction, so diffing it again after an error changes nothing twice.
type memory struct {
	st     *store.Store
	log    *slog.Logger
	raises int
}

// raise doubles the limit after partition p of entity ran out of memory
// with cause, or returns cause (with the way out) when it may not.
func (m *memory) raise(ctx context.Context, entity string, p int64, cause error) error {
	cur, err := m.st.MemoryLimitBytes(ctx)
	if err != nil {
		return fmt.Errorf("%w (%s sets a larger DuckDB memory limit; %v)", cause, store.MemoryLimitEnv, err)
	}
	if m.raises == memoryRaises {
		return fmt.Errorf("%w (at a DuckDB memory limit of %d MiB; %s sets a larger one)", cause, cur>>20, store.MemoryLimitEnv)
	}
	m.raises++
	m.log.Warn("diff partition needs more memory than DuckDB's limit; retrying with twice the limit",
		"entity", entity, "partition", p, "memory_limit_mib", cur>>20, "retry_memory_limit_mib", 2*cur>>20, "env", store.MemoryLimitEnv)
	return m.st.SetMemoryLimitBytes(ctx, 2*cur)
}

// restore sets the limit back to the store's after a raise.
func (m *memory) restore(ctx context.Context) {
	if m.raises == 0 {
		return
	}
	if err := m.st.ResetMemoryLimit(context.WithoutCancel(ctx)); err != nil {
		m.log.Warn("restoring DuckDB's memory limit", "error", err)
	}
}
