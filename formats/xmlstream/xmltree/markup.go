package xmltree

import (
	"bytes"
)

// bang parses the markup at buf[pos] that starts with "<!": a comment, a
// CDATA section or a DOCTYPE.
func (p *Parser) bang() error {
	if p.pos+2 >= p.end {
		return errShort
	}
	switch p.buf[p.pos+2] {
	case '-':
		return p.comment()
	case '[':
		return p.cdata()
	}
	return p.doctype()
}

// comment skips the comment at buf[pos].
func (p *Parser) comment() error {
	buf := p.buf[:p.end]
	content := p.pos + 4
	if content > len(buf) {
		return errShort
	}
	if buf[content-1] != '-' {
		return p.syntaxError(content-1, "invalid sequence <!- not part of <!--")
	}
	e, err := p.findEnd(buf, content, commentEnd)
	if err != nil {
		return err
	}
	if e+2 >= len(buf) {
		p.resume = e - p.pos
		return errShort
	}
	if buf[e+2] != '>' {
		return p.syntaxError(e, `invalid sequence "--" not allowed in comments`)
	}
	p.pos = e + 3
	return nil
}

var commentEnd = []byte("--")

// findEnd returns where end next occurs in buf at or after from, without
// searching again what an earlier call for the same token saw; errShort
// when the buffer does not hold it yet.
func (p *Parser) findEnd(buf []byte, from int, end []byte) (int, error) {
	from = max(from, p.pos+p.resume)
	k := bytes.Index(buf[from:], end)
	if k < 0 {
		p.resume = max(len(buf)-(len(end)-1)-p.pos, 0)
		return 0, errShort
	}
	return from + k, nil
}

const cdataStart = "<![CDATA["

// cdata parses the CDATA section at buf[pos].
func (p *Parser) cdata() error {
	buf := p.buf[:p.end]
	n := min(len(buf)-p.pos, len(cdataStart))
	if string(buf[p.pos:p.pos+n]) != cdataStart[:n] {
		return p.syntaxError(p.pos, "invalid <![ sequence")
	}
	if n < len(cdataStart) {
		return errShort
	}
	if len(p.stack) == 0 {
		return p.syntaxError(p.pos, "CDATA section outside the root element")
	}
	content := p.pos + len(cdataStart)
	e, err := p.findEnd(buf, content, cdataEnd)
	if err != nil {
		return err
	}
	if p.rec.depth > 0 {
		if err := p.addCDATA(buf[content:e]); err != nil {
			return err
		}
	}
	p.pos = e + len(cdataEnd)
	return nil
}

// procInst skips the processing instruction at buf[pos], checking the
// version of the XML declaration.
func (p *Parser) procInst() error {
	buf := p.buf[:p.end]
	start := p.pos + 2
	i := scanName(buf, start)
	if i >= len(buf) {
		return errShort
	}
	target := buf[start:i]
	if len(target) == 0 {
		return p.syntaxError(start, "expected target name after <?")
	}
	if !isName(target) {
		return p.syntaxError(start, "invalid XML name: %s", target)
	}
	if i = skipSpace(buf, i); i >= len(buf) {
		return errShort
	}
	e, err := p.findEnd(buf, i, piEnd)
	if err != nil {
		return err
	}
	if string(target) == "xml" {
		if p.base+int64(p.pos) != int64(p.docStart) {
			return p.syntaxError(p.pos, "XML declaration not at the start of the document")
		}
		if v := declParam(buf[i:e], "version"); v != "" && v != "1.0" {
			return p.syntaxError(p.pos, "unsupported XML version %q; only version 1.0 is supported", v)
		}
	}
	p.pos = e + len(piEnd)
	return nil
}

var piEnd = []byte("?>")

// declParam returns the quoted value of param in an XML declaration, ""
// when there is none; it reads the declaration as encoding/xml does.
func declParam(s []byte, param string) string {
	key := []byte(param + "=")
	i := 0
	var quote byte
	for i < len(s) {
		sub := s[i:]
		k := bytes.Index(sub, key)
		if k < 0 || len(key)+k >= len(sub) {
			return ""
		}
		i += len(key) + k + 1
		if c := sub[len(key)+k]; c == '\'' || c == '"' {
			quote = c
			break
		}
	}
	if quote == 0 {
		return ""
	}
	j := bytes.IndexByte(s[i:], quote)
	if j < 0 {
		return ""
	}
	return string(s[i : i+j])
}

// doctype skips the document type declaration at buf[pos], internal subset
// included; it must come before the root element, once.
func (p *Parser) doctype() error {
	buf := p.buf[:p.end]
	const keyword = "DOCTYPE"
	start := p.pos + 2
	n := min(len(buf)-start, len(keyword))
	if string(buf[start:start+n]) != keyword[:n] {
		return p.syntaxError(p.pos, "invalid <! sequence: only comments, CDATA sections and a DOCTYPE start with <!")
	}
	i := start + len(keyword)
	if i >= len(buf) {
		return errShort
	}
	if !spaceByte[buf[i]] {
		return p.syntaxError(p.pos, "invalid <! sequence: only comments, CDATA sections and a DOCTYPE start with <!")
	}
	switch {
	case p.rootSeen:
		return p.syntaxError(p.pos, "DOCTYPE after the start of the root element")
	case p.doctypeSeen:
		return p.syntaxError(p.pos, "second DOCTYPE")
	}
	end, err := directiveEnd(buf, i)
	if err != nil {
		return err
	}
	p.doctypeSeen = true
	p.pos = end + 1
	return nil
}

// directiveEnd returns the index of the '>' closing the markup declaration
// that continues at buf[i]. As encoding/xml does, it skips quoted strings
// and comments and counts the nesting of other '<' and '>'.
func directiveEnd(buf []byte, i int) (int, error) {
	var quote byte
	depth := 0
	for ; i < len(buf); i++ {
		c := buf[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '>' && depth == 0:
			return i, nil
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			depth--
		case c == '<':
			if len(buf)-i < 4 {
				return 0, errShort
			}
			if string(buf[i+1:i+4]) != "!--" {
				depth++
				continue
			}
			k := bytes.Index(buf[i+4:], []byte("-->"))
			if k < 0 {
				return 0, errShort
			}
			i += 4 + k + 2
		}
	}
	return 0, errShort
}
