package xmltree

// xmlURL is the namespace of the xml prefix.
const xmlURL = "http://www.w3.org/XML/1998/namespace"

// binding is a namespace declaration in scope. idx caches the URI's index
// in the namespace table of record gen, so that elements find it without a
// search.
type binding struct {
	prefix string // "" for the default namespace
	uri    string
	gen    uint32
	idx    int32
}

// maxInterned bounds the strings a parser keeps for reuse.
const maxInterned = 1024

// intern returns b as a string, shared with earlier calls for the same
// bytes.
func (p *Parser) intern(b []byte) string {
	if s, ok := p.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.interned) < maxInterned {
		p.interned[s] = s
	}
	return s
}

// declare puts the namespace declaration of attribute a in scope, if it is
// one: xmlns="uri" or xmlns:prefix="uri".
func (p *Parser) declare(a *attrSpan) error {
	name := p.buf[a.name:a.nameEnd]
	var prefix []byte
	switch {
	case a.prefixLen == 0 && string(name) == "xmlns":
	case a.prefixLen == len("xmlns") && string(name[:a.prefixLen]) == "xmlns":
		prefix = name[a.prefixLen+1:]
	default:
		return nil
	}
	v, err := p.attrValue(p.scratch[:0], a)
	p.scratch = v
	if err != nil {
		return err
	}
	p.ns = append(p.ns, binding{prefix: p.intern(prefix), uri: p.intern(v)})
	return nil
}

// lookup returns the innermost declaration of prefix, nil if there is none.
func (p *Parser) lookup(prefix []byte) *binding {
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == string(prefix) {
			return &p.ns[i]
		}
	}
	return nil
}

// elementNS resolves the namespace of an element named qn: its prefix must
// be declared, and without one the default namespace applies. It returns
// nil for no namespace.
func (p *Parser) elementNS(qn []byte, prefixLen, at int) (*binding, error) {
	prefix := qn[:prefixLen]
	switch string(prefix) {
	case "":
	case "xml":
		return &p.xmlNS, nil
	case "xmlns":
		return nil, p.syntaxError(at, "element <%s> has the reserved prefix xmlns", qn)
	}
	b := p.lookup(prefix)
	if b == nil && prefixLen > 0 {
		return nil, p.syntaxError(at, "undeclared namespace prefix %q in element <%s>", prefix, qn)
	}
	return b, nil
}

// attrNS resolves the namespace URI of an attribute: none without a prefix,
// and an undeclared prefix stands for itself, as with encoding/xml; so does
// xmlns, the prefix of namespace declarations.
func (p *Parser) attrNS(qn []byte, prefixLen int) string {
	prefix := qn[:prefixLen]
	switch string(prefix) {
	case "":
		return ""
	case "xml":
		return xmlURL
	case "xmlns":
		return "xmlns"
	}
	if b := p.lookup(prefix); b != nil {
		return b.uri
	}
	return p.intern(prefix)
}

// uriIndex returns the index of b's URI in the record's namespace table.
func (p *Parser) uriIndex(b *binding) int32 {
	if b == nil {
		return 0
	}
	if b.gen != p.rec.gen {
		b.gen, b.idx = p.rec.gen, p.rec.uriIndex(b.uri)
	}
	return b.idx
}
