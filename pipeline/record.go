package pipeline

import (
	"context"
	"fmt"
	"io"
)

// Record is one source record: an order element of an XML export, a row (or
// a group of rows) of a CSV export. Paths are format-specific: XPath
// relative to the record element for XML, column names for CSV.
type Record interface {
	// Value returns the trimmed-of-nothing text at path, and whether the
	// path exists in the record. A malformed path is an error.
	Value(path string) (string, bool, error)
	// Children returns the sub-records at path (order items, invoice lines),
	// in document order.
	Children(path string) ([]Record, error)
	// Position locates the record for error messages and rejects, e.g.
	// "/Orders/Order[17]" or "line 42".
	Position() string
}

// Releaser is a Record whose memory may be reused once it has been mapped:
// normalize calls Release after mapping it without error (a record whose
// mapping fails is kept for its position) and does not touch it again.
type Releaser interface {
	Release()
}

// RecordReader streams records out of one file. Next returns io.EOF after
// the last record; a *RecordError is one bad record, reading goes on; any
// other error is fatal for the file and carries its position (see
// PositionError). A record stays valid and unchanged after later calls to
// Next, and its methods are safe for concurrent use: records are mapped on
// several goroutines while the reader goes on.
type RecordReader interface {
	Next() (Record, error)
}

// Format turns a raw export file into a stream of records.
type Format interface {
	// Open starts reading the file; name is used in error messages only.
	Open(ctx context.Context, r io.Reader, name string) (RecordReader, error)
}

// PositionError is a fatal error in a file at a known position, in the
// manner of encoding/csv.ParseError.
type PositionError struct {
	File   string // file name
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based column, 0 when unknown
	Path   string // XPath or record locator, may be empty
	Err    error
}

func (e *PositionError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(":%d", e.Column)
		}
	}
	if e.Path != "" {
		s += " (" + e.Path + ")"
	}
	return s + ": " + e.Err.Error()
}

func (e *PositionError) Unwrap() error { return e.Err }

// RecordError is a bad record that does not spoil the file: a row with the
// wrong number of fields, a value that cannot be decoded. RecordReader.Next
// returns it for that record alone; the caller records a reject and calls
// Next again.
type RecordError struct {
	Pos    string // record position, e.g. "line 42"
	Field  string // column or path, when known
	Value  string // offending value, when known
	Reason string
}

func (e *RecordError) Error() string {
	s := e.Pos + ": "
	if e.Field != "" {
		s += e.Field + ": "
	}
	if e.Value != "" {
		s += quote(e.Value) + ": "
	}
	return s + e.Reason
}
