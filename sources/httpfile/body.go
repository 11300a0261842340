package httpfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// body reads a response body bound to the context given to Open, bounded
// by MaxSize and cancelled when the server sends nothing for Timeout.
//
// It keeps ctx, against the usual rule, because the pipeline.Source contract
// binds reads from the stream to the ctx given to Open.
type body struct {
	ctx     context.Context
	r       *response
	stop    func() bool
	idle    *time.Timer
	timeout time.Duration
	uri     string
	max     int64
	n       int64
}

func newBody(ctx context.Context, r *response, uri string, maxSize int64, timeout time.Duration) *body {
	idle := time.AfterFunc(timeout, func() {
		r.cancel(fmt.Errorf("no data for %s: %w", timeout, ErrStalled))
	})
	idle.Stop()
	return &body{
		ctx: ctx, r: r, idle: idle, timeout: timeout, uri: uri, max: maxSize,
		stop: context.AfterFunc(ctx, func() { r.cancel(ctx.Err()) }),
	}
}

// Read reads the next bytes of the body.
func (b *body) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if rest := b.max - b.n + 1; int64(len(p)) > rest {
		p = p[:rest]
	}
	b.idle.Reset(b.timeout)
	n, err := b.r.resp.Body.Read(p)
	b.idle.Stop()
	b.n += int64(n)
	if b.n > b.max {
		return n, fmt.Errorf("reading %s: %w (%d bytes)", b.uri, ErrTooLarge, b.max)
	}
	if err == nil || errors.Is(err, io.EOF) {
		return n, err
	}
	if cerr := b.ctx.Err(); cerr != nil {
		return n, cerr
	}
	if cause := context.Cause(b.r.resp.Request.Context()); errors.Is(cause, ErrStalled) {
		return n, fmt.Errorf("reading %s: %w", b.uri, cause)
	}
	return n, fmt.Errorf("reading %s at byte %d: %w", b.uri, b.n, err)
}

// Close closes the body and ends its request.
func (b *body) Close() error {
	b.stop()
	b.idle.Stop()
	b.r.close()
	return nil
}
