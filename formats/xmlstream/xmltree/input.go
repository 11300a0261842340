package xmltree

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Buffer sizes: the buffer starts at startSize and doubles as the document
// goes on up to bufSize, beyond that only while a single token does not
// fit; it shrinks back to bufSize once the big token is behind.
const (
	startSize = 8 << 10
	bufSize   = 256 << 10
	minRead   = 1 << 10 // refill only with at least this much room
)

// input is the parser's window on the document: buf[pos:end] is read,
// checked to hold XML characters only and not yet parsed; buf[end:raw] is
// read but not checked yet (a character cut by the end of a read, or what
// follows a bad character).
type input struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	raw  int
	base int64 // document offset of buf[0]
	rerr error // read error, io.EOF included, after buf[:raw]
	bad  bool  // buf[end] starts a byte sequence that is not an XML character

	// Line tracking: lines are counted lazily up to buf[linePos].
	line     int // 1-based line of buf[linePos]
	linePos  int
	colCarry int // characters of the line of buf[0] that were dropped before it
}

func newInput(r io.Reader) input {
	return input{r: r, buf: make([]byte, startSize), line: 1}
}

// exhausted reports whether the document ends at buf[end].
func (in *input) exhausted() bool {
	return in.end == in.raw && !in.bad && errors.Is(in.rerr, io.EOF)
}

// fill reads more of the document after buf[end]. It returns nil once there
// is more to parse; otherwise the read error (io.EOF at the end of the
// document) or a *SyntaxError for a byte sequence that is not an XML
// character.
func (in *input) fill() error { return in.fillAtLeast(1) }

// fillAtLeast is fill reading on until there are n more bytes to parse, or
// an error or a bad character stops it after at least one. Parsing a long
// token again after each refill then costs no more than parsing it once
// more in all, however little each read returns.
func (in *input) fillAtLeast(n int) error {
	got := 0
	for empty := 0; got < n; {
		if in.bad || in.rerr != nil {
			switch {
			case got > 0:
				return nil
			case in.bad:
				return in.badCharError()
			}
			return in.rerr
		}
		in.makeRoom()
		k, err := in.r.Read(in.buf[in.raw:])
		in.raw += k
		if err != nil {
			in.rerr = err
		} else if k == 0 {
			if empty++; empty > 100 {
				in.rerr = io.ErrNoProgress
			}
		}
		// A character cut by the end of the document is not one; cut by a
		// read error, the read error is what counts.
		k, bad := checkChars(in.buf[in.end:in.raw], errors.Is(in.rerr, io.EOF))
		in.end += k
		in.bad = bad
		got += k
	}
	return nil
}

// makeRoom makes at least minRead bytes of room after buf[raw]: it drops
// the parsed bytes before buf[pos], and grows the buffer up to bufSize or
// when the unparsed bytes fill most of it.
func (in *input) makeRoom() {
	if len(in.buf)-in.raw >= minRead {
		return
	}
	live := in.raw - in.pos
	size := len(in.buf)
	switch {
	case size < bufSize || live+minRead > size:
		size = 2 * size
	case size > bufSize && live < bufSize/2:
		size = bufSize
	}
	in.drop()
	buf := in.buf
	if size != len(buf) {
		buf = make([]byte, size)
	}
	copy(buf, in.buf[in.pos:in.raw])
	in.buf = buf
	in.base += int64(in.pos)
	in.end -= in.pos
	in.raw -= in.pos
	in.linePos -= in.pos
	in.pos = 0
}

// drop keeps the line and column tracking right while buf[:pos] is dropped.
func (in *input) drop() {
	in.lineAt(in.pos)
	if ls := bytes.LastIndexByte(in.buf[:in.pos], '\n'); ls >= 0 {
		in.colCarry = utf8.RuneCount(in.buf[ls+1 : in.pos])
	} else {
		in.colCarry += utf8.RuneCount(in.buf[:in.pos])
	}
}

// lineAt returns the 1-based line of buf[i], i not dropped.
func (in *input) lineAt(i int) int {
	if i < in.linePos {
		return in.line - bytes.Count(in.buf[i:in.linePos], newline)
	}
	in.line += bytes.Count(in.buf[in.linePos:i], newline)
	in.linePos = i
	return in.line
}

// columnAt returns the 1-based column of buf[i] in characters.
func (in *input) columnAt(i int) int {
	if ls := bytes.LastIndexByte(in.buf[:i], '\n'); ls >= 0 {
		return utf8.RuneCount(in.buf[ls+1:i]) + 1
	}
	return in.colCarry + utf8.RuneCount(in.buf[:i]) + 1
}

var newline = []byte{'\n'}

// syntaxError returns a *SyntaxError for buf[i].
func (in *input) syntaxError(i int, format string, args ...any) error {
	return &SyntaxError{Line: in.lineAt(i), Column: in.columnAt(i), Msg: fmt.Sprintf(format, args...)}
}

// badCharError describes the byte sequence at buf[end].
func (in *input) badCharError() error {
	r, n := utf8.DecodeRune(in.buf[in.end:in.raw])
	if r == utf8.RuneError && n <= 1 {
		return in.syntaxError(in.end, "invalid UTF-8")
	}
	return in.syntaxError(in.end, "illegal character code %U", r)
}

// unexpectedEOF turns io.EOF, met inside a token or an element, into a
// *SyntaxError at the end of the document.
func (in *input) unexpectedEOF(err error) error {
	if err == io.EOF {
		return in.syntaxError(in.end, "unexpected EOF")
	}
	return err
}

// checkChars returns the length of the prefix of b made of XML characters,
// and whether a byte sequence that is not one follows it. A character cut
// by the end of b is left for the next call unless atEOF.
func checkChars(b []byte, atEOF bool) (n int, bad bool) {
	i := 0
	for i < len(b) {
		if i+8 <= len(b) && asciiChars(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
			continue
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i, true
			}
			i++
			continue
		}
		if !atEOF && !utf8.FullRune(b[i:]) {
			return i, false
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			return i, true
		}
		i += size
	}
	return i, false
}

// asciiChars reports whether the eight bytes of w are ASCII XML characters:
// no control character but tab, line feed and carriage return.
func asciiChars(w uint64) bool {
	const hi = 0x8080808080808080
	ctrl := ^(w + 0x6060606060606060) & hi // bytes below 0x20, if all are ASCII
	return w&hi == 0 && (ctrl == 0 || ctrl&^(zeroBytes(w^0x0A0A0A0A0A0A0A0A)|zeroBytes(w^0x0909090909090909)|zeroBytes(w^0x0D0D0D0D0D0D0D0D)) == 0)
}

// zeroBytes sets the high bit of the bytes of v that are zero.
func zeroBytes(v uint64) uint64 {
	const hi, lo7 = 0x8080808080808080, 0x7F7F7F7F7F7F7F7F
	return ^((v&lo7 + lo7) | v) & hi
}
