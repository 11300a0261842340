// Package sftp is a pipeline.Source that lists and fetches export files on an
// SFTP server, always verifying the server's host key against known_hosts.
//
// A download that loses its connection (dropped, or stalled longer than
// IdleTimeout) reconnects and resumes at the byte it reached, provided the
// file's size and mtime did not change meanwhile.
package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	pkgsftp "github.com/pkg/sftp"

	"minisync/pipeline"
	"minisync/sources/sourceutil"
)

var (
	_ pipeline.Source   = (*Source)(nil)
	_ pipeline.Finisher = (*Source)(nil)
)

var (
	// ErrChanged means an export file changed (size or mtime) while it was
	// being downloaded, so the bytes read so far cannot be resumed.
	ErrChanged = errors.New("export changed while being read")
	// ErrStalled means the server sent nothing for IdleTimeout.
	ErrStalled = errors.New("sftp server stalled")
)

// Source is an SFTP source; Close releases its connection. It reconnects
// when its connection was lost.
type Source struct {
	cfg      Config
	glob     []string
	after    string // "", "archive" or "delete"
	afterDir string
	uriBase  string // sftp://user@host:port, never with a password
	logger   *slog.Logger

	mu     sync.Mutex
	conn   *conn // nil after a loss, until the next operation reconnects
	closed bool
}

// New validates cfg, dials, verifies the host key and authenticates (logger
// may be nil). It returns errors wrapping ErrUnknownHost, ErrHostKeyMismatch
// or ErrAuth.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("host", cfg.Host, "port", cfg.Port, "user", cfg.User) // the caller names the group
	glob, _ := sourceutil.SplitGlob(cfg.Glob)
	after, afterDir, _ := sourceutil.ParseAfterSuccess(cfg.AfterSuccess)
	c, err := connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	logger.Debug("connected", "dir", c.dir)
	return &Source{
		cfg:      cfg,
		glob:     glob,
		after:    after,
		afterDir: afterDir,
		uriBase:  "sftp://" + cfg.User + "@" + net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		logger:   logger,
		conn:     c,
	}, nil
}

// List returns the regular files (symlinks followed) matching Glob below
// Dir, sorted by name. Path is the full remote path; with directory parts in
// Glob, Name is "<folders>_<base>" (see Config.Glob). Two files mapping to
// the same Name are an error.
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var files []pipeline.RemoteFile
	err := s.withConn(ctx, func(c *conn) error {
		files = files[:0]
		return s.walk(ctx, c, c.dir, "", s.glob, &files)
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if err := sourceutil.SortByName(files); err != nil {
		return nil, err
	}
	return files, nil
}

// walk lists dir and descends into the folders matching the next glob part.
func (s *Source) walk(ctx context.Context, c *conn, dir, rel string, parts []string, out *[]pipeline.RemoteFile) error {
	infos, err := call(ctx, s.cfg.IdleTimeout, func() ([]os.FileInfo, error) {
		return c.sftp.ReadDirContext(ctx, dir)
	}, nil)
	if err != nil {
		if rel != "" && errors.Is(err, fs.ErrNotExist) {
			return nil // a folder vanished while listing
		}
		return fmt.Errorf("listing %q: %w", dir, err)
	}
	last := len(parts) == 1
	for _, fi := range infos {
		name := fi.Name()
		if ok, _ := path.Match(parts[0], name); !ok {
			continue
		}
		p := path.Join(dir, name)
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = call(ctx, s.cfg.IdleTimeout, func() (os.FileInfo, error) { return c.sftp.Stat(p) }, nil); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue // dangling or vanished
			}
		}
		if !last {
			if fi.IsDir() && sourceutil.Descend(parts[0], name) {
				if err := s.walk(ctx, c, p, path.Join(rel, name), parts[1:], out); err != nil {
					return err
				}
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		*out = append(*out, pipeline.RemoteFile{
			Name: sourceutil.FileName(rel, name), Path: p, URI: s.uriBase + pipeline.EscapeURIPath(p),
			Size: fi.Size(), ModTime: fi.ModTime(),
		})
	}
	return nil
}

// Open starts streaming a listed file with concurrent reads; it wraps
// pipeline.ErrNotFound when the file is gone. Cancelling ctx makes pending
// and later reads return the context's error at once. When the connection
// drops or stalls mid-file, the stream reconnects up to Retries times and
// resumes; it fails wrapping ErrChanged when the file's size or mtime
// changed meanwhile.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	uri := s.uriBase + pipeline.EscapeURIPath(f.Path)
	var (
		c    *conn
		file *pkgsftp.File
		fi   os.FileInfo
	)
	err := s.withConn(ctx, func(cc *conn) error {
		var err error
		c = cc
		file, fi, err = openStat(ctx, cc, f.Path, s.cfg.IdleTimeout)
		return err
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("opening %q: %w", uri, pipeline.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("opening %q: %w", uri, err)
	}
	t := &transfer{src: s, path: f.Path, uri: uri, want: fi}
	return newStreamReader(ctx, t, c, file), nil
}

// openStat opens p and stats the open file.
func openStat(ctx context.Context, c *conn, p string, idle time.Duration) (*pkgsftp.File, os.FileInfo, error) {
	file, err := call(ctx, idle, func() (*pkgsftp.File, error) { return c.sftp.Open(p) }, func(f *pkgsftp.File) { f.Close() })
	if err != nil {
		return nil, nil, err
	}
	fi, err := call(ctx, idle, file.Stat, nil)
	if err != nil {
		go file.Close() // may wait for a stalled server
		return nil, nil, err
	}
	return file, fi, nil
}

// Finish applies AfterSuccess to files, which this source listed: it
// renames them into the archive folder or removes them. A file already gone
// is skipped. It tries every file and returns their errors joined.
func (s *Source) Finish(ctx context.Context, files []pipeline.RemoteFile) error {
	if s.after == "" || len(files) == 0 {
		return nil
	}
	return s.withConn(ctx, func(c *conn) error {
		return s.finish(ctx, c, files)
	})
}

func (s *Source) finish(ctx context.Context, c *conn, files []pipeline.RemoteFile) error {
	idle := s.cfg.IdleTimeout
	dir := s.afterDir
	if s.after == "archive" {
		if !path.IsAbs(dir) {
			dir = path.Join(c.dir, dir)
		}
		if _, err := call(ctx, idle, func() (struct{}, error) { return struct{}{}, c.sftp.MkdirAll(dir) }, nil); err != nil {
			return fmt.Errorf("creating archive folder %q: %w", dir, err)
		}
	}
	var errs []error
	done := 0
	for _, f := range files {
		p := path.Clean(f.Path)
		if !strings.HasPrefix(p, strings.TrimSuffix(c.dir, "/")+"/") {
			errs = append(errs, fmt.Errorf("finishing %q: not below Dir %q", f.Path, c.dir))
			continue
		}
		var err error
		switch s.after {
		case "delete":
			_, err = call(ctx, idle, func() (struct{}, error) { return struct{}{}, c.sftp.Remove(p) }, nil)
		case "archive":
			err = s.archive(ctx, c, p, dir, f.Name)
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, fs.ErrNotExist):
			s.logger.Warn("export vanished before finishing", "path", p)
		case err != nil:
			errs = append(errs, fmt.Errorf("finishing %q (%s): %w", p, s.cfg.AfterSuccess, err))
		default:
			done++
		}
	}
	s.logger.Info("finished exports on the server", "after_success", s.cfg.AfterSuccess, "files", done)
	return errors.Join(errs...)
}

// archive renames p into dir as name, or as name stamped with the time
// when the archive already holds that name.
func (s *Source) archive(ctx context.Context, c *conn, p, dir, name string) error {
	target := path.Join(dir, name)
	if _, err := call(ctx, s.cfg.IdleTimeout, func() (os.FileInfo, error) { return c.sftp.Lstat(target) }, nil); err == nil {
		ext := path.Ext(name)
		target = path.Join(dir, strings.TrimSuffix(name, ext)+"."+time.Now().UTC().Format("20060102T150405.000000000Z")+ext)
	}
	_, err := call(ctx, s.cfg.IdleTimeout, func() (struct{}, error) { return struct{}{}, c.sftp.Rename(p, target) }, nil)
	return err
}

// Close closes the ssh connection and with it the SFTP session. The
// connection goes first: a graceful SFTP close waits for the server, which
// would hang Close on a stalled server.
func (s *Source) Close() error {
	s.mu.Lock()
	c := s.conn
	s.conn, s.closed = nil, true
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	err := c.ssh.Close()
	_ = c.sftp.Close() // reports only the connection closed above
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("closing sftp source %s: %w", s.uriBase, err)
	}
	return nil
}

