package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned by Source.Open when the file vanished between
// listing and fetching.
var ErrNotFound = errors.New("file not found")

// RemoteFile describes one export file as a source lists it.
type RemoteFile struct {
	// Name is the base name of the file, used in the raw archive.
	Name string
	// Path is the source's own address of the file (a path on the SFTP
	// server or in the local folder), passed back to Open.
	Path string
	// URI identifies the file for humans and the raw_files table, without
	// credentials, e.g. sftp://exports@host:22/out/orders-2026-11-20.xml.
	URI string
	// Size is the size in bytes as listed, or -1 when unknown.
	Size int64
	// ModTime is the modification time as listed.
	ModTime time.Time
	// Cursor is what a CursorSource needs to continue after this file once
	// it is staged (an API time window's end, an HTTP ETag); empty for
	// plain files.
	Cursor string
}

// CursorSource is a source that fetches incrementally (an API window, an
// HTTP export with ETag). Before listing, the runner hands it the cursor
// of the last file that was staged, or "" on the first run; the cursor
// therefore advances only past what was staged.
type CursorSource interface {
	Source
	SetCursor(cursor string)
}

// Source lists and fetches the export files of one integration.
//
// List returns the files that match the source's configured glob, sorted by
// name. Open returns a stream of one listed file; it returns an error
// wrapping ErrNotFound when the file no longer exists. Implementations
// honour ctx cancellation in both calls and in reads from the stream.
type Source interface {
	List(ctx context.Context) ([]RemoteFile, error)
	Open(ctx context.Context, f RemoteFile) (io.ReadCloser, error)
	Close() error
}

// Finisher is a source that tidies up its server once the files it listed
// were staged: moves them into an archive folder or deletes them, as
// configured (by default it leaves them). The runner calls Finish only for
// files whose whole content was staged.
type Finisher interface {
	Finish(ctx context.Context, files []RemoteFile) error
}

// EscapeURIPath escapes a path for a RemoteFile URI: letters outside ASCII
// stay readable, only what would break parsing (controls, space, %, #, ?)
// is percent-encoded.
func EscapeURIPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c == 0x7f || c == '%' || c == '#' || c == '?' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
