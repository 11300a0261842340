package xmltree

import (
	"bytes"
	"io"
)

// Parser streams the records of one XML document; see the package
// documentation. It is not safe for concurrent use, but the trees it
// returns are.
type Parser struct {
	input
	path []string // local names of the record element's steps below the root

	stack    []frame   // open elements
	names    []byte    // qualified names of the open elements
	ns       []binding // namespace declarations in scope, innermost last
	xmlNS    binding   // the xml prefix, bound by definition
	interned map[string]string
	scratch  []byte // decoded text that is checked but not kept

	started     bool // the byte order mark check is done
	docStart    int  // document offset of the first byte after a byte order mark
	doctypeSeen bool
	prologErr   error // text before the root element, reported at the root
	rootSeen    bool
	root        Name
	rootQName   string
	rootLine    int

	rec       builder // the record being read, when rec.depth > 0
	done      *Tree   // a complete record for Next to return
	tmp       []attrSpan
	resume    int   // bytes after pos already searched for the end of the token
	textFlags uint8 // classes of the text bytes already searched
	err       error // sticky: io.EOF or the error that stopped parsing
}

// frame is an open element.
type frame struct {
	name, nameEnd int32 // qualified name in Parser.names
	nsMark        int32 // len(Parser.ns) outside the element
	node          int32 // node in the record, -1 outside records
	last          int32 // last child node, -1 for none yet
	onPath        bool  // the element is on the path to the records
}

// NewParser returns a parser streaming the elements of r at path below the
// root element: path holds the local names of the steps, in any namespace;
// an empty path makes the root element the one record.
func NewParser(r io.Reader, path []string) *Parser {
	return &Parser{
		input:    newInput(r),
		path:     path,
		xmlNS:    binding{prefix: "xml", uri: xmlURL},
		interned: map[string]string{},
		rec:      newBuilder(),
	}
}

// Root parses the document up to the start tag of the root element if Next
// did not already, and returns the root's name and line. It returns io.EOF
// when the document ends without a root element, text before it included,
// and the syntax or read error that stops parsing before it.
func (p *Parser) Root() (name Name, line int, err error) {
	for !p.rootSeen {
		if p.err != nil {
			return Name{}, 0, p.err
		}
		if err := p.step(); err != nil {
			p.err = err
		}
	}
	return p.root, p.rootLine, nil
}

// Next returns the next record, io.EOF after the last one once the rest of
// the document proved well-formed, or the *SyntaxError or read error that
// stops parsing; after io.EOF or an error it returns the same again.
func (p *Parser) Next() (*Tree, error) {
	for {
		if t := p.done; t != nil { // Root may have completed an empty root record
			p.done = nil
			return t, nil
		}
		if p.err != nil {
			return nil, p.err
		}
		if err := p.step(); err != nil {
			p.err = err
		}
	}
}

// Token kinds, for retry.
const (
	tokText = iota
	tokStart
	tokEnd
	tokPI
	tokBang
)

// step parses the token at buf[pos].
func (p *Parser) step() error {
	if !p.started {
		return p.start()
	}
	if p.pos+1 >= p.end {
		// Every token but text needs two bytes to be told apart.
		err := p.fill()
		switch {
		case err == nil:
			return nil
		case err != io.EOF:
			return err
		case p.pos == p.end:
			return p.atEOF()
		case p.buf[p.pos] == '<':
			return p.syntaxError(p.end, "unexpected EOF")
		}
		return p.charData()
	}
	var kind int
	var err error
	if p.buf[p.pos] != '<' {
		kind, err = tokText, p.charData()
	} else {
		switch p.buf[p.pos+1] {
		case '/':
			kind, err = tokEnd, p.endTag()
		case '?':
			kind, err = tokPI, p.procInst()
		case '!':
			kind, err = tokBang, p.bang()
		default:
			kind, err = tokStart, p.startTag()
		}
	}
	if err == errShort {
		return p.retry(kind)
	}
	return err
}

// retry refills the buffer and parses again a token of the given kind that
// continues past the end, as often as it takes.
func (p *Parser) retry(kind int) error {
	for {
		err := p.fillAtLeast(max(p.end-p.pos, 1))
		switch {
		case err == nil:
		case err == io.EOF && kind == tokText:
			// Text ends with the document; charData sees it now.
		case err == io.EOF && kind == tokBang && bytes.HasPrefix(p.buf[p.pos:p.end], []byte(cdataStart)):
			return p.syntaxError(p.end, "unexpected EOF in CDATA section")
		default:
			return p.unexpectedEOF(err)
		}
		switch kind {
		case tokText:
			err = p.charData()
		case tokStart:
			err = p.startTag()
		case tokEnd:
			err = p.endTag()
		case tokPI:
			err = p.procInst()
		default:
			err = p.bang()
		}
		if err != errShort {
			p.resume = 0
			return err
		}
	}
}

// start skips a byte order mark at the start of the document.
func (p *Parser) start() error {
	for p.end-p.pos < len(bom) {
		if err := p.fill(); err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
	}
	if p.end-p.pos >= len(bom) && string(p.buf[p.pos:p.pos+len(bom)]) == bom {
		p.pos += len(bom)
	}
	p.docStart = int(p.base) + p.pos
	p.started = true
	return nil
}

const bom = "\uFEFF"

// atEOF ends a document whose last token is complete.
func (p *Parser) atEOF() error {
	if len(p.stack) > 0 {
		return p.syntaxError(p.end, "unexpected EOF")
	}
	return io.EOF
}
