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
	"time"

	"minisync/pipeline"
	"minisync/sources/sourceutil"
)

var (
	_ pipeline.Source   = (*Source)(nil)
	_ pipeline.Finisher = (*Source)(nil)
)

// Source lists and opens the files of one local folder.
type Source struct {
	dir      string // absolute
	glob     []string
	after    string // "", "archive" or "delete"
	afterDir string // absolute
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
	glob, _ := sourceutil.SplitGlob(cfg.Glob)
	after, afterDir, _ := sourceutil.ParseAfterSuccess(cfg.AfterSuccess)
	if after == "archive" && !filepath.IsAbs(afterDir) {
		afterDir = filepath.Join(dir, filepath.FromSlash(afterDir))
	}
	return &Source{dir: dir, glob: glob, after: after, afterDir: afterDir}, nil
}

// List returns the regular files (symlinks followed) matching the glob below
// the folder, sorted by name. With directory parts in the glob, Name is
// "<folders>_<base>" (see Config.Glob); two files mapping to the same Name
// are an error.
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var files []pipeline.RemoteFile
	if err := s.walk(ctx, s.dir, "", s.glob, &files); err != nil {
		return nil, err
	}
	if err := sourceutil.SortByName(files); err != nil {
		return nil, err
	}
	return files, nil
}

func (s *Source) walk(ctx context.Context, dir, rel string, parts []string, out *[]pipeline.RemoteFile) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if rel != "" && errors.Is(err, fs.ErrNotExist) {
			return nil // a folder vanished while listing
		}
		return fmt.Errorf("listing %q: %w", dir, err)
	}
	last := len(parts) == 1
	for _, e := range entries {
		if ok, _ := path.Match(parts[0], e.Name()); !ok {
			continue
		}
		full := filepath.Join(dir, e.Name())
		fi, err := os.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue // vanished while listing, or a dangling symlink
		}
		if err != nil {
			return fmt.Errorf("listing %q: %w", full, err)
		}
		if !last {
			if fi.IsDir() && sourceutil.Descend(parts[0], e.Name()) {
				if err := s.walk(ctx, full, path.Join(rel, e.Name()), parts[1:], out); err != nil {
					return err
				}
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		*out = append(*out, pipeline.RemoteFile{
			Name:    sourceutil.FileName(rel, e.Name()),
			Path:    full,
			URI:     fileURI(full),
			Size:    fi.Size(),
			ModTime: fi.ModTime(),
		})
	}
	return nil
}

// Open opens a listed file; it wraps pipeline.ErrNotFound when the file is
// gone. Reads fail with the context's error once ctx is done.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.inside(f.Path) {
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

// inside reports whether p lies below the folder.
func (s *Source) inside(p string) bool {
	r, err := filepath.Rel(s.dir, p)
	return err == nil && r != "." && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// Finish applies AfterSuccess to files, which this source listed: it moves
// them into the archive folder or removes them. A file already gone is
// skipped. It tries every file and returns their errors joined.
func (s *Source) Finish(ctx context.Context, files []pipeline.RemoteFile) error {
	if s.after == "" || len(files) == 0 {
		return nil
	}
	if s.after == "archive" {
		if err := os.MkdirAll(s.afterDir, 0o750); err != nil {
			return fmt.Errorf("creating archive folder: %w", err)
		}
	}
	var errs []error
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !s.inside(f.Path) {
			errs = append(errs, fmt.Errorf("finishing %q: path is outside %q", f.Path, s.dir))
			continue
		}
		var err error
		switch s.after {
		case "delete":
			err = os.Remove(f.Path)
		case "archive":
			err = archive(f.Path, s.afterDir, f.Name)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("finishing %q: %w", f.Path, err))
		}
	}
	return errors.Join(errs...)
}

// archive moves p into dir as name, or as name stamped with the time when
// dir already holds that name.
func archive(p, dir, name string) error {
	target := filepath.Join(dir, name)
	if _, err := os.Lstat(target); err == nil {
		ext := filepath.Ext(name)
		target = filepath.Join(dir, strings.TrimSuffix(name, ext)+"."+time.Now().UTC().Format("20060102T150405.000000000Z")+ext)
	}
	if _, err := os.Lstat(p); err != nil {
		return err
	}
	return os.Rename(p, target)
}

// Close releases nothing; a local source holds no connection.
func (s *Source) Close() error { return nil }
