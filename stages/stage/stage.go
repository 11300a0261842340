// Package stage is the third stage: it appends canonical rows into the
// stg_<entity> tables, tagged with run id, file id, a sequence number,
// source position, natural key and a hash of the mapped fields, and
// records rejects. A file is staged whole or not at all.
package stage

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"minisync/pipeline"
	"minisync/store"
)

// Writer stages the rows of one run.
type Writer struct {
	st        *store.Store
	runID     int64
	fileID    int64
	fileName  string
	seq       int64
	conn      driver.Conn
	appenders map[string]*duckdb.Appender
	entities  map[string]pipeline.Entity
	rejects   []pipeline.Reject
}

// NewWriter opens appenders on the stg_ tables of the entities.
func NewWriter(ctx context.Context, st *store.Store, runID int64, entities []pipeline.Entity) (*Writer, error) {
	conn, err := st.Connector().Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to staging database: %w", err)
	}
	w := &Writer{st: st, runID: runID, conn: conn, appenders: map[string]*duckdb.Appender{}, entities: map[string]pipeline.Entity{}}
	for _, e := range entities {
		cols := append([]string{"run_id", "file_id", "seq", "source_pos", "natural_key", "row_hash"}, e.Fields...)
		a, err := duckdb.NewAppenderWithColumns(conn, "", "", "stg_"+e.Name, cols)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("opening appender on stg_%s: %w", e.Name, err)
		}
		w.appenders[e.Name] = a
		w.entities[e.Name] = e
	}
	return w, nil
}

// BeginFile starts staging one file.
func (w *Writer) BeginFile(fileID int64, name string) {
	w.fileID, w.fileName, w.rejects = fileID, name, nil
}

// Row appends one row.
func (w *Writer) Row(r pipeline.Row) error {
	a, ok := w.appenders[r.Entity]
	if !ok {
		return fmt.Errorf("staging row of unknown entity %q", r.Entity)
	}
	w.seq++
	vals := make([]driver.Value, 0, 6+len(r.Values))
	vals = append(vals, w.runID, w.fileID, w.seq, r.Pos, r.Key, RowHash(r.Values))
	for _, v := range r.Values {
		if v == "" {
			vals = append(vals, nil)
		} else {
			vals = append(vals, v)
		}
	}
	if err := a.AppendRow(vals...); err != nil {
		return fmt.Errorf("staging %s %s: %w", r.Entity, r.Key, err)
	}
	return nil
}

// Reject keeps a reject until the file commits.
func (w *Writer) Reject(r pipeline.Reject) error {
	w.rejects = append(w.rejects, r)
	return nil
}

// CommitFile flushes the file's rows and writes its rejects.
func (w *Writer) CommitFile(ctx context.Context) error {
	for name, a := range w.appenders {
		if err := a.Flush(); err != nil {
			return fmt.Errorf("flushing stg_%s: %w", name, err)
		}
	}
	for _, r := range w.rejects {
		_, err := w.st.DB.ExecContext(ctx, `INSERT INTO rejects (run_id, file_id, file, position, entity, natural_key, field, value, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, w.runID, w.fileID, w.fileName, r.Pos, r.Entity, r.Key, r.Field, r.Value, r.Reason)
		if err != nil {
			return fmt.Errorf("recording reject: %w", err)
		}
	}
	w.rejects = nil
	return nil
}

// AbortFile discards everything staged from the current file.
func (w *Writer) AbortFile(ctx context.Context) error {
	for name, a := range w.appenders {
		if err := a.Clear(); err != nil {
			return fmt.Errorf("discarding stg_%s: %w", name, err)
		}
		if _, err := w.st.DB.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE run_id = ? AND file_id = ?`, store.StgTable(name)), w.runID, w.fileID); err != nil {
			return fmt.Errorf("discarding stg_%s: %w", name, err)
		}
	}
	w.rejects = nil
	return nil
}

// Close flushes and closes the appenders and the connection.
func (w *Writer) Close() error {
	var first error
	for name, a := range w.appenders {
		if err := a.Close(); err != nil && first == nil {
			first = fmt.Errorf("closing appender of stg_%s: %w", name, err)
		}
	}
	if err := w.conn.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// RowHash hashes a row's values in field order; NULL and "" hash alike.
func RowHash(values []string) string {
	h := sha256.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
