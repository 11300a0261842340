package xmltree

// Kind tells elements from runs of character data.
type Kind uint8

// Node kinds.
const (
	Element Kind = iota + 1 // an element
	Text                    // a run of text between markup, entities decoded
	CData                   // the content of a CDATA section
)

// Tree is one record: an element and everything inside it. It is immutable,
// holds no reference to the parser and may be shared between goroutines.
type Tree struct {
	s     string   // character data in document order, then names and attribute values
	mark  int32    // where names and attribute values start in s
	nodes []node   // in document order; nodes[0] is the record element
	attrs []attr   // in document order
	uris  []string // namespace URIs; uris[0] is "", no namespace
}

// node is an element or a run of character data. Links are indices into
// Tree.nodes, -1 for none; text spans index Tree.s, name spans the part
// after Tree.mark.
type node struct {
	kind          Kind
	parent        int32
	next          int32
	first         int32 // first child
	name          int32 // qualified name
	nameLen       int32
	prefixLen     int32 // 0 without prefix
	ns            int32 // index into uris
	attr          int32 // first attribute in Tree.attrs; they end where the next node's start
	text, textEnd int32 // data of a run; the inner text of an element
	line          int32 // of an element's start tag
}

// attr is an attribute; its spans index the part of Tree.s after Tree.mark.
type attr struct {
	name, nameLen, prefixLen int32
	ns                       int32
	value, valueEnd          int32
}

// markup returns the name or attribute value at [off, end) after t.mark.
func (t *Tree) markup(off, end int32) string { return t.s[t.mark+off : t.mark+end] }

// attrEnd returns the end of the attributes of node i.
func (t *Tree) attrEnd(i int32) int32 {
	if int(i)+1 < len(t.nodes) {
		return t.nodes[i+1].attr
	}
	return int32(len(t.attrs))
}

// prev returns the sibling before node i, -1 for none. Nodes being in
// document order, node i-1 is that sibling or its last descendant.
func (t *Tree) prev(i int32) int32 {
	p := t.nodes[i].parent
	if p < 0 || t.nodes[p].first == i {
		return -1
	}
	j := i - 1
	for t.nodes[j].parent != p {
		j = t.nodes[j].parent
	}
	return j
}

// Name is the name of an element.
type Name struct {
	Space  string // namespace URI, "" for none
	Prefix string // prefix as written, "" for none
	Local  string
}

// Attr is an attribute of an element.
type Attr struct {
	Name  Name // an undeclared prefix is its own namespace, as in encoding/xml
	Value string
}

// Node is a node of a Tree: an element or a run of character data. The zero
// Node is no node.
type Node struct {
	t *Tree
	i int32
}

// Root returns the record element.
func (t *Tree) Root() Node { return Node{t, 0} }

// Tree returns the tree n belongs to.
func (n Node) Tree() *Tree { return n.t }

// Valid reports whether n is a node, not the zero Node.
func (n Node) Valid() bool { return n.t != nil }

func (n Node) node() *node { return &n.t.nodes[n.i] }

func (n Node) rel(i int32) Node {
	if i < 0 {
		return Node{}
	}
	return Node{n.t, i}
}

// Kind returns the kind of n.
func (n Node) Kind() Kind { return n.node().kind }

// Name returns the name of an element; a run of character data has none.
func (n Node) Name() Name {
	d := n.node()
	if d.kind != Element {
		return Name{}
	}
	return n.t.name(d.name, d.nameLen, d.prefixLen, d.ns)
}

// Local returns the local name of an element, "" for character data.
func (n Node) Local() string {
	d := n.node()
	return n.t.local(d.name, d.nameLen, d.prefixLen)
}

// Prefix returns the prefix of an element as written, "" for none.
func (n Node) Prefix() string {
	d := n.node()
	return n.t.markup(d.name, d.name+d.prefixLen)
}

// Namespace returns the namespace URI of an element, "" for none.
func (n Node) Namespace() string { return n.t.uris[n.node().ns] }

// Line returns the 1-based line of an element's start tag; character data
// has none, 0.
func (n Node) Line() int { return int(n.node().line) }

// Text returns the character data of a run, or the inner text of an
// element: all the character data inside it, CDATA included, concatenated.
func (n Node) Text() string {
	d := n.node()
	return n.t.s[d.text:d.textEnd]
}

// Parent returns the element holding n; the record element has none.
func (n Node) Parent() Node { return n.rel(n.node().parent) }

// FirstChild returns the first node inside an element.
func (n Node) FirstChild() Node { return n.rel(n.node().first) }

// Next returns the node after n in its parent.
func (n Node) Next() Node { return n.rel(n.node().next) }

// Prev returns the node before n in its parent.
func (n Node) Prev() Node { return n.rel(n.t.prev(n.i)) }

// NumAttrs returns the number of attributes of an element.
func (n Node) NumAttrs() int {
	return int(n.t.attrEnd(n.i) - n.node().attr)
}

// Attr returns the i-th attribute of an element, in document order.
func (n Node) Attr(i int) Attr {
	a := &n.t.attrs[int(n.node().attr)+i]
	return Attr{
		Name:  n.t.name(a.name, a.nameLen, a.prefixLen, a.ns),
		Value: n.t.markup(a.value, a.valueEnd),
	}
}

// name builds a Name out of the spans of a node or an attribute.
func (t *Tree) name(off, n, prefixLen, ns int32) Name {
	q := t.markup(off, off+n)
	if prefixLen > 0 {
		return Name{Space: t.uris[ns], Prefix: q[:prefixLen], Local: q[prefixLen+1:]}
	}
	return Name{Space: t.uris[ns], Local: q}
}