// errClosed is returned by operations on a closed source.
var errClosed = errors.New("sftp source is closed")

// getConn returns the live connection, reconnecting after a loss.
func (s *Source) getConn(ctx context.Context) (*conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if s.conn != nil {
		return s.conn, nil
	}
	c, err := connect(ctx, s.cfg, s.logger)
	if err != nil {
		return nil, err
	}
	s.logger.Info("reconnected", "dir", c.dir)
	s.conn = c
	return c, nil
}

// drop closes c after a loss; the next operation reconnects.
func (s *Source) drop(c *conn) {
	s.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	s.mu.Unlock()
	c.ssh.Close()
	go c.sftp.Close()
}

// withConn runs fn on the live connection; when fn fails because the
// connection was lost or stalled, it reconnects and runs fn once more.
func (s *Source) withConn(ctx context.Context, fn func(*conn) error) error {
	for attempt := 0; ; attempt++ {
		c, err := s.getConn(ctx)
		if err != nil {
			return err
		}
		err = fn(c)
		if err == nil || ctx.Err() != nil || !connLost(err) {
			return err
		}
		s.drop(c)
		if attempt > 0 || s.cfg.Retries < 0 {
			return err
		}
		s.logger.Warn("sftp connection lost, reconnecting", "err", err)
	}
}

// connLost reports whether err means the connection is gone or stalled.
func connLost(err error) bool {
	return errors.Is(err, ErrStalled) || errors.Is(err, pkgsftp.ErrSSHFxConnectionLost) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrClosed)
}

// call runs fn, a call that ignores ctx, and returns early with ctx's error
// when ctx is done first, or with an error wrapping ErrStalled after idle;
// cleanup then receives fn's late result.
func call[T any](ctx context.Context, idle time.Duration, fn func() (T, error), cleanup func(T)) (T, error) {
	opCtx, cancel := context.WithTimeoutCause(ctx, idle, fmt.Errorf("no answer within %s: %w", idle, ErrStalled))
	defer cancel()
	v, err := withContext(opCtx, fn, cleanup)
	if err != nil && ctx.Err() == nil && opCtx.Err() != nil {
		return v, context.Cause(opCtx)
	}
	return v, err
}

// withContext runs fn, a call that ignores ctx, and returns early with ctx's
// error when ctx is done first; cleanup then receives fn's late result.
func withContext[T any](ctx context.Context, fn func() (T, error), cleanup func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.err == nil && cleanup != nil {
				cleanup(r.v)
			}
		}()
		var zero T
		return zero, ctx.Err()
	}
}
