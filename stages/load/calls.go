package load

import (
	"context"
	"log/slog"
	"sync"

	"minisync/minicrm"
	"minisync/store"
)

type ctxKey int

const (
	changeKey ctxKey = iota
	noteKey
)

// withChange tags the requests made under ctx with the change they serve.
func withChange(ctx context.Context, changeID int64) context.Context {
	return context.WithValue(ctx, changeKey, changeID)
}

// withNote tags the requests made under ctx with a note, e.g. a feed batch.
func withNote(ctx context.Context, note string) context.Context {
	return context.WithValue(ctx, noteKey, note)
}

// CallLog collects every request of a run for the api_calls table; the
// load stage writes it in batches, with the changes they landed.
type CallLog struct {
	st    *store.Store
	runID int64
	log   *slog.Logger
	mu    sync.Mutex
	calls []store.Call
}

// NewCallLog returns the call log of a run.
func NewCallLog(st *store.Store, runID int64, log *slog.Logger) *CallLog {
	return &CallLog{st: st, runID: runID, log: log}
}

// Record is a minicrm.Config.OnCall: it keeps one request with the change
// it served, when known.
func (c *CallLog) Record(ctx context.Context, call minicrm.Call) {
	changeID, _ := ctx.Value(changeKey).(int64)
	note, _ := ctx.Value(noteKey).(string)
	c.mu.Lock()
	c.calls = append(c.calls, store.Call{
		At: call.At, Method: call.Method, Path: call.Path, Status: call.Status, Latency: call.Latency,
		Attempt: call.Attempt, ChangeID: changeID, Note: note, Err: call.Err,
	})
	c.mu.Unlock()
}

// Flush writes the kept requests to api_calls.
func (c *CallLog) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	calls := c.calls
	c.calls = nil
	c.mu.Unlock()
	if err := c.st.RecordCalls(context.WithoutCancel(ctx), c.runID, calls); err != nil {
		if c.log != nil {
			c.log.Warn("api calls not recorded", "err", err)
		}
		return err
	}
	return nil
}
