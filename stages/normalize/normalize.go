// Package normalize is the second stage: it streams source records out of
// one archived file with the integration's format and maps each into
// canonical entity rows, a reject, or a skip.
//
// Reading is sequential; mapping and appending run on every core: records
// travel in numbered batches to worker goroutines, each mapping its batch
// and appending the rows through its own sink lane with the batch and row
// number, which keep the file's order. Rejects and counts are handled on
// the caller's goroutine in file order.
package normalize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"minisync/mappings"
	"minisync/pipeline"
)

// Counts says what one file held.
type Counts struct {
	Records int64
	Rows    int64
	Rejects int64
	Skipped int64
}

// Sink receives a file's mapped rows and rejects.
type Sink interface {
	// Lane returns a row appender for one worker goroutine.
	Lane() (Lane, error)
	// Reject records a bad record; it is called on one goroutine.
	Reject(pipeline.Reject) error
}

// Lane appends rows on one goroutine.
type Lane interface {
	// Row appends r, row n (0-based) of batch b (0-based) of the file.
	// r.Values is reused once Row returns: a lane copies what it keeps.
	Row(b int64, n int, r pipeline.Row) error
	// Done gives the lane back to the sink.
	Done()
}

// batchSize is how many records travel to a worker together: large enough
// that channel hand-offs are noise, small enough to keep memory flat (the
// records of the batches not yet mapped are the Go heap's largest part:
// 256 per batch put the staging of a 1 GB export ~30 MB higher).
const batchSize = 128

// File normalizes the file at path (name is used in messages). A fatal
// error in the file (malformed, truncated, undecodable) is returned as
// is, after the sink received everything before it; the caller discards
// what the sink received from the file.
func File(ctx context.Context, f pipeline.Format, m *mappings.Mapper, path, name string, sink Sink, p pipeline.Progress) (Counts, error) {
	var c Counts
	fh, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("opening archived export: %w", err)
	}
	defer fh.Close()
	rr, err := f.Open(ctx, fh, name)
	if err != nil {
		return c, err
	}
	defer p.Done()

	workers := max(1, runtime.GOMAXPROCS(0))
	lanes := make([]Lane, 0, workers)
	for range workers {
		lane, err := sink.Lane()
		if err != nil {
			for _, l := range lanes {
				l.Done()
			}
			return c, err
		}
		lanes = append(lanes, lane)
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // the reader and workers are gone before fh closes
	defer cancel()
	// The reader runs up to 128 batches per worker ahead of the batch being
	// emitted, so that a worker held up moving rows into DuckDB (~0.1 s for
	// a lane's 32 768 rows) does not leave the others without work: they
	// map a batch of CSV rows in about a millisecond. Only batches not yet
	// mapped hold records, and work bounds how many there are; those mapped
	// and waiting their turn hold only counts and rejects (~15 KB a batch).
	ordered := make(chan *batch, 128*workers) // in file order, for the sink
	work := make(chan *batch, 2*workers)      // in any order, for the workers
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		read(ctx, rr, ordered, work)
	}()
	for _, lane := range lanes {
		go func() {
			defer wg.Done()
			defer lane.Done()
			for b := range work {
				b.mapAll(m, lane)
				close(b.done)
			}
		}()
	}

	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
			return c, ctx.Err()
		}
		for i := range b.items {
			if err := emit(&b.items[i], &c, name, sink); err != nil {
				return c, err
			}
		}
		if b.appendErr != nil {
			return c, b.appendErr
		}
		if b.err != nil {
			if errors.Is(b.err, io.EOF) {
				return c, nil
			}
			return c, b.err
		}
		p.Update(name, c.Records, "records")
	}
	return c, ctx.Err()
}

// batch is a run of consecutive records and what they mapped to; err ends
// the file after them (io.EOF or a fatal error).
type batch struct {
	no        int64 // 0-based in the file
	items     []item
	err       error
	appendErr error // the lane refused a row
	done      chan struct{}
}

// item is one record read, or one bad record the reader reported. Once
// mapped and appended it keeps only what emit needs, not the record or its
// rows: batches wait for their turn to be emitted without holding on to
// their records' trees.
type item struct {
	rec    pipeline.Record
	bad    *pipeline.RecordError
	res    mappings.Result
	rows   int // rows appended
	mapErr error
	pos    string // of the record whose mapping failed
}

// read fills batches from rr until the end of the file, an error, or ctx
// is cancelled; it closes both channels.
func read(ctx context.Context, rr pipeline.RecordReader, ordered, work chan<- *batch) {
	defer close(ordered)
	defer close(work)
	for no := int64(0); ; no++ {
		b := &batch{no: no, items: make([]item, 0, batchSize), done: make(chan struct{})}
		for len(b.items) < batchSize && b.err == nil {
			rec, err := rr.Next()
			var bad *pipeline.RecordError
			switch {
			case errors.As(err, &bad):
				b.items = append(b.items, item{bad: bad})
			case err != nil:
				b.err = err
			default:
				b.items = append(b.items, item{rec: rec})
			}
		}
		if err := ctx.Err(); err != nil && b.err == nil {
			b.err = err
		}
		select {
		case ordered <- b:
		case <-ctx.Done():
			return
		}
		select {
		case work <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			return
		}
	}
}

// mapAll maps the batch's records and appends their rows through lane,
// until a record's mapping fails (the file then ends with that error).
func (b *batch) mapAll(m *mappings.Mapper, lane Lane) {
	n := 0
	var res mappings.Result // the rows of one record after another
	for i := range b.items {
		it := &b.items[i]
		if it.rec == nil {
			continue
		}
		it.mapErr = m.MapInto(it.rec, &res)
		if it.mapErr != nil {
			it.pos = it.rec.Position()
			return
		}
		if r, ok := it.rec.(pipeline.Releaser); ok {
			r.Release()
		}
		it.rec = nil
		if res.Reject != nil || res.Skip != "" {
			it.res = mappings.Result{Reject: res.Reject, Skip: res.Skip}
			continue
		}
		for _, row := range res.Rows {
			if err := lane.Row(b.no, n, row); err != nil {
				b.appendErr = err
				return
			}
			n++
		}
		it.rows = len(res.Rows)
	}
}

// emit counts one item and hands its reject to the sink; its rows are
// already appended.
func emit(it *item, c *Counts, name string, sink Sink) error {
	c.Records++
	switch {
	case it.bad != nil:
		c.Rejects++
		return sink.Reject(pipeline.Reject{Pos: it.bad.Pos, Field: it.bad.Field, Value: it.bad.Value, Reason: it.bad.Reason})
	case it.mapErr != nil:
		return fmt.Errorf("%s %s: %w", name, it.pos, it.mapErr)
	case it.res.Reject != nil:
		c.Rejects++
		return sink.Reject(*it.res.Reject)
	case it.res.Skip != "":
		c.Skipped++
		return nil
	}
	c.Rows += int64(it.rows)
	return nil
}
