package xmltree

import (
	"bytes"
	"unicode/utf8"
)

// Byte classes of text, see textClass.
const (
	textStop    = 1 << iota // '<' ends the text
	textSpecial             // '&', '\r' and ']' need decode
	textInk                 // not white space
)

// textClass classifies the bytes of text; decodeStop holds the bytes
// decode stops at.
var (
	textClass  [256]uint8
	decodeStop [256]bool
)

func init() {
	for c := range textClass {
		textClass[c] = textInk
	}
	for _, c := range []byte(" \t\n") {
		textClass[c] = 0
	}
	textClass['<'] = textStop
	textClass['\r'] = textSpecial
	textClass['&'] |= textSpecial
	textClass[']'] |= textSpecial
	for _, c := range []byte("&\r]") {
		decodeStop[c] = true
	}
}

// charData parses the text at buf[pos], up to the next '<' or the end of
// the document.
func (p *Parser) charData() error {
	buf := p.buf[:p.end]
	start := p.pos
	i := start + p.resume
	flags := p.textFlags
	for i < len(buf) {
		c := textClass[buf[i]]
		if c&textStop != 0 {
			break
		}
		flags |= c
		i++
	}
	if i == len(buf) && !p.exhausted() {
		p.resume, p.textFlags = i-start, flags
		return errShort
	}
	p.textFlags = 0
	span := buf[start:i]
	switch {
	case p.rec.depth > 0:
		if err := p.addText(span, start, flags); err != nil {
			return err
		}
	case flags&textInk != 0 && len(p.stack) == 0:
		k := skipSpace(span, 0)
		if p.rootSeen {
			return p.syntaxError(start+k, "text after the root element")
		}
		// Reported if a root element follows; without one, a document of
		// text is one without root.
		if p.prologErr == nil {
			p.prologErr = p.syntaxError(start+k, "text before the root element")
		}
	case flags&textSpecial != 0:
		v, err := p.decode(p.scratch[:0], span, start, true)
		p.scratch = v
		if err != nil {
			return err
		}
	}
	p.pos = i
	return nil
}

// addText adds a run of text, found at buf[at] and classified by flags, to
// the record. A run of white space after the first child of its element
// gets no node: its text is part of the element's inner text only.
func (p *Parser) addText(span []byte, at int, flags uint8) error {
	b := &p.rec
	start := len(b.text)
	if flags&textSpecial == 0 {
		b.text = append(b.text, span...)
	} else {
		var err error
		if b.text, err = p.decode(b.text, span, at, true); err != nil {
			return err
		}
	}
	if !b.fits() {
		return ErrRecordTooLarge
	}
	f := &p.stack[len(p.stack)-1]
	if flags&textInk == 0 && f.last >= 0 {
		return nil
	}
	b.link(f, node{kind: Text, attr: int32(len(b.attrs)), text: int32(start), textEnd: int32(len(b.text))})
	return nil
}

// addCDATA adds the content of a CDATA section to the record.
func (p *Parser) addCDATA(span []byte) error {
	b := &p.rec
	start := len(b.text)
	b.text = appendCDATA(b.text, span)
	if !b.fits() {
		return ErrRecordTooLarge
	}
	b.link(&p.stack[len(p.stack)-1], node{kind: CData, attr: int32(len(b.attrs)), text: int32(start), textEnd: int32(len(b.text))})
	return nil
}

// attrValue appends the decoded value of attribute a to dst.
func (p *Parser) attrValue(dst []byte, a *attrSpan) ([]byte, error) {
	return p.decode(dst, p.buf[a.value:a.valueEnd], a.value, false)
}

// decode appends span, text or an attribute value found at buf[at], to dst
// with entities replaced and CR LF or CR turned into LF. In text, "]]>" is
// an error.
func (p *Parser) decode(dst, span []byte, at int, text bool) ([]byte, error) {
	for {
		k := 0
		for k < len(span) && !decodeStop[span[k]] {
			k++
		}
		dst = append(dst, span[:k]...)
		if k == len(span) {
			return dst, nil
		}
		switch span[k] {
		case '\r':
			dst = append(dst, '\n')
			if k++; k < len(span) && span[k] == '\n' {
				k++
			}
		case ']':
			if text && bytes.HasPrefix(span[k:], cdataEnd) {
				return dst, p.syntaxError(at+k, "unescaped ]]> not in CDATA section")
			}
			dst = append(dst, ']')
			k++
		default:
			n, err := p.entity(&dst, span[k:], at+k)
			if err != nil {
				return dst, err
			}
			k += n
		}
		span, at = span[k:], at+k
	}
}

// entity appends the character the entity or character reference at the
// start of s stands for to dst and returns its length.
func (p *Parser) entity(dst *[]byte, s []byte, at int) (int, error) {
	if len(s) > 1 && s[1] == '#' {
		return p.charRef(dst, s, at)
	}
	i := scanName(s, 1)
	if i >= len(s) || s[i] != ';' {
		return 0, p.syntaxError(at, "invalid character entity %s (no semicolon)", s[:i])
	}
	var c byte
	switch string(s[1:i]) {
	case "lt":
		c = '<'
	case "gt":
		c = '>'
	case "amp":
		c = '&'
	case "apos":
		c = '\''
	case "quot":
		c = '"'
	default:
		return 0, p.syntaxError(at, "invalid character entity %s", s[:i+1])
	}
	*dst = append(*dst, c)
	return i + 1, nil
}

// charRef decodes the character reference &#N; or &#xN; at the start of s.
func (p *Parser) charRef(dst *[]byte, s []byte, at int) (int, error) {
	i, base := 2, rune(10)
	if i < len(s) && s[i] == 'x' {
		i, base = i+1, 16
	}
	digits := i
	var r rune
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if r = r*base + d; r > utf8.MaxRune {
			r = utf8.MaxRune + 1 // stays out of range, cannot overflow
		}
	}
	switch {
	case i >= len(s) || s[i] != ';':
		return 0, p.syntaxError(at, "invalid character entity %s (no semicolon)", s[:i])
	case i == digits || r > utf8.MaxRune:
		return 0, p.syntaxError(at, "invalid character entity %s", s[:i+1])
	case !isChar(r):
		return 0, p.syntaxError(at, "illegal character code %U", r)
	}
	*dst = utf8.AppendRune(*dst, r)
	return i + 1, nil
}

// digitValue returns the value of a hexadecimal digit, 16 for other bytes.
func digitValue(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return 16
}

var cdataEnd = []byte("]]>")

// appendCDATA appends the content of a CDATA section to dst, turning CR LF
// and CR into LF.
func appendCDATA(dst, s []byte) []byte {
	for {
		k := bytes.IndexByte(s, '\r')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		dst = append(dst, '\n')
		if k++; k < len(s) && s[k] == '\n' {
			k++
		}
		s = s[k:]
	}
}
