package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Raw file statuses.
const (
	FileArchived  = "archived"  // fetched, not yet processed
	FileProcessed = "processed" // staged by a run
	FileFailed    = "failed"    // unreadable; see error
)

// RawFile is one row of raw_files: an export file in the raw archive.
type RawFile struct {
	ID          int64
	Name        string
	URI         string
	ExportDate  time.Time
	SHA256      string
	Size        int64
	ArchivePath string
	FetchedAt   time.Time
	Status      string
	Cursor      string // a CursorSource's position after this file
}

// FileBySHA returns the archived file with this content, or nil.
func (s *Store) FileBySHA(ctx context.Context, integration, sha string) (*RawFile, error) {
	files, err := s.files(ctx, `WHERE integration = ? AND sha256 = ?`, integration, sha)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return &files[0], nil
}

// AddFile registers a file that was just archived and returns its id.
func (s *Store) AddFile(ctx context.Context, integration string, f RawFile) (int64, error) {
	var id int64
	var cursor any
	if f.Cursor != "" {
		cursor = f.Cursor
	}
	err := s.DB.QueryRowContext(ctx, `INSERT INTO raw_files (file_id, integration, name, uri, export_date, sha256, size, archive_path, fetched_at, status, cursor)
		VALUES (nextval('file_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING file_id`,
		integration, f.Name, f.URI, f.ExportDate.Format(time.DateOnly), f.SHA256, f.Size, f.ArchivePath, f.FetchedAt, FileArchived, cursor).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("registering raw file %s: %w", f.Name, err)
	}
	return id, nil
}

// PendingFiles returns archived files no run has processed yet, oldest
// export date first.
func (s *Store) PendingFiles(ctx context.Context, integration string) ([]RawFile, error) {
	return s.files(ctx, `WHERE integration = ? AND status = ?`, integration, FileArchived)
}

// FilesOfDate returns every archived file of one export date (for replay).
func (s *Store) FilesOfDate(ctx context.Context, integration string, date time.Time) ([]RawFile, error) {
	return s.files(ctx, `WHERE integration = ? AND export_date = ?`, integration, date.Format(time.DateOnly))
}

// MarkFile records the outcome of processing a file.
func (s *Store) MarkFile(ctx context.Context, id, runID int64, status string, records int64, fileErr error) error {
	var msg any
	if fileErr != nil {
		msg = fileErr.Error()
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE raw_files SET status = ?, run_id = ?, records = ?, error = ? WHERE file_id = ?`,
		status, runID, records, msg, id)
	if err != nil {
		return fmt.Errorf("marking raw file %d: %w", id, err)
	}
	return nil
}

func (s *Store) files(ctx context.Context, where string, args ...any) ([]RawFile, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT file_id, name, uri, export_date, sha256, size, archive_path, fetched_at, status
		FROM raw_files `+where+` ORDER BY export_date, name, file_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading raw_files: %w", err)
	}
	defer rows.Close()
	var out []RawFile
	for rows.Next() {
		var f RawFile
		if err := rows.Scan(&f.ID, &f.Name, &f.URI, &f.ExportDate, &f.SHA256, &f.Size, &f.ArchivePath, &f.FetchedAt, &f.Status); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}

// LastCursor returns the cursor of the newest staged file that has one,
// or "" when none has.
func (s *Store) LastCursor(ctx context.Context, integration string) (string, error) {
	var c sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT cursor FROM raw_files WHERE integration = ? AND status = ? AND cursor IS NOT NULL
		ORDER BY file_id DESC LIMIT 1`, integration, FileProcessed).Scan(&c)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the source cursor: %w", err)
	}
	return c.String, nil
}
