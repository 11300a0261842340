package xmltree

import (
	"bytes"
)

// attrSpan is an attribute of the start tag being parsed, as indices into
// the buffer.
type attrSpan struct {
	name, nameEnd   int
	prefixLen       int
	value, valueEnd int // between the quotes, undecoded
}

// startTag parses the start tag at buf[pos] and opens its element.
func (p *Parser) startTag() error {
	buf := p.buf[:p.end]
	start := p.pos + 1
	q := scanQName(buf, start)
	i := q.end
	if i >= len(buf) {
		return errShort
	}
	qn := buf[start:i]
	prefixLen, err := p.checkQName(buf, start, q, "expected element name after <")
	if err != nil {
		return err
	}
	p.tmp = p.tmp[:0]
	empty := false
	for {
		i = skipSpace(buf, i)
		if i >= len(buf) {
			return errShort
		}
		c := buf[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(buf) {
				return errShort
			}
			if buf[i+1] != '>' {
				return p.syntaxError(i, "expected /> in element")
			}
			empty = true
			i += 2
			break
		}
		a := attrSpan{name: i}
		q := scanQName(buf, i)
		if i = q.end; i >= len(buf) {
			return errShort
		}
		a.nameEnd = i
		if a.prefixLen, err = p.checkQName(buf, a.name, q, "expected attribute name in element"); err != nil {
			return err
		}
		if i = skipSpace(buf, i); i >= len(buf) {
			return errShort
		}
		if buf[i] != '=' {
			return p.syntaxError(i, "attribute name without = in element")
		}
		if i = skipSpace(buf, i+1); i >= len(buf) {
			return errShort
		}
		quote := buf[i]
		if quote != '"' && quote != '\'' {
			return p.syntaxError(i, "unquoted or missing attribute value in element")
		}
		a.value = i + 1
		k := bytes.IndexByte(buf[a.value:], quote)
		rest := buf[a.value:]
		if k >= 0 {
			rest = rest[:k]
		}
		if lt := bytes.IndexByte(rest, '<'); lt >= 0 {
			return p.syntaxError(a.value+lt, "unescaped < inside quoted string")
		}
		if k < 0 {
			return errShort
		}
		a.valueEnd = a.value + k
		i = a.valueEnd + 1
		p.tmp = append(p.tmp, a)
	}
	if err := p.openElement(p.pos, qn, start, prefixLen); err != nil {
		return err
	}
	p.pos = i
	if empty {
		p.closeElement()
	}
	return nil
}

// checkQName checks the name at buf[at:q.end] scanned by scanQName and
// returns the length of its prefix; missing is the error for an empty name
// or one with more than one colon.
func (p *Parser) checkQName(buf []byte, at int, q qname, missing string) (prefixLen int, err error) {
	qn := buf[at:q.end]
	switch {
	case len(qn) == 0:
		return 0, p.syntaxError(at, "%s", missing)
	case q.wide && !isName(qn) || !q.wide && !nameStartByte[qn[0]]:
		return 0, p.syntaxError(at, "invalid XML name: %s", qn)
	case q.colons > 1:
		return 0, p.syntaxError(at, "%s", missing)
	case q.colons == 0 || q.colon == at || q.colon == q.end-1:
		return 0, nil // a leading or trailing colon belongs to the local name
	}
	return q.colon - at, nil
}

// openElement opens the element whose start tag, at buf[tag], was just
// parsed: its name qn is at buf[name], its attributes are p.tmp.
func (p *Parser) openElement(tag int, qn []byte, name, prefixLen int) error {
	depth := len(p.stack) + 1
	switch {
	case depth == 1 && p.rootSeen:
		return p.syntaxError(tag, "second root element <%s> after </%s>", qn, p.rootQName)
	case depth == 1 && p.prologErr != nil:
		return p.prologErr
	}
	nsMark := len(p.ns)
	for i := range p.tmp {
		if err := p.declare(&p.tmp[i]); err != nil {
			return err
		}
	}
	ns, err := p.elementNS(qn, prefixLen, name)
	if err != nil {
		return err
	}
	if err := p.checkDuplicates(); err != nil {
		return err
	}
	local := qn
	if prefixLen > 0 {
		local = qn[prefixLen+1:]
	}

	var parent *frame
	onPath := true
	if depth > 1 {
		parent = &p.stack[depth-2]
		onPath = parent.onPath && depth-1 <= len(p.path) && string(local) == p.path[depth-2]
	} else {
		p.rootSeen = true
		p.rootQName = string(qn)
		p.root = Name{Space: "", Prefix: string(qn[:prefixLen]), Local: string(local)}
		if ns != nil {
			p.root.Space = ns.uri
		}
		p.rootLine = p.lineAt(tag)
	}
	f := frame{nsMark: int32(nsMark), node: -1, last: -1, onPath: onPath}
	if p.rec.depth == 0 && onPath && depth == len(p.path)+1 {
		p.rec.begin(depth)
		parent = nil
	}
	if p.rec.depth > 0 {
		if f.node, err = p.addElement(parent, tag, qn, prefixLen, ns); err != nil {
			return err
		}
	} else if err := p.checkAttrValues(); err != nil {
		return err
	}
	f.name = int32(len(p.names))
	p.names = append(p.names, qn...)
	f.nameEnd = int32(len(p.names))
	p.stack = append(p.stack, f)
	return nil
}

