package delimited_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"minisync/formats/delimited"
	"minisync/pipeline"
)

// fuzzOptions are the dialects the fuzzer reads its inputs in.
var fuzzOptions = []delimited.Options{
	{Header: true},
	{Header: true, Delimiter: ";", GroupBy: "Számlaszám", Ragged: "pad", TrimSpace: true},
	{Header: true, Encoding: "auto", FallbackEncoding: "windows-1250", GroupBy: "a"},
	{Header: true, Delimiter: "\t", Encoding: "iso-8859-2", TrimSpace: true},
	{Delimiter: ",", Quote: "'", FallbackEncoding: "windows-1250", GroupBy: "1"},
}

// FuzzDelimited checks that reading never panics, that every error is a
// *pipeline.RecordError or a *pipeline.PositionError, and that Next ends.
func FuzzDelimited(f *testing.F) {
	for i, tc := range dialectCases(f) {
		f.Add(tc.in, uint8(i))
	}
	f.Add([]byte("Számlaszám;Tétel\nSZ-1;a\nSZ-1;b\nSZ-2;c\n;d\nSZ-1;e\n"), uint8(1))
	formats := make([]*delimited.Format, len(fuzzOptions))
	for i, o := range fuzzOptions {
		var err error
		if formats[i], err = delimited.New(o); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		format := formats[int(mode)%len(formats)]
		for _, r := range []io.Reader{bytes.NewReader(data), nonSeeker{bytes.NewReader(data)}} {
			rr, err := format.Open(context.Background(), r, "fuzz.csv")
			if err != nil {
				var pe *pipeline.PositionError
				if !errors.As(err, &pe) {
					t.Fatalf("Open error %v (%T) is not a PositionError", err, err)
				}
				continue
			}
			readToEnd(t, rr, len(data))
		}
	})
}

func readToEnd(t *testing.T, rr pipeline.RecordReader, size int) {
	header := rr.(*delimited.Reader).Header()
	for i := 0; ; i++ {
		if i > size+1 {
			t.Fatalf("more results (%d) than input bytes", i)
		}
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			if _, err := rr.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("Next after io.EOF = %v", err)
			}
			return
		}
		var re *pipeline.RecordError
		if errors.As(err, &re) {
			if re.Pos == "" {
				t.Fatalf("record error without position: %v", err)
			}
			continue
		}
		if err != nil {
			var pe *pipeline.PositionError
			if !errors.As(err, &pe) {
				t.Fatalf("Next error %v (%T) is not a PositionError", err, err)
			}
			if _, err2 := rr.Next(); err2 != err {
				t.Fatalf("Next after error = %v, want the same error", err2)
			}
			return
		}
		if rec == nil || rec.Position() == "" {
			t.Fatal("nil record or empty position without error")
		}
		for _, c := range header {
			if _, ok, err := rec.Value(c); !ok || err != nil {
				t.Fatalf("%s: Value(%q) = %v, %v", rec.Position(), c, ok, err)
			}
		}
		kids, _ := rec.Children("lines")
		for _, k := range kids {
			_ = k.Position()
			_, _, _ = k.Value("a")
		}
	}
}
