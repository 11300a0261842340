// Package local is a pipeline.Source that reads export files from a folder.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"minisync/pipeline"
)

var _ pipeline.Source = (*Source)(nil)

// Source lists and opens the files of one local folder.
type Source struct {
	dir  string // absolute
	glob string
}

// New validates cfg and returns a Source for its folder.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolving local source Dir %q: %w", cfg.Dir, err)
	}
	return &Source{dir: dir, glob: cfg.Glob}, nil
}

// List returns the regular files (symlinks followed) whose names match the
// glob, sorted by name.
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", s.dir, err)
	}
	var files []pipeline.RemoteFile
	for _, e := range entries {
		if ok, _ := path.Match(s.glob, e.Name()); !ok {
			continue
		}
		full := filepath.Join(s.dir, e.Name())
		fi, err := os.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue // vanished while listing
		}
		if err != nil {
			return nil, fmt.Errorf("listing %q: %w", full, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, pipeline.RemoteFile{
			Name:    e.Name(),
			Path:    full,
			URI:     fileURI(full),
			Size:    fi.Size(),
			ModTime: fi.ModTime(),
		})
	}
	return files, nil
}

// Open opens a listed file; it wraps pipeline.ErrNotFound when the file is
// gone. Reads fail with the context's error once ctx is done.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r, err := filepath.Rel(s.dir, f.Path); err != nil || r == "." || strings.HasPrefix(r, "..") || filepath.IsAbs(r) {
		return nil, fmt.Errorf("opening %q: path is outside %q", f.Path, s.dir)
	}
	file, err := os.Open(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening %q: %w", f.Path, pipeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", f.Path, err)
	}
	return newCtxReader(ctx, file), nil
}

// Close releases nothing; a local source holds no connection.
func (s *Source) Close() error { return nil }
