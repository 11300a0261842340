// Package extract is the first stage: it lists a source's export files,
// fetches each new one atomically into the dated raw archive
// <archive>/<integration>/<export-date>/<name> and registers it in
// raw_files. A file whose content (sha256) is already archived is skipped.
package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"minisync/pipeline"
	"minisync/store"
)

// Options configures one extraction.
type Options struct {
	Integration string
	// ArchiveRoot is the raw archive's root folder.
	ArchiveRoot string
	// ExportDate derives a file's export date from its name and mtime.
	ExportDate func(name string, modTime time.Time) (time.Time, error)
	Logger     *slog.Logger
	Progress   pipeline.Progress
}

// Result says what an extraction did.
type Result struct {
	Listed   int
	Archived []store.RawFile // new files, now in the archive
	Known    []string        // names skipped because their content is archived already
	// Fetched pairs every fetched file (new or known) with the sha256 of
	// its content, for tidying the server up once it is staged.
	Fetched []Fetched
}

// Fetched is a listed file and the content hash it had.
type Fetched struct {
	Remote pipeline.RemoteFile
	SHA256 string
}

// Run fetches the source's new files into the archive.
func Run(ctx context.Context, src pipeline.Source, st *store.Store, o Options) (Result, error) {
	if o.Progress == nil {
		o.Progress = pipeline.NoProgress{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if cs, ok := src.(pipeline.CursorSource); ok {
		cursor, err := st.LastCursor(ctx, o.Integration)
		if err != nil {
			return Result{}, err
		}
		cs.SetCursor(cursor)
	}
	files, err := src.List(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("listing export files: %w", err)
	}
	res := Result{Listed: len(files)}
	for _, f := range files {
		rf, known, err := fetch(ctx, src, st, o, f)
		if err != nil {
			return res, err
		}
		res.Fetched = append(res.Fetched, Fetched{Remote: f, SHA256: rf.SHA256})
		if known {
			res.Known = append(res.Known, f.Name)
			continue
		}
		res.Archived = append(res.Archived, rf)
	}
	return res, nil
}

func fetch(ctx context.Context, src pipeline.Source, st *store.Store, o Options, f pipeline.RemoteFile) (store.RawFile, bool, error) {
	if err := checkName(f.Name); err != nil {
		return store.RawFile{}, false, err
	}
	date, err := o.ExportDate(f.Name, f.ModTime)
	if err != nil {
		return store.RawFile{}, false, err
	}
	base := filepath.Join(o.ArchiveRoot, o.Integration)
	incoming := filepath.Join(base, ".incoming")
	if err := os.MkdirAll(incoming, 0o750); err != nil {
		return store.RawFile{}, false, fmt.Errorf("creating archive folder: %w", err)
	}
	tmp, sum, size, err := download(ctx, src, f, incoming, o.Progress)
	if err != nil {
		return store.RawFile{}, false, err
	}
	defer os.Remove(tmp) // a no-op once renamed
	known, err := st.FileBySHA(ctx, o.Integration, sum)
	if err != nil {
		return store.RawFile{}, false, err
	}
	if known != nil {
		o.Logger.Info("export already archived", "file", f.Name, "sha256", sum[:12], "archived_as", known.ArchivePath)
		return *known, true, nil
	}
	dir := filepath.Join(base, date.Format(time.DateOnly))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return store.RawFile{}, false, fmt.Errorf("creating archive folder: %w", err)
	}
	final, err := archivePath(dir, f.Name, sum)
	if err != nil {
		return store.RawFile{}, false, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return store.RawFile{}, false, fmt.Errorf("moving %s into the archive: %w", f.Name, err)
	}
	if err := syncDir(dir); err != nil {
		return store.RawFile{}, false, err
	}
	rf := store.RawFile{Name: f.Name, URI: f.URI, ExportDate: date, SHA256: sum, Size: size, ArchivePath: final,
		FetchedAt: time.Now().UTC(), Status: store.FileArchived, Cursor: f.Cursor}
	if rf.ID, err = st.AddFile(ctx, o.Integration, rf); err != nil {
		return store.RawFile{}, false, err
	}
	o.Logger.Info("export archived", "file", f.Name, "export_date", date.Format(time.DateOnly), "bytes", size)
	return rf, false, nil
}

// download streams f into a temporary file, hashing it on the way; a
// download shorter or longer than the listed size is refused.
func download(ctx context.Context, src pipeline.Source, f pipeline.RemoteFile, dir string, p pipeline.Progress) (string, string, int64, error) {
	r, err := src.Open(ctx, f)
	if err != nil {
		return "", "", 0, fmt.Errorf("fetching %s: %w", f.URI, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(dir, f.Name+".*.part")
	if err != nil {
		return "", "", 0, fmt.Errorf("creating temporary file: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), &progressReader{r: r, what: f.Name, p: p})
	p.Done()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && f.Size >= 0 && n != f.Size {
		err = fmt.Errorf("got %d bytes, the source listed %d: the download is incomplete", n, f.Size)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", "", 0, fmt.Errorf("fetching %s: %w", f.URI, err)
	}
	return tmp.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
}

// archivePath picks the file's place in the dated folder; a different
// file of the same name and date keeps both, the newer one suffixed with
// its hash.
func archivePath(dir, name, sum string) (string, error) {
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); os.IsNotExist(err) {
		return p, nil
	}
	if existing, err := fileSHA(p); err == nil && existing == sum {
		return p, nil // left by a crash after the rename, before registering
	}
	ext := filepath.Ext(name)
	return filepath.Join(dir, strings.TrimSuffix(name, ext)+"."+sum[:12]+ext), nil
}

func fileSHA(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing archive folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing archive folder: %w", err)
	}
	return nil
}

// checkName refuses names that could leave the archive folder.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("export file name %q is not a plain file name", name)
	}
	return nil
}

type progressReader struct {
	r    io.Reader
	what string
	n    int64
	p    pipeline.Progress
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.n += int64(n)
	pr.p.Update(pr.what, pr.n, "B")
	return n, err
}
