package delimited_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/delimited"
)

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		opts delimited.Options
		want string
	}{
		{delimited.Options{Delimiter: ":"}, `Delimiter ":"`},
		{delimited.Options{Quote: "`"}, "Quote \"`\""},
		{delimited.Options{Encoding: "latin1"}, `Encoding "latin1"`},
		{delimited.Options{Encoding: "auto"}, `Encoding "auto": needs a FallbackEncoding`},
		{delimited.Options{FallbackEncoding: "utf-8"}, `FallbackEncoding "utf-8"`},
		{delimited.Options{Encoding: "windows-1250", FallbackEncoding: "iso-8859-2"}, `FallbackEncoding "iso-8859-2": only used with Encoding utf-8 or auto`},
		{delimited.Options{Ragged: "truncate"}, `Ragged "truncate"`},
	} {
		_, err := delimited.New(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want %q", tc.opts, err, tc.want)
		}
	}
	for _, o := range []delimited.Options{
		{},
		{Header: true, Delimiter: "auto", Quote: `"`, Encoding: "UTF-8", FallbackEncoding: "cp1250", Ragged: "pad"},
		{Delimiter: `\t`, Quote: "'", Encoding: "auto", FallbackEncoding: "latin2", Ragged: "reject"},
	} {
		if _, err := delimited.New(o); err != nil {
			t.Errorf("New(%+v): %v", o, err)
		}
	}
}

// bigFile is a header, enough ASCII rows to pass the 1 MiB sniff buffer, and
// a last row in windows-1250.
func bigFile(t *testing.T) (data []byte, rows int) {
	var b bytes.Buffer
	b.WriteString("Számlaszám;Vevő\n")
	for b.Len() <= 1<<20 {
		rows++
		fmt.Fprintf(&b, "SZ-%07d;Kovacs Eva\n", rows)
	}
	rows++
	b.Write(cp1250(t, "SZ-LAST;Kő Ödön\n"))
	return b.Bytes()[len("Számlaszám;Vevő\n"):], rows
}

func TestLateInvalidByte(t *testing.T) {
	body, rows := bigFile(t)
	opts := delimited.Options{Header: true, FallbackEncoding: "windows-1250"}

	t.Run("stream", func(t *testing.T) {
		// Not seekable: the first MiB is valid UTF-8, so the file is read
		// as UTF-8 and the late byte is fatal.
		data := cat([]byte("Számlaszám;Vevő\n"), body)
		res := read(t, opts, nonSeeker{bytes.NewReader(data)})
		if len(res.got) != rows-1 || res.encoding != "utf-8" {
			t.Errorf("got %d rows in %s, want %d in utf-8", len(res.got), res.encoding, rows-1)
		}
		pe := positionError(t, res.fatal)
		if !errors.Is(res.fatal, delimited.ErrInvalidUTF8) || pe.Line != rows+1 || pe.Column != len("SZ-LAST;K")+1 {
			t.Errorf("error %v, want invalid UTF-8 at %d:%d", res.fatal, rows+1, len("SZ-LAST;K")+1)
		}
		if !strings.Contains(res.fatal.Error(), "declare Encoding windows-1250") {
			t.Errorf("error %q does not say to declare the encoding", res.fatal)
		}
	})

	t.Run("file", func(t *testing.T) {
		// Seekable: the whole file is checked first and decoded with the
		// fallback, header included.
		path := filepath.Join(t.TempDir(), "big.csv")
		data := cat(cp1250(t, "Számlaszám;Vevő\n"), body)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs := readRecords(t, opts, f)
		if len(recs) != rows {
			t.Fatalf("got %d rows, want %d", len(recs), rows)
		}
		if got := value(t, recs[rows-1], "Vevő"); got != "Kő Ödön" {
			t.Errorf("last Vevő = %q, want Kő Ödön", got)
		}
	})

	t.Run("stream, early byte", func(t *testing.T) {
		// Not seekable, but the windows-1250 header is in the first MiB.
		data := cat(cp1250(t, "Számlaszám;Vevő\n"), body)
		res := read(t, opts, nonSeeker{bytes.NewReader(data)})
		if res.fatal != nil || len(res.got) != rows || res.encoding != "windows-1250" {
			t.Fatalf("got %d rows in %s, %v; want %d in windows-1250", len(res.got), res.encoding, res.fatal, rows)
		}
		if got := res.got[rows-1].fields; got[1] != "Kő Ödön" || res.header[0] != "Számlaszám" {
			t.Errorf("header %q, last row %q", res.header, got)
		}
	})
}

func TestOpenAtOffset(t *testing.T) {
	// The validation pass seeks back to where the reader stood, not to 0.
	data := cat([]byte("junk before the export\n"), cp1250(t, hu))
	r := bytes.NewReader(data)
	if _, err := r.Seek(int64(len("junk before the export\n")), 0); err != nil {
		t.Fatal(err)
	}
	res := read(t, delimited.Options{Header: true, Encoding: "auto", FallbackEncoding: "windows-1250"}, r)
	if res.fatal != nil || len(res.got) != 2 || res.header[0] != "Név" || res.encoding != "windows-1250" {
		t.Errorf("got %+v", res)
	}
}

func TestOpenCancelled(t *testing.T) {
	f, err := delimited.New(delimited.Options{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Open(ctx, strings.NewReader("a\n1\n"), "x.csv"); !errors.Is(err, context.Canceled) {
		t.Errorf("Open error = %v, want context.Canceled", err)
	}
}
