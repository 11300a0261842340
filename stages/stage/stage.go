// Package stage is the third stage: it appends canonical rows into the
// stg_<entity> tables, tagged with run id, file id, a sequence number,
// source position, natural key and a hash of the mapped fields, and
// records rejects. A file is staged whole or not at all.
//
// Rows are appended on several lanes at once, each a DuckDB connection with
// its own appenders, one per worker goroutine; the sequence number keeps
// the file's order whichever lane appended a row. Each lane appends inside
// a transaction that commits with the file, so a failed or interrupted
// file leaves no row behind, and rows move from the appenders' buffers
// into the transaction every laneFlushRows rows, where DuckDB's memory
// limit governs them (it writes large appends straight to the file).
package stage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"minisync/pipeline"
	"minisync/store"
)

// laneFlushRows is how many rows a lane's appenders buffer before moving
// them into the transaction. Each move is an insert query in DuckDB, with
// its scheduling; 16 chunks of 2048 rows keep that cost small (flushing
// every 2 chunks made staging 7 % slower) while the buffers, which DuckDB's
// memory limit does not govern, stay around ten megabytes per lane.
const laneFlushRows = 16 * 2048

// stagingThreads is DuckDB's thread count while a run stages. Each lane
// moves its rows into DuckDB on its own goroutine, and the lanes already
// keep every core busy; with more threads a lane's insert runs partly on
// DuckDB's workers while the lane's thread polls DuckDB's task queue
// until they finish, spending a core on waiting (~7 % of a CSV's staging
// CPU). On one thread each insert runs on its lane's thread only: a 1 GB
// UNAS export and a million-row CSV stage ~4–5 % faster.
const stagingThreads = 1

// Limits of the sequence number seq = file<<40 | batch<<20 | row: a run
// of up to 2^23 files, each of up to 2^20 batches of up to 2^20 rows.
const (
	batchBits = 20
	rowBits   = 20
	fileBits  = 63 - batchBits - rowBits
)

// Writer stages the rows of one run.
type Writer struct {
	st       *store.Store
	runID    int64
	entities []pipeline.Entity

	mu       sync.Mutex
	lanes    []*Lane // every lane opened
	idle     []*Lane // lanes not held by a worker
	fileID   int64
	fileName string
	fileNo   int64 // files begun in this run, for seq
	rejects  []pipeline.Reject
	threads  int64      // DuckDB's thread count before staging, set back by Close
	floor    *heapFloor // Go's heap floor while staging, stopped by Close
}

