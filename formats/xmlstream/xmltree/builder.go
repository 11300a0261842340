package xmltree

import (
	"math"
	"slices"
	"strings"
)

// builder collects the record being read in scratch slices that are reused
// from record to record; finish copies them into a Tree of its own.
type builder struct {
	depth  int // stack depth of the record element, 0 between records
	text   []byte
	markup []byte
	nodes  []node
	attrs  []attr
	uris   []string
	gen    uint32 // bumped per record, see binding
}

// maxScratch is the capacity above which a scratch slice is let go after a
// record, so that one huge record does not pin its size for the rest of the
// document.
const maxScratch = 1 << 20

func newBuilder() builder { return builder{gen: 1} }

// begin starts a record whose element is at depth.
func (b *builder) begin(depth int) {
	b.depth = depth
	b.text = trim(b.text)
	b.markup = trim(b.markup)
	b.nodes = trim(b.nodes)
	b.attrs = trim(b.attrs)
	b.uris = append(b.uris[:0], "")
	b.gen++
}

func trim[S ~[]E, E any](s S) S {
	if cap(s) > maxScratch {
		return nil
	}
	return s[:0]
}

// finish returns the record read so far as a Tree.
func (b *builder) finish() *Tree {
	var s strings.Builder
	s.Grow(len(b.text) + len(b.markup))
	s.Write(b.text)
	s.Write(b.markup)
	t := &Tree{
		s:     s.String(),
		mark:  int32(len(b.text)),
		nodes: slices.Clone(b.nodes),
		uris:  noNamespace,
	}
	if len(b.attrs) > 0 {
		t.attrs = slices.Clone(b.attrs)
	}
	if len(b.uris) > 1 {
		t.uris = slices.Clone(b.uris)
	}
	b.depth = 0
	return t
}

// noNamespace is the namespace table of the records without namespaces.
var noNamespace = []string{""}

// fits reports whether the offsets of the record still fit in an int32.
func (b *builder) fits() bool {
	return len(b.text)+len(b.markup) < math.MaxInt32 && len(b.nodes) < math.MaxInt32
}

// uriIndex returns the index of uri in the record's namespace table.
func (b *builder) uriIndex(uri string) int32 {
	for i, u := range b.uris {
		if u == uri {
			return int32(i)
		}
	}
	b.uris = append(b.uris, uri)
	return int32(len(b.uris) - 1)
}

// link appends n to the record as the last child of the open element f,
// or as the record element when f is nil, and returns its index. n.attr
// must be where its attributes start, or the end of them all for a run.
func (b *builder) link(f *frame, n node) int32 {
	i := int32(len(b.nodes))
	n.parent, n.next, n.first = -1, -1, -1
	if f != nil {
		n.parent = f.node
		if f.last >= 0 {
			b.nodes[f.last].next = i
		} else {
			b.nodes[f.node].first = i
		}
		f.last = i
	}
	b.nodes = append(b.nodes, n)
	return i
}
