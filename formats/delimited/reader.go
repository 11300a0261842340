package delimited

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"minisync/pipeline"
)

// headSize is how much of the decoded file the delimiter sniffer looks at.
const headSize = 64 << 10

// Reader streams the rows, or row groups, of one file; see Format.Open.
// Memory holds one row, or the rows of the current group, and with GroupBy
// the key of every group seen (see groupKeys).
type Reader struct {
	f        *Format
	name     string
	enc      string // encoding the file is read in
	delim    rune
	cr       *csv.Reader
	cols     *columns
	groupCol int // -1 without GroupBy
	// ahead is a row already read: the first row of the next group, or the
	// first data row without a header.
	ahead     []string
	aheadLine int
	cur       *groupRecord // group being collected
	seen      *groupKeys   // with GroupBy
	err       error        // sticky: io.EOF or the fatal error
}

var _ pipeline.RecordReader = (*Reader)(nil)

// Header returns the column names: the header row, trimmed, or "1", "2", …
// without a header.
func (r *Reader) Header() []string { return append([]string(nil), r.cols.names...) }

// Encoding returns the encoding the file is decoded from: "utf-8",
// "windows-1250" or "iso-8859-2".
func (r *Reader) Encoding() string { return r.enc }

// Delimiter returns the field delimiter, given or sniffed.
func (r *Reader) Delimiter() string { return string(r.delim) }

// start sniffs the delimiter, sets up the CSV parser and reads the header.
func (r *Reader) start(src io.Reader) error {
	if r.f.quote != '"' {
		// encoding/csv only knows `"`: swapping the two quote characters
		// is a bijection, undone on every field by clean.
		src = &quoteSwapper{r: src, q: r.f.quote}
	}
	br := bufio.NewReaderSize(src, headSize)
	r.delim = r.f.delim
	if r.delim == 0 {
		head, _ := br.Peek(headSize) // a read error shows again at the first row
		r.delim = sniffDelimiter(head)
	}
	r.cr = csv.NewReader(br)
	r.cr.Comma = r.delim
	r.cr.FieldsPerRecord = -1 // field counts are checked per row, as record errors
	r.cr.ReuseRecord = true   // rows are copied anyway, see readRow
	r.cr.LazyQuotes = false   // a stray quote spoils the rest of the file
	// TrimLeadingSpace lets a quoted field follow blanks; with tabs it would
	// also swallow empty fields. clean trims the fields either way.
	r.cr.TrimLeadingSpace = r.f.opts.TrimSpace && r.delim != '\t'

	row, line, err := r.readRow()
	if errors.Is(err, io.EOF) {
		if r.f.opts.Header {
			return &pipeline.PositionError{File: r.name, Err: fmt.Errorf("reading header: %w", ErrNoHeader)}
		}
		r.cols = newColumns(nil)
		r.err = io.EOF
		return nil
	}
	if err != nil {
		return err
	}
	headerErr := func(format string, args ...any) error {
		return &pipeline.PositionError{File: r.name, Line: line, Err: fmt.Errorf("%w: "+format, append([]any{ErrHeader}, args...)...)}
	}
	names := make([]string, len(row))
	if r.f.opts.Header {
		first := make(map[string]int, len(row))
		for i, v := range row {
			v = strings.TrimSpace(v)
			if v == "" {
				return headerErr("column %d has no name", i+1)
			}
			if j, dup := first[v]; dup {
				return headerErr("duplicate column %q (columns %d and %d)", v, j+1, i+1)
			}
			first[v] = i
			names[i] = v
		}
	} else {
		for i := range row {
			names[i] = strconv.Itoa(i + 1)
		}
		r.ahead, r.aheadLine = row, line
	}
	r.cols = newColumns(names)
	r.cols.numbered = !r.f.opts.Header

	if g := r.f.opts.GroupBy; g != "" {
		i, err := r.cols.index(g)
		if err != nil {
			return headerErr("GroupBy: %v", err)
		}
		if i < 0 {
			return headerErr("no column %q for GroupBy", g)
		}
		r.groupCol = i
		r.seen = newGroupKeys()
	}
	return nil
}

// Next returns the next row, or with GroupBy the next group of rows. A
// *pipeline.RecordError spoils only that row or group: call Next again. Any
// other error is a fatal *pipeline.PositionError; after it, or after io.EOF,
// Next returns the same again.
func (r *Reader) Next() (pipeline.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	var rec pipeline.Record
	var err error
	if r.groupCol < 0 {
		rec, err = r.nextRow()
	} else {
		rec, err = r.nextGroup()
	}
	if err != nil {
		var re *pipeline.RecordError
		if !errors.As(err, &re) {
			r.err = err
			r.cur, r.ahead = nil, nil
		}
		return nil, err
	}
	return rec, nil
}

func (r *Reader) nextRow() (pipeline.Record, error) {
	row, line, err := r.take()
	if err != nil {
		return nil, err
	}
	row, bad := r.fit(row)
	if bad != "" {
		return nil, &pipeline.RecordError{Pos: "line " + strconv.Itoa(line), Reason: bad}
	}
	return &rowRecord{cols: r.cols, fields: row, line: line}, nil
}

