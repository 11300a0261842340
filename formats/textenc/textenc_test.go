package textenc_test

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"minisync/formats/textenc"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name      string
		r         io.Reader
		want      string
		wantErr   error
		line, col int
	}{
		{name: "valid", r: textenc.NewReader(strings.NewReader("árvíz\ntűrő\uFFFD")), want: "árvíz\ntűrő\uFFFD"},
		{name: "split runes", r: textenc.NewReader(iotest.OneByteReader(strings.NewReader("őű\nű"))), want: "őű\nű"},
		{name: "invalid", r: textenc.NewReader(strings.NewReader("ab\ncő\xe9x")), want: "ab\ncő",
			wantErr: textenc.ErrInvalidUTF8, line: 2, col: 3},
		{name: "cut at EOF", r: textenc.NewReader(strings.NewReader("a;\xc5")), want: "a;",
			wantErr: textenc.ErrInvalidUTF8, line: 1, col: 3},
		{name: "undefined byte", r: textenc.NewDecodedReader(transform.NewReader(strings.NewReader("x\n\xf5\x81"), charmap.ISO8859_2.NewDecoder())),
			want: "x\nő", wantErr: textenc.ErrUndefinedByte, line: 2, col: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(tt.r)
			if string(got) != tt.want {
				t.Errorf("read %q, want %q", got, tt.want)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var e *textenc.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.wantErr) || e.Line != tt.line || e.Column != tt.col {
				t.Fatalf("err = %v, want %v at line %d, column %d", err, tt.wantErr, tt.line, tt.col)
			}
			if _, again := tt.r.Read(make([]byte, 8)); again != err {
				t.Errorf("second read err = %v, want the same %v", again, err)
			}
		})
	}
}

// reference locates the first invalid UTF-8 sequence of b rune by rune:
// the valid prefix, and the line and column of the problem (0, 0 if none).
func reference(b []byte) (valid string, line, col int) {
	line = 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return string(b[:i]), line, col + 1
		}
		if r == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
		i += size
	}
	return string(b), 0, 0
}

// TestReaderAgreesWithARuneWalk reads random mixes of ASCII, multi-byte
// runes, newlines and stray bytes through readers that cut the input
// anywhere, and compares the outcome with a plain rune-by-rune walk.
func TestReaderAgreesWithARuneWalk(t *testing.T) {
	pieces := []string{"a", "Z", ";", "\n", "\r\n", "ő", "Ș", "€", "😀", "\xc5", "\xe9", "\xff", "\x80", "\xf0\x9f", "\uFFFD"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(200) {
			p := pieces[rng.IntN(len(pieces))]
			if p[0] >= 0x80 && !utf8.ValidString(p) && rng.IntN(8) != 0 {
				p = "x" // stray bytes now and then only
			}
			b.WriteString(p)
		}
		in := b.String()
		want, line, col := reference([]byte(in))
		for name, r := range map[string]io.Reader{
			"whole":    strings.NewReader(in),
			"one byte": iotest.OneByteReader(strings.NewReader(in)),
			"half":     iotest.HalfReader(strings.NewReader(in)),
		} {
			got, err := io.ReadAll(textenc.NewReader(r))
			if string(got) != want {
				t.Fatalf("%s reader on %q: read %q, want %q", name, in, got, want)
			}
			var e *textenc.Error
			switch {
			case line == 0 && err != nil:
				t.Fatalf("%s reader on %q: err = %v", name, in, err)
			case line > 0 && (!errors.As(err, &e) || e.Line != line || e.Column != col):
				t.Fatalf("%s reader on %q: err = %v, want line %d, column %d", name, in, err, line, col)
			}
		}
	}
}
