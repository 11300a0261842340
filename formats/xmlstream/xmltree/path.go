package xmltree

import "strings"

// Path is a simple relative path evaluated by walking a tree, without an
// XPath engine: parent steps, then child steps of element names, the last
// one possibly an attribute. It is safe for concurrent use.
type Path struct {
	up    int // leading ".." steps
	steps []step
	attr  *step // final @name step, nil when the path selects elements
}

// step is a name test; see CompilePath for how it matches.
type step struct {
	local   string
	prefix  string
	space   string
	bySpace bool
}

// CompilePath returns expr as a Path when it is a simple path: steps
// separated by '/', each ".", "name" or "prefix:name" (after any number of
// leading ".." steps, which climb no higher than the record), the last one
// possibly "@name" or "@prefix:name", names being ASCII letters, digits,
// '_', '-' and '.' not starting with a digit, '-' or '.'. Names match as
// antchfx/xpath matches them with navigators that report namespace URIs: an
// unprefixed name matches elements (attributes) written without prefix, in
// any namespace; a prefixed name matches by the namespace URI namespaces
// binds the prefix to, or by the prefix itself when namespaces is nil. ok
// is false for any other expression and for a prefix namespaces does not
// bind; such expressions need an XPath engine.
func CompilePath(expr string, namespaces map[string]string) (p *Path, ok bool) {
	p = &Path{}
	for rest := expr; ; {
		seg := rest
		more := false
		for i := 0; i < len(rest); i++ {
			if rest[i] == '/' {
				seg, rest, more = rest[:i], rest[i+1:], true
				break
			}
		}
		if p.attr != nil {
			return nil, false // an attribute step ends the path
		}
		switch {
		case seg == "..":
			if len(p.steps) > 0 {
				return nil, false // a node set's parents need merging
			}
			p.up++
		case seg == ".":
		case len(seg) > 0 && seg[0] == '@':
			s, ok := parseStep(seg[1:], namespaces)
			if !ok {
				return nil, false
			}
			p.attr = &s
		default:
			s, ok := parseStep(seg, namespaces)
			if !ok {
				return nil, false
			}
			p.steps = append(p.steps, s)
		}
		if !more {
			return p, true
		}
	}
}

// parseStep parses "name" or "prefix:name".
func parseStep(s string, namespaces map[string]string) (step, bool) {
	var st step
	prefix, local, found := strings.Cut(s, ":")
	if !found {
		prefix, local = "", s
	}
	if !isSimpleName(local) || found && !isSimpleName(prefix) {
		return st, false
	}
	st.local, st.prefix = local, prefix
	if prefix != "" && namespaces != nil {
		uri, ok := namespaces[prefix]
		if !ok {
			return st, false
		}
		st.space, st.bySpace = uri, true
	}
	return st, true
}

// isSimpleName reports whether s is a name CompilePath accepts.
func isSimpleName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// matches reports whether the name at markup[off:] with the given prefix
// length and namespace index passes the step.
func (s *step) matches(t *Tree, off, n, prefixLen, ns int32) bool {
	if t.local(off, n, prefixLen) != s.local {
		return false
	}
	if s.bySpace {
		return t.uris[ns] == s.space
	}
	return t.markup(off, off+prefixLen) == s.prefix
}

// First returns the value of the first node the path selects from n in
// document order, the inner text of an element or the value of an
// attribute, and whether there is one.
func (p *Path) First(n Node) (string, bool) {
	i, ok := p.start(n)
	if !ok {
		return "", false
	}
	return p.first(n.t, i, 0)
}

// start climbs the path's parent steps from n; ok is false above the
// record element.
func (p *Path) start(n Node) (i int32, ok bool) {
	i = n.i
	for range p.up {
		if i = n.t.nodes[i].parent; i < 0 {
			return i, false
		}
	}
	return i, true
}

func (p *Path) first(t *Tree, i int32, k int) (string, bool) {
	if k == len(p.steps) {
		d := &t.nodes[i]
		if p.attr == nil {
			return t.s[d.text:d.textEnd], true
		}
		for j, end := d.attr, t.attrEnd(i); j < end; j++ {
			a := &t.attrs[j]
			if p.attr.matches(t, a.name, a.nameLen, a.prefixLen, a.ns) {
				return t.markup(a.value, a.valueEnd), true
			}
		}
		return "", false
	}
	s := &p.steps[k]
	for c := t.nodes[i].first; c >= 0; c = t.nodes[c].next {
		d := &t.nodes[c]
		if d.kind == Element && s.matches(t, d.name, d.nameLen, d.prefixLen, d.ns) {
			if v, ok := p.first(t, c, k+1); ok {
				return v, true
			}
		}
	}
	return "", false
}

// Elements appends the elements the path selects from n, in document order,
// to dst; a path ending in an attribute selects none.
func (p *Path) Elements(dst []Node, n Node) []Node {
	i, ok := p.start(n)
	if p.attr != nil || !ok {
		return dst
	}
	return p.elements(dst, n.t, i, 0)
}

func (p *Path) elements(dst []Node, t *Tree, i int32, k int) []Node {
	if k == len(p.steps) {
		return append(dst, Node{t, i})
	}
	s := &p.steps[k]
	for c := t.nodes[i].first; c >= 0; c = t.nodes[c].next {
		d := &t.nodes[c]
		if d.kind == Element && s.matches(t, d.name, d.nameLen, d.prefixLen, d.ns) {
			dst = p.elements(dst, t, c, k+1)
		}
	}
	return dst
}
