package delimited

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"minisync/formats/textenc"
	"minisync/pipeline"
)

// sniffSize is how much of a non-seekable file decides between UTF-8 and the
// FallbackEncoding; it stays buffered while the file is read.
const sniffSize = 1 << 20

// lookupCharset resolves an encoding label; cm is nil for UTF-8. Only the
// charsets of the exports we meet are accepted, so a typo cannot select a
// lookalike (htmlindex maps "iso-8859-1" to windows-1252, for instance).
func lookupCharset(label string) (name string, cm *charmap.Charmap, ok bool) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8":
		return "utf-8", nil, true
	case "windows-1250", "cp1250":
		return "windows-1250", charmap.Windows1250, true
	case "iso-8859-2", "iso8859-2", "latin2":
		return "iso-8859-2", charmap.ISO8859_2, true
	}
	return "", nil, false
}

// decoder returns r transcoded to checked UTF-8 without a BOM, and the name
// of the encoding it was read in.
func (f *Format) decoder(ctx context.Context, r io.Reader, name string) (io.Reader, string, error) {
	if f.enc != nil {
		br := bufio.NewReader(r)
		head, err := br.Peek(len(textenc.BOM))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, "", readError(name, err)
		}
		if bytes.Equal(head, textenc.BOM) {
			return nil, "", &pipeline.PositionError{File: name, Line: 1, Column: 1,
				Err: fmt.Errorf("%w: the file starts with a UTF-8 byte order mark but Encoding is %s", ErrEncoding, f.encName)}
		}
		return charmapReader(br, f.encName, f.enc), f.encName, nil
	}
	if f.fallback == nil {
		br, err := skipBOM(bufio.NewReader(r), name)
		if err != nil {
			return nil, "", err
		}
		return newChecker(br, "", strictHint), "utf-8", nil
	}

	if rs, ok := r.(io.ReadSeeker); ok {
		// A pipe is an *os.File too: a failing Seek sends it down the
		// buffered path.
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return f.decideSeekable(ctx, rs, start, name)
		}
	}

	br := bufio.NewReaderSize(r, sniffSize)
	hasBOM := false
	if head, err := br.Peek(len(textenc.BOM)); bytes.Equal(head, textenc.BOM) {
		_, _ = br.Discard(len(textenc.BOM)) // cannot fail: the bytes are buffered
		hasBOM = true
	} else if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", readError(name, err)
	}
	head, err := br.Peek(sniffSize)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF {
		return nil, "", readError(name, err)
	}
	switch {
	case validPrefix(head, atEOF):
		hint := ""
		if !atEOF {
			hint = fmt.Sprintf(" after a first MiB of valid UTF-8; if the file is %s, declare Encoding %s instead of relying on FallbackEncoding", f.fbName, f.fbName)
		}
		return newChecker(br, "", hint), "utf-8", nil
	case hasBOM:
		return newChecker(br, "", bomHint), "utf-8", nil
	}
	return charmapReader(br, f.fbName, f.fallback), f.fbName, nil
}

// strictHint points at the options for a file in a legacy encoding.
const strictHint = " (if the file is windows-1250 or iso-8859-2, set Encoding or FallbackEncoding)"

// bomHint explains why a file with a BOM is not decoded with the fallback.
const bomHint = " in a file starting with a UTF-8 byte order mark (so FallbackEncoding is not used)"

// decideSeekable validates the whole of rs as UTF-8 in a streaming pass,
// seeks back to start and returns the decoder for the encoding found.
func (f *Format) decideSeekable(ctx context.Context, rs io.ReadSeeker, start int64, name string) (io.Reader, string, error) {
	valid := true
	c := newChecker(rs, "", "")
	buf := make([]byte, 32<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, "", fmt.Errorf("validating delimited export %q: %w", name, err)
		}
		_, err := c.Read(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		var ee *encodingError
		if errors.As(err, &ee) {
			valid = false
			break
		}
		if err != nil {
			return nil, "", readError(name, err)
		}
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, "", readError(name, fmt.Errorf("rewinding after the UTF-8 check: %w", err))
	}
	br := bufio.NewReader(rs)
	hasBOM := false
	if head, err := br.Peek(len(textenc.BOM)); bytes.Equal(head, textenc.BOM) {
		_, _ = br.Discard(len(textenc.BOM))
		hasBOM = true
	} else if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", readError(name, err)
	}
	switch {
	case valid:
		return newChecker(br, "", ""), "utf-8", nil
	case hasBOM:
		return newChecker(br, "", bomHint), "utf-8", nil
	}
	return charmapReader(br, f.fbName, f.fallback), f.fbName, nil
}

// charmapReader decodes r from the single-byte charset cm; bytes the
// charset leaves undefined become errors, not U+FFFD.
func charmapReader(r io.Reader, name string, cm *charmap.Charmap) io.Reader {
	hint := ""
	if cm == charmap.ISO8859_2 {
		// x/text leaves 0x80-0x9F undefined in ISO-8859-2; windows-1250
		// puts letters such as š, ś and ź there.
		hint = " (bytes 0x80-0x9F: is the file windows-1250?)"
	}
	return newChecker(transform.NewReader(r, cm.NewDecoder()), name, hint)
}

// skipBOM drops a leading UTF-8 byte order mark.
func skipBOM(br *bufio.Reader, name string) (*bufio.Reader, error) {
	head, err := br.Peek(len(textenc.BOM))
	if bytes.Equal(head, textenc.BOM) {
		_, _ = br.Discard(len(textenc.BOM)) // cannot fail: the bytes are buffered
		return br, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, readError(name, err)
	}
	return br, nil
}

// validPrefix reports whether b is valid UTF-8, allowing a rune cut off at
// the end unless b ends the file.
func validPrefix(b []byte, atEOF bool) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !atEOF && !utf8.FullRune(b[i:]) {
			return true // a valid start of a rune, checked again when read
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

func readError(name string, err error) error {
	return &pipeline.PositionError{File: name, Err: fmt.Errorf("reading export: %w", err)}
}

// encodingError locates the first undecodable byte of a file.
type encodingError struct {
	line, col int // 1-based; the column counts characters
	err       error
}

func (e *encodingError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.line, e.col, e.err)
}

func (e *encodingError) Unwrap() error { return e.err }

// checker passes UTF-8 through and fails at the first invalid sequence, or,
// behind a charmap decoder (charset set), at the first byte the charset does
// not define (see textenc). It hands out every valid byte before the error
// and then returns the error on every call.
type checker struct {
	r       *textenc.Reader
	charset string // "" when r checks the file itself
	hint    string // appended to the error message
	err     error
}

func newChecker(r io.Reader, charset, hint string) *checker {
	if charset == "" {
		return &checker{r: textenc.NewReader(r), hint: hint}
	}
	return &checker{r: textenc.NewDecodedReader(r), charset: charset, hint: hint}
}

func (c *checker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	var te *textenc.Error
	if errors.As(err, &te) {
		charset := c.charset
		if charset == "" {
			charset = "utf-8"
		}
		c.err = &encodingError{line: te.Line, col: te.Column,
			err: fmt.Errorf("decoding %s: %w%s", charset, te.Err, c.hint)}
		return n, c.err
	}
	return n, err
}
