package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	pkgsftp "github.com/pkg/sftp"
)

// maxBackoff caps the wait between reconnects.
const maxBackoff = 30 * time.Second

// streamReader reads a remote file that a goroutine copies into a pipe with
// File.WriteTo (concurrent, pipelined reads), reconnecting and resuming
// when the connection is lost. Cancelling the context fails the pipe at
// once, so a read blocked on a stalled server returns.
//
// It keeps ctx, against the usual rule, because the pipeline.Source contract
// binds reads from the stream to the ctx given to Open.
type streamReader struct {
	ctx  context.Context
	pr   *io.PipeReader
	stop func() bool
}

func newStreamReader(ctx context.Context, t *transfer, c *conn, f *pkgsftp.File) *streamReader {
	pr, pw := io.Pipe()
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	go func() {
		pw.CloseWithError(t.run(ctx, c, f, pw)) // nil reports io.EOF; a cancellation error set first wins
	}()
	return &streamReader{ctx: ctx, pr: pr, stop: stop}
}

// Read reads the next bytes of the file, or fails with ctx's error once ctx
// is done.
func (r *streamReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.pr.Read(p)
}

// Close stops the transfer; the copying goroutine closes the remote file.
func (r *streamReader) Close() error {
	r.stop()
	return r.pr.Close()
}

// transfer is one download: the file as first opened and how far it got.
type transfer struct {
	src  *Source
	path string
	uri  string
	want os.FileInfo // size and mtime when opened
	off  int64       // bytes delivered to the pipe
}

// run copies the file into w from the start, resuming after losses.
func (t *transfer) run(ctx context.Context, c *conn, f *pkgsftp.File, w io.Writer) error {
	s := t.src
	backoff := s.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		var err error
		if attempt > 0 {
			c, f, err = t.reopen(ctx)
		}
		if err == nil {
			err = t.copy(c, f, w)
		}
		var werr *writeError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &werr):
			return werr.err // the reader went away or ctx was cancelled
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrChanged) || errors.Is(err, ErrAuth) || errors.Is(err, ErrHostKeyMismatch) ||
			errors.Is(err, ErrUnknownHost) || errors.Is(err, errClosed):
			return fmt.Errorf("reading %q: %w", t.uri, err)
		case attempt >= s.cfg.Retries:
			return fmt.Errorf("reading %q at byte %d after %d reconnects: %w", t.uri, t.off, attempt, err)
		}
		if c != nil {
			s.drop(c)
		}
		s.logger.Warn("download interrupted, resuming", "path", t.path, "offset", t.off, "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// copy streams f from its offset into w, closing the connection when the
// server sends nothing for IdleTimeout so the copy fails instead of hanging.
func (t *transfer) copy(c *conn, f *pkgsftp.File, w io.Writer) error {
	var stalled atomic.Bool
	wd := time.AfterFunc(t.src.cfg.IdleTimeout, func() {
		stalled.Store(true)
		c.ssh.Close()
	})
	cw := &countingWriter{w: w, n: &t.off, wd: wd, idle: t.src.cfg.IdleTimeout}
	_, err := f.WriteTo(cw)
	wd.Stop()
	go f.Close() // a graceful close waits for the server
	switch {
	case cw.err != nil:
		return &writeError{cw.err}
	case err != nil && stalled.Load():
		return fmt.Errorf("no data for %s: %w", t.src.cfg.IdleTimeout, ErrStalled)
	}
	return err
}

// reopen reconnects, checks the file did not change and seeks to the
// offset reached. It returns the connection even on error so it can be
// dropped.
func (t *transfer) reopen(ctx context.Context) (*conn, *pkgsftp.File, error) {
	c, err := t.src.getConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, fi, err := openStat(ctx, c, t.path, t.src.cfg.IdleTimeout)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil, fmt.Errorf("%w: the file vanished", ErrChanged)
	}
	if err != nil {
		return c, nil, err
	}
	if fi.Size() != t.want.Size() || !fi.ModTime().Equal(t.want.ModTime()) {
		go f.Close()
		return c, nil, fmt.Errorf("%w: size %d, mtime %s became size %d, mtime %s", ErrChanged,
			t.want.Size(), t.want.ModTime().UTC().Format(time.RFC3339), fi.Size(), fi.ModTime().UTC().Format(time.RFC3339))
	}
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		go f.Close()
		return c, nil, err
	}
	return c, f, nil
}

// countingWriter counts the bytes written and pauses the stall watchdog
// while the reader is slow to take them.
type countingWriter struct {
	w    io.Writer
	n    *int64
	wd   *time.Timer
	idle time.Duration
	err  error
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	cw.wd.Stop()
	n, err := cw.w.Write(p)
	*cw.n += int64(n)
	if err != nil {
		cw.err = err
		return n, err
	}
	cw.wd.Reset(cw.idle)
	return n, nil
}

// writeError marks a failure to hand bytes to the reader, which ends the
// transfer without a retry.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