// NewWriter prepares staging for a run; lanes open on first use. DuckDB
// runs on stagingThreads threads, and Go's collector waits for a heap of
// stagingHeapFloor, until Close.
func NewWriter(ctx context.Context, st *store.Store, runID int64, entities []pipeline.Entity) (*Writer, error) {
	threads, err := st.Threads(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.SetThreads(ctx, stagingThreads); err != nil {
		return nil, err
	}
	w := &Writer{st: st, runID: runID, entities: entities, threads: threads,
		floor: startHeapFloor(stagingHeapFloor, 10*time.Millisecond)}
	l, err := w.Lane() // fail early when the tables cannot take rows
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	l.Done()
	return w, nil
}

// BeginFile starts staging one file.
func (w *Writer) BeginFile(fileID int64, name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fileID, w.fileName, w.rejects = fileID, name, nil
	w.fileNo++
}

// Lane hands out a lane for one goroutine, bound to the current file;
// give it back with Done.
func (w *Writer) Lane() (*Lane, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var l *Lane
	if n := len(w.idle); n > 0 {
		l, w.idle = w.idle[n-1], w.idle[:n-1]
	} else {
		var err error
		if l, err = w.openLane(); err != nil {
			return nil, err
		}
		w.lanes = append(w.lanes, l)
	}
	if l.tx == nil {
		tx, err := l.conn.(driver.ConnBeginTx).BeginTx(context.Background(), driver.TxOptions{})
		if err != nil {
			w.idle = append(w.idle, l)
			return nil, fmt.Errorf("staging: beginning a transaction: %w", err)
		}
		l.tx = tx
	}
	l.runID, l.fileID, l.fileNo = w.runID, w.fileID, w.fileNo
	return l, nil
}

// openLane opens a connection with an appender on each stg_ table.
func (w *Writer) openLane() (*Lane, error) {
	conn, err := w.st.Connector().Connect(context.Background())
	if err != nil {
		return nil, fmt.Errorf("connecting to staging database: %w", err)
	}
	l := &Lane{w: w, conn: conn, appenders: map[string]*chunkAppender{}}
	raw, err := rawConn(conn)
	if err != nil {
		l.close()
		return nil, err
	}
	for _, e := range w.entities {
		cols := append([]string{"run_id", "file_id", "seq", "source_pos", "natural_key", "row_hash"}, e.Fields...)
		a, err := newChunkAppender(raw, "stg_"+e.Name, cols)
		if err != nil {
			l.close()
			return nil, err
		}
		l.appenders[e.Name] = a
	}
	return l, nil
}

// Lane appends rows on one goroutine through its own connection.
type Lane struct {
	w         *Writer
	conn      driver.Conn
	appenders map[string]*chunkAppender
	ints      [3]int64 // run_id, file_id, seq of each row
	strs      []string // the row's text columns, reused for each row
	hash      []byte   // a row's hash when the row comes without one
	// the file being staged when the lane was handed out
	runID, fileID, fileNo int64
	tx                    driver.Tx // open while the lane holds rows of the file
	pending               int       // rows appended since the last flush
}

// Row appends r, row number n (0-based) of batch b (0-based) of the
// current file; the pair orders the file's rows.
func (l *Lane) Row(b int64, n int, r pipeline.Row) error {
	a, ok := l.appenders[r.Entity]
	if !ok {
		return fmt.Errorf("staging row of unknown entity %q", r.Entity)
	}
	fileNo := l.fileNo
	if b >= 1<<batchBits || n >= 1<<rowBits || fileNo >= 1<<fileBits {
		return fmt.Errorf("staging %s %s: file too large to order (batch %d, row %d of the batch, file %d of the run)", r.Entity, r.Key, b, n, fileNo)
	}
	if r.Hash == "" {
		// Into the lane's buffer: the appender copies it before the next row.
		l.hash = pipeline.AppendHash(l.hash[:0], r.Values)
		r.Hash = unsafe.String(unsafe.SliceData(l.hash), len(l.hash))
	}
	l.ints = [3]int64{l.runID, l.fileID, fileNo<<(batchBits+rowBits) | b<<rowBits | int64(n)}
	l.strs = append(append(l.strs[:0], r.Pos, r.Key, r.Hash), r.Values...)
	if err := a.row(l.ints[:], l.strs); err != nil {
		return fmt.Errorf("staging %s %s: %w", r.Entity, r.Key, err)
	}
	if l.pending++; l.pending >= laneFlushRows {
		return l.flush()
	}
	return nil
}

// flush moves the lane's buffered rows into its transaction.
func (l *Lane) flush() error {
	l.pending = 0
	for _, a := range l.appenders {
		if err := a.flush(); err != nil {
			return err
		}
	}
	return nil
}

// commit flushes the lane and commits its transaction.
func (l *Lane) commit() error {
	if err := l.flush(); err != nil {
		return err
	}
	if l.tx == nil {
		return nil
	}
	tx := l.tx
	l.tx = nil
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing staged rows: %w", err)
	}
	return nil
}

// rollback discards the lane's buffered rows and its transaction.
func (l *Lane) rollback() error {
	var first error
	for _, a := range l.appenders {
		if err := a.clear(); err != nil && first == nil {
			first = err
		}
	}
	l.pending = 0
	if l.tx != nil {
		tx := l.tx
		l.tx = nil
		if err := tx.Rollback(); err != nil && first == nil {
			first = fmt.Errorf("discarding staged rows: %w", err)
		}
	}
	return first
}

// Done gives the lane back to the writer.
func (l *Lane) Done() {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	l.w.idle = append(l.w.idle, l)
}

// close closes the lane's appenders and connection.
func (l *Lane) close() error {
	for _, a := range l.appenders {
		a.close()
	}
	return l.conn.Close()
}

// Reject keeps a reject until the file commits.
func (w *Writer) Reject(r pipeline.Reject) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rejects = append(w.rejects, r)
	return nil
}

// CommitFile commits the file's rows, every lane at once, and writes its
// rejects. No lane may be in use.
func (w *Writer) CommitFile(ctx context.Context) error {
	errs := make([]error, len(w.lanes))
	var wg sync.WaitGroup
	for i, l := range w.lanes {
		wg.Go(func() { errs[i] = l.commit() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
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

// AbortFile discards everything staged from the current file. No lane may
// be in use.
func (w *Writer) AbortFile(ctx context.Context) error {
	var errs []error
	for _, l := range w.lanes {
		errs = append(errs, l.rollback())
	}
	w.rejects = nil
	return errors.Join(errs...)
}

// Close closes every lane, discarding rows of a file not committed, and
// sets DuckDB's thread count back.
func (w *Writer) Close() error {
	var first error
	for _, l := range w.lanes {
		if err := l.rollback(); err != nil && first == nil {
			first = err
		}
		if err := l.close(); err != nil && first == nil {
			first = err
		}
	}
	w.lanes, w.idle = nil, nil
	if w.threads > 0 {
		if err := w.st.SetThreads(context.Background(), w.threads); err != nil && first == nil {
			first = err
		}
		w.threads = 0
	}
	w.floor.Stop()
	return first
}
