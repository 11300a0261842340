// Package load is the last stage: it sends the outbox's pending changes to
// MiniCRM in dependency order (companies → persons → cards), records every
// MiniCRM id in id_map and every request in api_calls, and advances
// cur_<entity> only for changes MiniCRM confirmed.
//
// Nothing is created twice: a contact is looked up by its match field
// (Email, VatNumber) and a card by its ReferenceId before the first create,
// and again after a create whose answer was lost; feed pushes are upserts
// by external id. Nothing is deleted.
package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"minisync/mappings"
	"minisync/minicrm"
	"minisync/pipeline"
	"minisync/store"
)

// Options configures one load.
type Options struct {
	RunID     int64
	Mapper    *mappings.Mapper
	FeedBatch int // cards per XML sync push; default 200
	Logger    *slog.Logger
	Progress  pipeline.Progress
}

// Result counts what a load did.
type Result struct {
	Sent    int64 // confirmed by MiniCRM
	Noop    int64 // recorded without a call (no MiniCRM field changed, missing records)
	Failed  int64 // refused by MiniCRM or by the schema check; see changes.last_error
	Pending int64 // still pending after the load (waiting for a reference, or MiniCRM unavailable)
	Calls   int64 // HTTP requests made, retries included
}

// ErrSchema is returned, before anything is sent, when the mapping names a
// MiniCRM field or module the account does not have.
var ErrSchema = errors.New("the mapping does not fit the MiniCRM account")

// loader holds one load's state.
type loader struct {
	st      *store.Store
	c       *minicrm.Client
	o       Options
	log     *slog.Logger
	res     Result
	targets map[string]*target // by entity name
	order   []pipeline.Entity
}

// Run sends every pending change of the integration. The client must have
// been built with CallRecorder(st, runID) as its OnCall so that api_calls
// is filled. A returned error means the load stopped early (bad
// credentials, MiniCRM unavailable, a schema mismatch); what landed before
// stays landed and the rest stays pending for the next run.
func Run(ctx context.Context, st *store.Store, c *minicrm.Client, o Options) (Result, error) {
	if o.FeedBatch <= 0 {
		o.FeedBatch = 200
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = pipeline.NoProgress{}
	}
	l := &loader{st: st, c: c, o: o, log: o.Logger, order: o.Mapper.Entities()}
	err := l.run(ctx)
	pending, perr := st.CountPending(context.WithoutCancel(ctx))
	l.res.Pending = pending
	return l.res, errors.Join(err, perr)
}

func (l *loader) run(ctx context.Context) error {
	pendingAny, err := l.st.CountPending(ctx)
	if err != nil || pendingAny == 0 {
		return err
	}
	if err := l.preflight(ctx); err != nil {
		return err
	}
	for _, e := range l.order {
		t := l.targets[e.Name]
		var err error
		switch spec := l.o.Mapper.CRM(e.Name); {
		case spec != nil && spec.API == mappings.APIWithParent:
			continue // sent with its parent
		case t == nil:
			err = l.landLocally(ctx, e, "the mapping sends this entity nowhere")
		case t.spec.API == mappings.APIContact || t.spec.API == mappings.APIProject:
			err = l.sendRecords(ctx, e, t)
		case t.spec.API == mappings.APIFeed:
			err = l.sendFeed(ctx, e, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// landLocally records changes that need no call.
func (l *loader) landLocally(ctx context.Context, e pipeline.Entity, why string) error {
	changes, err := l.st.PendingChanges(ctx, e.Name)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if err := l.st.Land(ctx, e, ch.ID, 0, store.ChangeNoop); err != nil {
			return err
		}
		l.res.Noop++
	}
	if len(changes) > 0 {
		l.log.Info("changes recorded without a call", "entity", e.Name, "count", len(changes), "why", why)
	}
	return nil
}

// stop classifies an error of a request: bad credentials, cancellation,
// an unavailable MiniCRM or a lost answer stop the load (the change stays
// pending); a refusal of this one change (4xx, an ambiguous match) fails it.
func stop(err error) bool {
	var amb *ambiguousError
	if errors.As(err, &amb) {
		return false
	}
	var apiErr *minicrm.APIError
	if errors.As(err, &apiErr) && !errors.Is(err, minicrm.ErrUnauthorized) {
		return apiErr.Temporary()
	}
	return true
}

// stopError wraps an error that stops the load with what it means.
func stopError(err error) error {
	if errors.Is(err, minicrm.ErrUnauthorized) {
		return fmt.Errorf("MiniCRM refused the credentials (check minicrm.system_id and the API key); nothing more was sent: %w", err)
	}
	return fmt.Errorf("stopping the load, the rest stays pending for the next run: %w", err)
}
