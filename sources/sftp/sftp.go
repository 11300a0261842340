// Package sftp is a pipeline.Source that lists and fetches export files on an
// SFTP server, always verifying the server's host key against known_hosts.
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
	"slices"
	"strconv"
	"strings"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"minisync/pipeline"
)

var _ pipeline.Source = (*Source)(nil)

// Source is a connected SFTP source; Close releases its connection.
type Source struct {
	ssh     *ssh.Client
	client  *pkgsftp.Client
	dir     string // absolute on the server
	glob    string
	uriBase string // sftp://user@host:port, never with a password
	logger  *slog.Logger
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
	c, err := connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	logger.Debug("connected", "dir", c.dir)
	return &Source{
		ssh:     c.ssh,
		client:  c.sftp,
		dir:     c.dir,
		glob:    cfg.Glob,
		uriBase: "sftp://" + cfg.User + "@" + net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		logger:  logger,
	}, nil
}

// List returns the regular files in Dir (symlinks followed) whose names
// match Glob, sorted by name.
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	infos, err := withContext(ctx, func() ([]os.FileInfo, error) {
		return s.client.ReadDirContext(ctx, s.dir)
	}, nil)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("listing %q: %w", s.dir, err)
	}
	var files []pipeline.RemoteFile
	for _, fi := range infos {
		if ok, _ := path.Match(s.glob, fi.Name()); !ok {
			continue
		}
		p := path.Join(s.dir, fi.Name())
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = s.client.Stat(p); err != nil {
				continue // dangling or vanished
			}
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, pipeline.RemoteFile{
			Name: path.Base(p), Path: p, URI: s.uriBase + pipeline.EscapeURIPath(p),
			Size: fi.Size(), ModTime: fi.ModTime(),
		})
	}
	slices.SortFunc(files, func(a, b pipeline.RemoteFile) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

// Open starts streaming a listed file with concurrent reads; it wraps
// pipeline.ErrNotFound when the file is gone. Cancelling ctx makes pending
// and later reads return the context's error at once.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	file, err := withContext(ctx, func() (*pkgsftp.File, error) {
		return s.client.Open(f.Path)
	}, func(f *pkgsftp.File) { f.Close() })
	uri := s.uriBase + pipeline.EscapeURIPath(f.Path)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("opening %q: %w", uri, pipeline.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("opening %q: %w", uri, err)
	}
	return newStreamReader(ctx, file, uri), nil
}

// Close closes the ssh connection and with it the SFTP session. The
// connection goes first: a graceful SFTP close waits for the server, which
// would hang Close on a stalled server.
func (s *Source) Close() error {
	err := s.ssh.Close()
	_ = s.client.Close() // reports only the connection closed above
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("closing sftp source %s: %w", s.uriBase, err)
	}
	return nil
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
