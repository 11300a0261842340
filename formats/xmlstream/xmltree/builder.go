package xmltree

import (
	"math"
	"math/bits"
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
		nodes: append(pooledNodes(len(b.nodes)), b.nodes...),
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

// Node slices of released trees are kept by size class (a power of two of
// at least 1<<minNodeClass nodes), a few per class, for the trees of later
// records: a record gets at most twice the nodes it needs, and only the
// records in flight hold any.
const (
	minNodeClass = 4  // 16 nodes
	maxNodeClass = 14 // 16 384 nodes; larger records are not pooled
	freePerClass = 32
)

var freeNodes = func() (f [maxNodeClass + 1]chan []node) {
	for k := minNodeClass; k <= maxNodeClass; k++ {
		f[k] = make(chan []node, freePerClass)
	}
	return f
}()

// pooledNodes returns an empty node slice for n nodes.
func pooledNodes(n int) []node {
	k := max(minNodeClass, bits.Len(uint(n-1)))
	if k > maxNodeClass {
		return make([]node, 0, n)
	}
	select {
	case s := <-freeNodes[k]:
		return s[:0]
	default:
		return make([]node, 0, 1<<k)
	}
}

// Release gives the tree's nodes back for the trees of later records. The
// tree and every Node of it must not be used afterwards; strings already
// taken from it stay valid.
func (t *Tree) Release() {
	c := cap(t.nodes)
	if k := bits.Len(uint(c)) - 1; c == 1<<k && k >= minNodeClass && k <= maxNodeClass {
		select {
		case freeNodes[k] <- t.nodes:
		default:
		}
	}
	t.nodes = nil
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
