package load

import (
	"context"
	"log/slog"

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

// CallRecorder returns a minicrm.Config.OnCall that writes every request
// into api_calls with the run and, when known, the change it served.
func CallRecorder(st *store.Store, runID int64, log *slog.Logger) func(context.Context, minicrm.Call) {
	return func(ctx context.Context, c minicrm.Call) {
		changeID, _ := ctx.Value(changeKey).(int64)
		note, _ := ctx.Value(noteKey).(string)
		err := st.RecordCall(context.WithoutCancel(ctx), runID, store.Call{
			At: c.At, Method: c.Method, Path: c.Path, Status: c.Status, Latency: c.Latency,
			Attempt: c.Attempt, ChangeID: changeID, Note: note, Err: c.Err,
		})
		if err != nil && log != nil {
			log.Warn("api call not recorded", "err", err)
		}
	}
}
