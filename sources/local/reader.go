package local

import (
	"context"
	"io"
	"minisync/pipeline"
	"path/filepath"
	"strings"
)

// ctxReader fails reads with ctx's error once ctx is done, and closes its
// file then so that a blocked read (a stalled network mount) returns too.
//
// It keeps ctx, against the usual rule, because the pipeline.Source contract
// binds reads from the stream to the ctx given to Open.
type ctxReader struct {
	ctx  context.Context
	rc   io.ReadCloser
	stop func() bool
}

func newCtxReader(ctx context.Context, rc io.ReadCloser) *ctxReader {
	return &ctxReader{ctx: ctx, rc: rc, stop: context.AfterFunc(ctx, func() { rc.Close() })}
}

// Read reads from the file, or returns the context's error once it is done.
func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.rc.Read(p)
	if err != nil {
		if cerr := r.ctx.Err(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}

// Close closes the file unless cancellation already did.
func (r *ctxReader) Close() error {
	if !r.stop() {
		return nil // the AfterFunc ran and closed the file
	}
	return r.rc.Close()
}

// fileURI renders an absolute path as a file URI, keeping non-ASCII letters
// readable and escaping only what would break parsing.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letters: file:///C:/x
	}
	return "file://" + pipeline.EscapeURIPath(p)
}
