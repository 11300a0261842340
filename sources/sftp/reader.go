package sftp

import (
	"context"
	"fmt"
	"io"

	pkgsftp "github.com/pkg/sftp"
)

// streamReader reads a remote file that a goroutine copies into a pipe with
// File.WriteTo (concurrent, pipelined reads). Cancelling the context fails
// the pipe at once, so a read blocked on a stalled server returns.
//
// It keeps ctx, against the usual rule, because the pipeline.Source contract
// binds reads from the stream to the ctx given to Open.
type streamReader struct {
	ctx  context.Context
	pr   *io.PipeReader
	stop func() bool
}

func newStreamReader(ctx context.Context, f *pkgsftp.File, uri string) *streamReader {
	pr, pw := io.Pipe()
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	go func() {
		_, err := f.WriteTo(pw)
		f.Close()
		if err != nil {
			err = fmt.Errorf("reading %q: %w", uri, err)
		}
		pw.CloseWithError(err) // nil reports io.EOF; a cancellation error set first wins
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
