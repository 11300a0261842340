package xmltree

import (
	"strings"

	"github.com/antchfx/xpath"
)

// Navigator is an xpath.NodeNavigator over a Tree that moves like
// antchfx/xmlquery's: its root is the node it was made for, MoveToParent may
// still climb above that root up to the record element, MoveToNext and
// MoveToPrevious skip runs of text that are white space only, and
// NamespaceURL lets prefixed names compiled with xpath.CompileWithNS match
// by namespace URI. Unlike xmlquery's, the value of a CDATA run is its
// content, not "".
type Navigator struct {
	t    *Tree
	root int32
	cur  int32
	attr int32 // index of the current attribute of cur, -1 on cur itself
}

var _ xpath.NodeNavigator = (*Navigator)(nil)

// NewNavigator returns a navigator positioned on n, which is also its root.
func NewNavigator(n Node) *Navigator {
	return &Navigator{t: n.t, root: n.i, cur: n.i, attr: -1}
}

// Node returns the node the navigator is on, the element when it is on an
// attribute.
func (x *Navigator) Node() Node { return Node{x.t, x.cur} }

func (x *Navigator) node() *node { return &x.t.nodes[x.cur] }

func (x *Navigator) attribute() *attr { return &x.t.attrs[x.node().attr+x.attr] }

// NodeType returns the XPath type of the current node.
func (x *Navigator) NodeType() xpath.NodeType {
	switch {
	case x.attr >= 0:
		return xpath.AttributeNode
	case x.node().kind == Element:
		return xpath.ElementNode
	}
	return xpath.TextNode
}

// LocalName returns the local name of an element or attribute; on
// character data it returns the data, as xmlquery does.
func (x *Navigator) LocalName() string {
	if x.attr >= 0 {
		a := x.attribute()
		return x.t.local(a.name, a.nameLen, a.prefixLen)
	}
	n := x.node()
	if n.kind != Element {
		return x.t.s[n.text:n.textEnd]
	}
	return x.t.local(n.name, n.nameLen, n.prefixLen)
}

// Prefix returns the prefix of an element or attribute as written.
func (x *Navigator) Prefix() string {
	if x.attr >= 0 {
		a := x.attribute()
		return x.t.markup(a.name, a.name+a.prefixLen)
	}
	n := x.node()
	return x.t.markup(n.name, n.name+n.prefixLen)
}

// NamespaceURL returns the namespace URI of an element or attribute.
func (x *Navigator) NamespaceURL() string {
	if x.attr >= 0 {
		return x.t.uris[x.attribute().ns]
	}
	return x.t.uris[x.node().ns]
}

// Value returns an attribute's value, a run's data or an element's inner
// text.
func (x *Navigator) Value() string {
	if x.attr >= 0 {
		a := x.attribute()
		return x.t.markup(a.value, a.valueEnd)
	}
	n := x.node()
	return x.t.s[n.text:n.textEnd]
}

// Copy returns an independent navigator at the same position.
func (x *Navigator) Copy() xpath.NodeNavigator {
	c := *x
	return &c
}

// MoveToRoot moves to the navigator's root.
func (x *Navigator) MoveToRoot() {
	x.cur, x.attr = x.root, -1
}

// MoveToParent moves from an attribute to its element, or from a node to
// its parent.
func (x *Navigator) MoveToParent() bool {
	if x.attr >= 0 {
		x.attr = -1
		return true
	}
	if p := x.node().parent; p >= 0 {
		x.cur = p
		return true
	}
	return false
}

// MoveToNextAttribute moves to the next attribute of the current element,
// or from the element to its first attribute.
func (x *Navigator) MoveToNextAttribute() bool {
	if x.attr >= x.t.attrEnd(x.cur)-x.node().attr-1 {
		return false
	}
	x.attr++
	return true
}

// MoveToChild moves to the first child of the current element.
func (x *Navigator) MoveToChild() bool {
	if x.attr >= 0 {
		return false
	}
	if c := x.node().first; c >= 0 {
		x.cur = c
		return true
	}
	return false
}

// MoveToFirst moves to the first sibling of the current node, unless it is
// the first one itself.
func (x *Navigator) MoveToFirst() bool {
	if x.attr >= 0 {
		return false
	}
	p := x.node().parent
	if p < 0 || x.t.nodes[p].first == x.cur {
		return false
	}
	x.cur = x.t.nodes[p].first
	return true
}

// MoveToNext moves to the next sibling that is not white space only text.
func (x *Navigator) MoveToNext() bool {
	if x.attr >= 0 {
		return false
	}
	for n := x.node().next; n >= 0; n = x.node().next {
		x.cur = n
		if !x.blank() {
			return true
		}
	}
	return false
}

// MoveToPrevious moves to the previous sibling that is not white space
// only text.
func (x *Navigator) MoveToPrevious() bool {
	if x.attr >= 0 {
		return false
	}
	for n := x.t.prev(x.cur); n >= 0; n = x.t.prev(x.cur) {
		x.cur = n
		if !x.blank() {
			return true
		}
	}
	return false
}

// blank reports whether the current node is text of white space only;
// CDATA sections never are.
func (x *Navigator) blank() bool {
	n := x.node()
	return n.kind == Text && strings.TrimSpace(x.t.s[n.text:n.textEnd]) == ""
}

// MoveTo moves to the position of other, a navigator over the same tree
// with the same root.
func (x *Navigator) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*Navigator)
	if !ok || o.t != x.t || o.root != x.root {
		return false
	}
	x.cur, x.attr = o.cur, o.attr
	return true
}

// local returns the local name of the qualified name at markup[off:].
func (t *Tree) local(off, n, prefixLen int32) string {
	if prefixLen > 0 {
		return t.markup(off+prefixLen+1, off+n)
	}
	return t.markup(off, off+n)
}