// checkDuplicates rejects an attribute named twice in p.tmp.
func (p *Parser) checkDuplicates() error {
	if len(p.tmp) < 2 {
		return nil
	}
	if len(p.tmp) > 32 {
		seen := make(map[string]bool, len(p.tmp))
		for _, a := range p.tmp {
			name := p.buf[a.name:a.nameEnd]
			if seen[string(name)] {
				return p.syntaxError(a.name, "duplicate attribute %s", name)
			}
			seen[string(name)] = true
		}
		return nil
	}
	for i, a := range p.tmp[1:] {
		name := p.buf[a.name:a.nameEnd]
		for _, b := range p.tmp[:i+1] {
			if bytes.Equal(name, p.buf[b.name:b.nameEnd]) {
				return p.syntaxError(a.name, "duplicate attribute %s", name)
			}
		}
	}
	return nil
}

// checkAttrValues checks the entities of the attribute values in p.tmp.
func (p *Parser) checkAttrValues() error {
	for i := range p.tmp {
		a := &p.tmp[i]
		if bytes.IndexByte(p.buf[a.value:a.valueEnd], '&') < 0 {
			continue
		}
		v, err := p.attrValue(p.scratch[:0], a)
		p.scratch = v
		if err != nil {
			return err
		}
	}
	return nil
}

// addElement adds the element just opened, with its attributes, to the
// record as a child of parent, or as the record element when parent is nil.
func (p *Parser) addElement(parent *frame, tag int, qn []byte, prefixLen int, ns *binding) (int32, error) {
	b := &p.rec
	n := node{
		kind:      Element,
		name:      int32(len(b.markup)),
		nameLen:   int32(len(qn)),
		prefixLen: int32(prefixLen),
		ns:        p.uriIndex(ns),
		attr:      int32(len(b.attrs)),
		text:      int32(len(b.text)),
		textEnd:   int32(len(b.text)),
		line:      int32(p.lineAt(tag)),
	}
	b.markup = append(b.markup, qn...)
	for i := range p.tmp {
		a := &p.tmp[i]
		an := p.buf[a.name:a.nameEnd]
		at := attr{name: int32(len(b.markup)), nameLen: int32(len(an)), prefixLen: int32(a.prefixLen)}
		if a.prefixLen > 0 {
			at.ns = b.uriIndex(p.attrNS(an, a.prefixLen))
		}
		b.markup = append(b.markup, an...)
		at.value = int32(len(b.markup))
		var err error
		if b.markup, err = p.attrValue(b.markup, a); err != nil {
			return 0, err
		}
		at.valueEnd = int32(len(b.markup))
		b.attrs = append(b.attrs, at)
	}
	if !b.fits() {
		return 0, ErrRecordTooLarge
	}
	return b.link(parent, n), nil
}

// endTag parses the end tag at buf[pos] and closes its element.
func (p *Parser) endTag() error {
	buf := p.buf[:p.end]
	start := p.pos + 2
	if len(p.stack) > 0 {
		// Most often the name is the open element's, checked already.
		f := &p.stack[len(p.stack)-1]
		open := p.names[f.name:f.nameEnd]
		if e := start + len(open); e < len(buf) && !nameByte[buf[e]] && bytes.Equal(buf[start:e], open) {
			i := skipSpace(buf, e)
			if i >= len(buf) {
				return errShort
			}
			if buf[i] != '>' {
				return p.syntaxError(i, "invalid characters between </%s and >", open)
			}
			p.pos = i + 1
			p.closeElement()
			return nil
		}
	}
	q := scanQName(buf, start)
	if q.end >= len(buf) {
		return errShort
	}
	qn := buf[start:q.end]
	if _, err := p.checkQName(buf, start, q, "expected element name after </"); err != nil {
		return err
	}
	i := skipSpace(buf, q.end)
	if i >= len(buf) {
		return errShort
	}
	if buf[i] != '>' {
		return p.syntaxError(i, "invalid characters between </%s and >", qn)
	}
	if len(p.stack) == 0 {
		return p.syntaxError(p.pos, "unexpected end element </%s>", qn)
	}
	f := &p.stack[len(p.stack)-1]
	return p.syntaxError(p.pos, "element <%s> closed by </%s>", p.names[f.name:f.nameEnd], qn)
}

// closeElement closes the innermost open element, completing the record
// when it is the record element.
func (p *Parser) closeElement() {
	f := &p.stack[len(p.stack)-1]
	if f.node >= 0 {
		p.rec.nodes[f.node].textEnd = int32(len(p.rec.text))
		if f.node == 0 {
			p.done = p.rec.finish()
		}
	}
	p.ns = p.ns[:f.nsMark]
	p.names = p.names[:f.name]
	p.stack = p.stack[:len(p.stack)-1]
}
