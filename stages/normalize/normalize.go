// Package normalize is the second stage: it streams source records out of
// one archived file with the integration's format and maps each into
// canonical entity rows, a reject, or a skip.
package normalize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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
	Row(pipeline.Row) error
	Reject(pipeline.Reject) error
}

// File normalizes the file at path (name is used in messages). A fatal
// error in the file (malformed, truncated, undecodable) is returned as
// is; the caller discards what the sink received from it.
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
	for {
		if c.Records%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return c, err
			}
		}
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		var bad *pipeline.RecordError
		if errors.As(err, &bad) {
			c.Records++
			c.Rejects++
			if err := sink.Reject(pipeline.Reject{Pos: bad.Pos, Field: bad.Field, Value: bad.Value, Reason: bad.Reason}); err != nil {
				return c, err
			}
			continue
		}
		if err != nil {
			return c, err
		}
		c.Records++
		res, err := m.Map(rec)
		if err != nil {
			return c, fmt.Errorf("%s %s: %w", name, rec.Position(), err)
		}
		switch {
		case res.Reject != nil:
			c.Rejects++
			if err := sink.Reject(*res.Reject); err != nil {
				return c, err
			}
		case res.Skip != "":
			c.Skipped++
		default:
			for _, row := range res.Rows {
				c.Rows++
				if err := sink.Row(row); err != nil {
					return c, err
				}
			}
		}
		p.Update(name, c.Records, "records")
	}
}
