package textenc_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

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
