package stage

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// chunkAppender appends rows to one stg_ table through DuckDB's appender a
// data chunk (2048 rows) at a time, writing each value straight into the
// chunk's vectors: a BIGINT as 8 bytes, a VARCHAR as DuckDB's 16-byte
// string header, inlined up to 12 bytes and otherwise pointing into C
// memory owned by the appender until the chunk is handed over (DuckDB
// copies it then). duckdb-go's AppendRow makes one cgo call per value,
// which with DuckDB's own per-value work was a sixth of staging.
type chunkAppender struct {
	table string
	names []string
	app   mapping.Appender
	types []mapping.LogicalType
	chunk mapping.DataChunk
	cols  []column
	rows  int // rows in the chunk
	cap   int // rows a chunk holds
	heap  cHeap
}

// column is one vector of the chunk.
type column struct {
	varchar bool // else BIGINT
	data    unsafe.Pointer
	mask    unsafe.Pointer // validity bits, nil until a NULL is written
	vec     mapping.Vector
}

// stringHeaderSize is the size of DuckDB's string_t; strings up to
// stringInline bytes are stored inside it.
const (
	stringHeaderSize = 16
	stringInline     = 12
)

// rawConn returns the DuckDB connection inside a duckdb-go connection.
// duckdb-go does not export it; a version that keeps it elsewhere is
// refused here, loudly, rather than misread.
func rawConn(c driver.Conn) (mapping.Connection, error) {
	dc, ok := c.(*duckdb.Conn)
	if !ok {
		return mapping.Connection{}, fmt.Errorf("staging needs a DuckDB connection, not %T", c)
	}
	f := reflect.ValueOf(dc).Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeFor[mapping.Connection]() {
		return mapping.Connection{}, errors.New("staging: this duckdb-go version keeps its connection where minisync does not expect it; use the version in go.mod")
	}
	return *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr())), nil
}

// newChunkAppender opens an appender on table for the given columns, each
// BIGINT or VARCHAR.
func newChunkAppender(conn mapping.Connection, table string, names []string) (*chunkAppender, error) {
	a := &chunkAppender{table: table, names: names, cap: int(mapping.VectorSize())}
	if mapping.AppenderCreateExt(conn, "", "", table, &a.app) == mapping.StateError {
		err := fmt.Errorf("opening appender on %s: %s", table, mapping.AppenderError(a.app))
		mapping.AppenderDestroy(&a.app)
		return nil, err
	}
	for i, n := range names {
		if mapping.AppenderAddColumn(a.app, n) == mapping.StateError {
			err := fmt.Errorf("appender on %s: column %s: %s", table, n, mapping.AppenderError(a.app))
			a.close()
			return nil, err
		}
		t := mapping.AppenderColumnType(a.app, mapping.IdxT(i))
		a.types = append(a.types, t)
		switch id := mapping.GetTypeId(t); id {
		case mapping.TypeVarchar:
			a.cols = append(a.cols, column{varchar: true})
		case mapping.TypeBigInt:
			a.cols = append(a.cols, column{})
		default:
			a.close()
			return nil, fmt.Errorf("appender on %s: column %s has type %d, staging writes only BIGINT and VARCHAR", table, n, id)
		}
	}
	a.chunk = mapping.CreateDataChunk(a.types)
	a.bind()
	return a, nil
}

// bind fetches the vectors of a fresh or reset chunk.
func (a *chunkAppender) bind() {
	for i := range a.cols {
		c := &a.cols[i]
		c.vec = mapping.DataChunkGetVector(a.chunk, mapping.IdxT(i))
		c.data = mapping.VectorGetData(c.vec)
		c.mask = nil
	}
}

// row appends one row: the BIGINT columns' values from ints, in column
// order, then the VARCHAR columns' from strs ("" is NULL).
func (a *chunkAppender) row(ints []int64, strs []string) error {
	r := a.rows
	ni, ns := 0, 0
	for i := range a.cols {
		c := &a.cols[i]
		if !c.varchar {
			*(*int64)(unsafe.Add(c.data, r*8)) = ints[ni]
			ni++
			continue
		}
		s := strs[ns]
		ns++
		if s == "" {
			a.setNull(c, r)
			continue
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("column %s: value %q is not valid UTF-8", a.names[i], s)
		}
		h := (*[stringHeaderSize]byte)(unsafe.Add(c.data, r*stringHeaderSize))
		binary.NativeEndian.PutUint32(h[:4], uint32(len(s)))
		if len(s) <= stringInline {
			n := copy(h[4:], s)
			clear(h[4+n:])
			continue
		}
		copy(h[4:8], s) // the prefix
		p := a.heap.alloc(len(s))
		copy(unsafe.Slice((*byte)(p), len(s)), s)
		*(*uintptr)(unsafe.Pointer(&h[8])) = uintptr(p)
	}
	if a.rows++; a.rows == a.cap {
		return a.appendChunk()
	}
	return nil
}

// setNull marks row r of column c NULL.
func (a *chunkAppender) setNull(c *column, r int) {
	if c.mask == nil {
		mapping.VectorEnsureValidityWritable(c.vec)
		c.mask = mapping.VectorGetValidity(c.vec)
	}
	w := (*uint64)(unsafe.Add(c.mask, (r/64)*8))
	*w &^= 1 << (r % 64)
}

// appendChunk hands the chunk's rows to the appender and starts a new
// chunk.
func (a *chunkAppender) appendChunk() error {
	if a.rows == 0 {
		return nil
	}
	mapping.DataChunkSetSize(a.chunk, mapping.IdxT(a.rows))
	state := mapping.AppendDataChunk(a.app, a.chunk)
	a.reset()
	if state == mapping.StateError {
		return fmt.Errorf("appending to %s: %s", a.table, mapping.AppenderError(a.app))
	}
	return nil
}

// reset empties the chunk.
func (a *chunkAppender) reset() {
	mapping.DataChunkReset(a.chunk)
	a.rows = 0
	a.heap.reset()
	a.bind()
}

// flush moves every row appended so far into the connection's
// transaction.
func (a *chunkAppender) flush() error {
	if err := a.appendChunk(); err != nil {
		return err
	}
	if mapping.AppenderFlush(a.app) == mapping.StateError {
		return fmt.Errorf("flushing %s: %s", a.table, mapping.AppenderError(a.app))
	}
	return nil
}

// clear discards the rows not yet flushed.
func (a *chunkAppender) clear() error {
	a.reset()
	if mapping.AppenderClear(a.app) == mapping.StateError {
		return fmt.Errorf("discarding rows of %s: %s", a.table, mapping.AppenderError(a.app))
	}
	return nil
}

// close discards what was not flushed and frees the appender.
func (a *chunkAppender) close() {
	if a.app.Ptr != nil {
		mapping.AppenderClear(a.app)
		mapping.AppenderDestroy(&a.app)
	}
	if a.chunk.Ptr != nil {
		mapping.DestroyDataChunk(&a.chunk)
	}
	for i := range a.types {
		mapping.DestroyLogicalType(&a.types[i])
	}
	a.types = nil
	a.heap.free()
}