// nextGroup collects rows while their group value stays the same; the first
// row of the next group waits in ahead.
func (r *Reader) nextGroup() (pipeline.Record, error) {
	for {
		row, line, err := r.take()
		if errors.Is(err, io.EOF) && r.cur != nil {
			return r.flush()
		}
		if err != nil {
			return nil, err
		}
		key := ""
		if r.groupCol < len(row) {
			key = row[r.groupCol]
		}
		if key == "" {
			// Its group is unknown, so only the row can be rejected; the
			// group being collected goes on.
			return nil, &pipeline.RecordError{Pos: "line " + strconv.Itoa(line), Field: r.cols.names[r.groupCol],
				Reason: "no value in the GroupBy column"}
		}
		if r.cur != nil && key != r.cur.key {
			r.ahead, r.aheadLine = row, line
			return r.flush()
		}
		if r.cur == nil {
			r.cur = &groupRecord{key: key, label: r.cols.names[r.groupCol] + " " + key}
		}
		row, bad := r.fit(row)
		if bad != "" && r.cur.bad == "" {
			r.cur.bad = fmt.Sprintf("line %d: %s", line, bad)
		}
		r.cur.rows = append(r.cur.rows, &rowRecord{cols: r.cols, fields: row, line: line, group: r.cur.label})
	}
}

// flush returns the collected group, or the record error that spoils it.
func (r *Reader) flush() (pipeline.Record, error) {
	g := r.cur
	r.cur = nil
	first := g.rows[0].line
	if at, dup := r.seen.firstOrAdd(g.key, first); dup {
		return nil, &pipeline.RecordError{Pos: g.Position(),
			Reason: fmt.Sprintf("rows of %s are not together (first at line %d)", g.label, at)}
	}
	if g.bad != "" {
		return nil, &pipeline.RecordError{Pos: g.Position(), Reason: g.bad}
	}
	return g, nil
}

// take returns the row read ahead, if any, or the next row.
func (r *Reader) take() ([]string, int, error) {
	if r.ahead != nil {
		row, line := r.ahead, r.aheadLine
		r.ahead = nil
		return row, line, nil
	}
	return r.readRow()
}

// readRow returns a copy of the next row, cleaned, and the line it starts on.
func (r *Reader) readRow() ([]string, int, error) {
	rec, err := r.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, r.fatal(err)
	}
	line, _ := r.cr.FieldPos(0)
	row := make([]string, len(rec))
	for i, v := range rec {
		row[i] = r.clean(v)
	}
	return row, line, nil
}

// clean undoes the quote swap and applies TrimSpace.
func (r *Reader) clean(v string) string {
	if q := r.f.quote; q != '"' && strings.ContainsAny(v, `"`+string(q)) {
		v = strings.Map(func(c rune) rune {
			switch c {
			case '"':
				return rune(q)
			case rune(q):
				return '"'
			}
			return c
		}, v)
	}
	if r.f.opts.TrimSpace {
		v = strings.TrimSpace(v)
	}
	return v
}

// fit pads a short row in pad mode; bad says why a row does not fit the header.
func (r *Reader) fit(row []string) (_ []string, bad string) {
	n := len(r.cols.names)
	switch {
	case len(row) == n:
		return row, ""
	case len(row) < n && r.f.pad:
		return append(row, make([]string, n-len(row))...), ""
	}
	if !r.f.opts.Header {
		return row, fmt.Sprintf("%d fields, the first row has %d", len(row), n)
	}
	return row, fmt.Sprintf("%d fields, the header has %d", len(row), n)
}

// fatal turns a parser or decoding error into a *pipeline.PositionError.
func (r *Reader) fatal(err error) error {
	pe := &pipeline.PositionError{File: r.name}
	var ee *encodingError
	var ce *csv.ParseError
	switch {
	case errors.As(err, &ee):
		pe.Line, pe.Column, pe.Err = ee.line, ee.col, ee.err
	case errors.As(err, &ce):
		// The column counts bytes of the UTF-8 text, as encoding/csv does.
		pe.Line, pe.Column = ce.Line, ce.Column
		if ce.StartLine != ce.Line {
			pe.Path = "row at line " + strconv.Itoa(ce.StartLine)
		}
		pe.Err = fmt.Errorf("parsing row: %w", ce.Err)
	default:
		pe.Err = fmt.Errorf("reading export: %w", err)
	}
	return pe
}

// sniffDelimiter picks the candidate found most often outside quotes in the
// first non-empty line of head; ties go to the earlier of ; tab | , as the
// comma is the decimal separator of Hungarian and Romanian exports.
func sniffDelimiter(head []byte) rune {
	const candidates = ";\t|,"
	var counts [len(candidates)]int
	head = bytes.TrimLeft(head, "\r\n")
	inQuote := false
scan:
	for _, c := range head {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			break scan
		default:
			if i := strings.IndexByte(candidates, c); i >= 0 {
				counts[i]++
			}
		}
	}
	best := 0
	for i, n := range counts {
		if n > counts[best] {
			best = i
		}
	}
	return rune(candidates[best])
}

// quoteSwapper exchanges `"` and q, so that encoding/csv parses q as the quote.
type quoteSwapper struct {
	r io.Reader
	q byte
}

func (s *quoteSwapper) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	for i, c := range p[:n] {
		switch c {
		case '"':
			p[i] = s.q
		case s.q:
			p[i] = '"'
		}
	}
	return n, err
}
