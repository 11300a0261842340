package xmlstream

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// utf8Error locates the first invalid UTF-8 sequence of a document.
type utf8Error struct {
	Line, Column int // 1-based; the column counts characters
}

func (e *utf8Error) Error() string {
	return fmt.Sprintf("%v at line %d, column %d", ErrInvalidUTF8, e.Line, e.Column)
}

func (e *utf8Error) Unwrap() error { return ErrInvalidUTF8 }

// utf8Reader passes a UTF-8 byte stream through and fails at the first
// invalid sequence, after handing out every valid byte before it. It checks
// the whole file, comments included, which encoding/xml does not.
type utf8Reader struct {
	r     io.Reader
	buf   []byte
	ready []byte // checked bytes not yet read
	tail  []byte // start of a rune cut by the end of the last read, in buf
	line  int
	col   int // characters already seen on line
	err   error
}

func newUTF8Reader(r io.Reader) *utf8Reader {
	return &utf8Reader{r: r, buf: make([]byte, 32<<10), line: 1}
}

func (u *utf8Reader) Read(p []byte) (int, error) {
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

// fill reads the next chunk and checks it; it sets ready to the valid part,
// and err to the read error or the position of an invalid sequence.
func (u *utf8Reader) fill() {
	k := copy(u.buf, u.tail)
	n, err := u.r.Read(u.buf[k:])
	data := u.buf[:k+n]
	u.tail = nil
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
		if !utf8.FullRune(data[i:]) && err == nil {
			u.tail = data[i:]
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			u.ready = data[:i]
			u.err = &utf8Error{Line: u.line, Column: u.col + 1}
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
