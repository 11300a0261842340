package delimited

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"minisync/pipeline"
)

// columns maps column names to field indexes.
type columns struct {
	names    []string
	numbered bool // no header: the names are "1", "2", …
	exact    map[string]int
	fold     map[string]int // lower-cased name -> index, -1 when several match
	// seen remembers names resolved before by where their text lies in
	// memory: a mapping asks for the same few names, in the same strings,
	// for every row, and finding one here costs a fraction of hashing it.
	// Rows of a file are mapped on several goroutines, hence atomics.
	seen   [seenSlots]atomic.Pointer[resolved]
	filled atomic.Int32 // slots of seen in use
}

func newColumns(names []string) *columns {
	c := &columns{names: names, exact: make(map[string]int, len(names)), fold: make(map[string]int, len(names))}
	for i, n := range names {
		c.exact[n] = i
		k := strings.ToLower(n)
		if _, ok := c.fold[k]; ok {
			c.fold[k] = -1
		} else {
			c.fold[k] = i
		}
	}
	return c
}

// seenSlots is the size of columns.seen; it holds about half as many
// names at most, after which further names are not remembered.
const seenSlots = 256

// resolved is a name index has answered without error.
type resolved struct {
	name string // held, so its memory cannot be reused for another name
	i    int
}

// lookup is index, answered from seen for a name resolved before. A slot
// once filled never changes and holds its name, so a name found at the
// address and length asked for is the name asked for.
func (c *columns) lookup(name string) (int, error) {
	if name == "" { // no text, no address of its own
		return c.index(name)
	}
	p := unsafe.StringData(name)
	h := int(uint64(uintptr(unsafe.Pointer(p))) * 0x9E3779B97F4A7C15 >> 56) // 8 bits
	// The probe ends at an empty slot: about half are filled at most.
	for n := range seenSlots {
		slot := &c.seen[(h+n)%seenSlots]
		r := slot.Load()
		if r == nil {
			i, err := c.index(name)
			if err == nil && c.filled.Load() < seenSlots/2 && slot.CompareAndSwap(nil, &resolved{name: name, i: i}) {
				c.filled.Add(1)
			}
			return i, err
		}
		if unsafe.StringData(r.name) == p && len(r.name) == len(name) {
			return r.i, nil
		}
	}
	return c.index(name)
}

// index returns the column named name, matched exactly or else ignoring
// case, or -1 when there is none.
func (c *columns) index(name string) (int, error) {
	if i, ok := c.exact[name]; ok {
		return i, nil
	}
	if c.numbered {
		// Loud, so that a reader set up without Header by mistake does not
		// read every named column as missing.
		if n, err := strconv.Atoi(name); err != nil || n < 1 {
			return -1, fmt.Errorf(`column %q: the file is read without a header, its columns are "1", "2", …`, name)
		}
		return -1, nil
	}
	i, ok := c.fold[strings.ToLower(name)]
	switch {
	case !ok:
		return -1, nil
	case i < 0:
		return -1, fmt.Errorf("column %q matches several columns when ignoring case", name)
	}
	return i, nil
}

// rowRecord is one row; a row is never ragged here (see Reader.fit).
type rowRecord struct {
	cols   *columns
	fields []string
	line   int    // where the row starts
	group  string // e.g. "Számlaszám SZ-2026-0042" for a row of a group
}

// Value returns the field in the column named path; a path naming no column
// returns ("", false, nil).
func (r *rowRecord) Value(path string) (string, bool, error) {
	i, err := r.cols.lookup(path)
	if err != nil || i < 0 {
		return "", false, err
	}
	return r.fields[i], true, nil
}

// Children returns nil: a row has no sub-records.
func (r *rowRecord) Children(string) ([]pipeline.Record, error) { return nil, nil }

// Position returns e.g. "line 42", or "line 43 (Számlaszám SZ-2026-0042)"
// for a row of a group.
func (r *rowRecord) Position() string {
	var num [20]byte
	n := strconv.AppendInt(num[:0], int64(r.line), 10)
	var b strings.Builder
	b.Grow(len("line ") + len(n) + len(" ()") + len(r.group))
	b.WriteString("line ")
	b.Write(n)
	if r.group != "" {
		b.WriteString(" (")
		b.WriteString(r.group)
		b.WriteByte(')')
	}
	return b.String()
}

// groupRecord is a run of consecutive rows with the same GroupBy value.
type groupRecord struct {
	key      string
	label    string // GroupBy column and key, for positions
	rows     []*rowRecord
	bad      string            // why the group is rejected, set while collecting
	children []pipeline.Record // the rows as records, made on first use
	pos      string            // Position, made on first use
}

// Value reads the first row of the group.
func (g *groupRecord) Value(path string) (string, bool, error) { return g.rows[0].Value(path) }

// Children returns the rows of the group for "lines" or "", the same
// slice each time (not to be modified).
func (g *groupRecord) Children(path string) ([]pipeline.Record, error) {
	if path != "lines" && path != "" {
		return nil, fmt.Errorf(`selecting children %q: a row group has only "lines"`, path)
	}
	if g.children == nil {
		g.children = make([]pipeline.Record, len(g.rows))
		for i, r := range g.rows {
			g.children[i] = r
		}
	}
	return g.children, nil
}

// Position returns e.g. "lines 42–45 (Számlaszám SZ-2026-0042)", counting
// from the first line of the first row to the first line of the last.
func (g *groupRecord) Position() string {
	if g.pos == "" {
		g.pos = g.position()
	}
	return g.pos
}

func (g *groupRecord) position() string {
	first, last := g.rows[0].line, g.rows[len(g.rows)-1].line
	var buf [48]byte
	b := buf[:0]
	if first == last {
		b = append(b, "line "...)
		b = strconv.AppendInt(b, int64(first), 10)
	} else {
		b = append(b, "lines "...)
		b = strconv.AppendInt(b, int64(first), 10)
		b = append(b, "–"...)
		b = strconv.AppendInt(b, int64(last), 10)
	}
	var s strings.Builder
	s.Grow(len(b) + len(" ()") + len(g.label))
	s.Write(b)
	s.WriteString(" (")
	s.WriteString(g.label)
	s.WriteByte(')')
	return s.String()
}
