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
	// Calls is the client's call log, written with each batch of landed
	// changes; may be nil.
	Calls    *CallLog
	Logger   *slog.Logger
	Progress pipeline.Progress
}

// landBatch is how many landed changes are recorded in one transaction.
// Recording late is safe: a change MiniCRM holds but the store does not
// know yet is found again by its lookup on the next run.
const landBatch = 200

// landBacklog is how many landed changes may wait for the writer before
// the load waits for it.
const landBacklog = 5000

// pendingPage is how many pending changes are read from the outbox at a
// time.
const pendingPage = 1000

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
	ids     map[string]map[string]int64 // the id_map rows of the page of changes being sent, and the links made since
	acked   chan struct{}               // the writer has recorded everything handed to it before a nil batch
	landed  []store.Landing             // not yet handed to the writer
	writes  chan []store.Landing        // batches for the writer goroutine
	written chan error                  // the writer's result, when writes is closed
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
	l.startWriter(context.WithoutCancel(ctx))
	err := l.run(ctx)
	if ferr := l.stopWriter(); ferr != nil {
		err = errors.Join(err, ferr)
	}
	pending, perr := st.CountPending(context.WithoutCancel(ctx))
	l.res.Pending = pending
	return l.res, errors.Join(err, perr)
}

func (l *loader) run(ctx context.Context) error {
	pendingAny, err := l.st.CountPending(ctx)
	if err != nil || pendingAny == 0 {
		return err
	}
	l.ids = map[string]map[string]int64{}
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
	count := 0
	err := l.st.EachPending(ctx, e.Name, pendingPage, func(changes []store.Pending) error {
		for _, ch := range changes {
			if err := l.land(ctx, ch, 0, store.ChangeNoop, nil); err != nil {
				return err
			}
		}
		count += len(changes)
		return nil
	})
	if count > 0 {
		l.log.Info("changes recorded without a call", "entity", e.Name, "count", count, "why", why)
	}
	return err
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

// crmID returns a record's MiniCRM id, or 0.
func (l *loader) crmID(entity, key string) int64 { return l.ids[entity][key] }

// link remembers a record's MiniCRM id; the returned link is recorded with
// the change that made it.
func (l *loader) link(entity, key string, id int64, how string) *store.Link {
	if l.ids[entity] == nil {
		l.ids[entity] = map[string]int64{}
	}
	l.ids[entity][key] = id
	return &store.Link{Entity: entity, Key: key, CRMID: id, How: how}
}

// land records a change as held by MiniCRM (sent) or as needing no call
// (noop), in the next batch.
func (l *loader) land(ctx context.Context, ch store.Pending, crmID int64, status string, link *store.Link) error {
	if status == store.ChangeSent {
		l.res.Sent++
	} else {
		l.res.Noop++
	}
	l.landed = append(l.landed, store.Landing{ChangeID: ch.ID, Entity: ch.Entity, Op: ch.Op, CRMID: crmID, Status: status, Link: link})
	if len(l.landed) >= landBatch {
		return l.flush(ctx)
	}
	return nil
}

// flush hands the landed changes to the writer, which records them (and
// the calls made for them) while the next requests go out: the pacer's
// slots are not lost waiting for the store. While the writer is busy the
// landed changes gather into a larger batch, up to landBacklog, when the
// load waits for it. It fails when the writer has.
func (l *loader) flush(ctx context.Context) error {
	if len(l.landed) == 0 {
		return nil
	}
	if len(l.landed) < landBacklog {
		select {
		case l.writes <- l.landed:
			l.landed = nil
		case err := <-l.written:
			return l.writerFailed(err)
		default: // the writer is busy
		}
		return nil
	}
	if err := l.hand(ctx, l.landed); err != nil {
		return err
	}
	l.landed = nil
	return nil
}

func (l *loader) startWriter(ctx context.Context) {
	l.writes = make(chan []store.Landing, 1)
	l.written = make(chan error, 1)
	l.acked = make(chan struct{}, 1) // never blocks the writer, even if drain gave up waiting
	go func() {
		var err error
		for batch := range l.writes {
			if err != nil {
				continue // the first failure ends recording; the run reports it
			}
			if batch == nil {
				l.acked <- struct{}{}
				continue
			}
			err = errors.Join(l.st.LandBatch(ctx, l.order, batch), l.o.Calls.Flush(ctx))
			if err != nil {
				l.written <- err
				return
			}
		}
		l.written <- nil
	}()
}

// drain waits until the writer has recorded every change landed so far,
// so that id_map holds the links made before.
func (l *loader) drain(ctx context.Context) error {
	if len(l.landed) > 0 {
		if err := l.hand(ctx, l.landed); err != nil {
			return err
		}
		l.landed = nil
	}
	select { // an acknowledgement a cancelled drain left behind
	case <-l.acked:
	default:
	}
	if err := l.hand(ctx, nil); err != nil { // nil: acknowledge when done
		return err
	}
	select {
	case <-l.acked:
		return nil
	case err := <-l.written:
		return l.writerFailed(err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writerFailed keeps the writer's error for stopWriter and returns it.
func (l *loader) writerFailed(err error) error {
	l.written <- err
	return fmt.Errorf("recording landed changes: %w", err)
}

// hand gives the writer a batch, waiting for room; it fails when the
// writer has.
func (l *loader) hand(ctx context.Context, batch []store.Landing) error {
	select {
	case l.writes <- batch:
		return nil
	case err := <-l.written:
		return l.writerFailed(err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopWriter hands over the last batch and waits for everything to be
// recorded.
func (l *loader) stopWriter() error {
	if len(l.landed) > 0 {
		select {
		case l.writes <- l.landed:
			l.landed = nil
		case err := <-l.written:
			return err
		}
	}
	close(l.writes)
	err := <-l.written
	return errors.Join(err, l.o.Calls.Flush(context.Background()))
}
