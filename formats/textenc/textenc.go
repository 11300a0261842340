// Package textenc holds the text-encoding checks shared by the export
// formats: a streaming reader that lets only valid UTF-8 through and locates
// the first invalid byte by line and column, and the error values it
// reports.
package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// BOM is the UTF-8 byte order mark.
var BOM = []byte{0xEF, 0xBB, 0xBF}

// Sentinel errors wrapped by *Error.
var (
	// ErrInvalidUTF8 means text read as UTF-8 holds a byte sequence that is not UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrUndefinedByte means a byte has no character in the text's single-byte encoding.
	ErrUndefinedByte = errors.New("byte not defined in the encoding")
)

// Error locates the first invalid byte of a stream.
type Error struct {
	Line, Column int   // 1-based; the column counts characters
	Err          error // ErrInvalidUTF8 or ErrUndefinedByte
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v at line %d, column %d", e.Err, e.Line, e.Column)
}

func (e *Error) Unwrap() error { return e.Err }

// Reader passes a UTF-8 byte stream through and fails with an *Error at the
// first invalid sequence, after handing out every valid byte before it; it
// then returns that error on every call. Read errors of the underlying
// reader, io.EOF included, are passed on the same way.
type Reader struct {
	r       io.Reader
	decoded bool // r is a charset decoder: U+FFFD marks an undefined byte
	buf     []byte
	ready   []byte // checked bytes not yet read
	tail    []byte // start of a rune cut by the end of the last read, in buf
	line    int
	col     int // characters already seen on line
	err     error
}

// NewReader returns a Reader checking that r is UTF-8; it fails wrapping
// ErrInvalidUTF8. A well-formed U+FFFD passes.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 32<<10), line: 1}
}

// NewDecodedReader returns a Reader over the output of a single-byte charset
// decoder such as charmap.Charmap.NewDecoder, which writes only UTF-8 and
// marks a byte the charset does not define with U+FFFD; it fails at the
// first U+FFFD, wrapping ErrUndefinedByte. The output is not checked for
// UTF-8 again.
func NewDecodedReader(r io.Reader) *Reader {
	u := NewReader(r)
	u.decoded = true
	return u
}

func (u *Reader) Read(p []byte) (int, error) {
	for len(u.ready) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.ready)
	u.ready = u.ready[n:]
	return n, nil
}

// replacement is U+FFFD in UTF-8, which a charset decoder writes for a
// byte its charset does not define.
var replacement = []byte("\uFFFD")

// fill reads the next chunk and checks it; it sets ready to the valid part,
// and err to the read error or the position of an invalid sequence. A
// chunk that is valid as a whole is checked with utf8.Valid (a decoder's
// output only for U+FFFD) and counted with bytes.Count; only a chunk with a
// problem is walked rune by rune, to locate it.
func (u *Reader) fill() {
	k := copy(u.buf, u.tail)
	n, err := u.r.Read(u.buf[k:])
	data := u.buf[:k+n]
	u.tail = nil
	if err == nil {
		if cut := cutRune(data); cut < len(data) {
			u.tail = data[cut:]
			data = data[:cut]
		}
	}
	var valid bool
	if u.decoded {
		valid = !bytes.Contains(data, replacement) // a decoder writes only UTF-8
	} else {
		valid = utf8.Valid(data)
	}
	if valid {
		u.advance(data)
		u.ready = data
		if err != nil {
			u.err = err
		}
		return
	}
	u.locate(data, err)
}

// cutRune returns where a rune cut by the end of data starts, or len(data).
func cutRune(data []byte) int {
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if utf8.FullRune(data[i:]) {
				return len(data)
			}
			return i
		}
	}
	return len(data)
}

// advance moves the line and column past valid text.
func (u *Reader) advance(data []byte) {
	nl := bytes.Count(data, []byte{'\n'})
	if nl == 0 {
		u.col += utf8.RuneCount(data)
		return
	}
	u.line += nl
	u.col = utf8.RuneCount(data[bytes.LastIndexByte(data, '\n')+1:])
}

// locate walks data rune by rune to the first invalid sequence; it sets
// ready to the valid part before it and err to its position.
func (u *Reader) locate(data []byte, err error) {
	i := 0
	for i < len(data) {
		c := data[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				u.line++
				u.col = 0
			} else {
				u.col++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && (size == 1 || u.decoded) {
			e := &Error{Line: u.line, Column: u.col + 1, Err: ErrInvalidUTF8}
			if u.decoded {
				e.Err = ErrUndefinedByte
			}
			u.ready, u.err = data[:i], e
			return
		}
		u.col++
		i += size
	}
	u.ready = data[:i]
	if err != nil {
		u.err = err
	}
}
