// Package xmlstreamtest holds the test helpers shared by the tests of the
// record formats (saga, ubl, unasxml, delimited): reading a whole file, the
// body of their reader fuzz targets and measuring the heap while streaming.
package xmlstreamtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"minisync/pipeline"
)

// ReadAll opens r with format and collects its records until the first
// error, which is nil at a clean io.EOF. An Open error is returned as is.
func ReadAll(t testing.TB, format pipeline.Format, r io.Reader, name string) ([]pipeline.Record, error) {
	t.Helper()
	rr, err := format.Open(context.Background(), r, name)
	if err != nil {
		return nil, err
	}
	var recs []pipeline.Record
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// Fuzz is the body of a reader fuzz target: it runs f over inputs read
// with format as "fuzz.xml" and fails when Open fails with anything but a
// *pipeline.PositionError, when Next yields more records than the input has
// bytes, a nil record or one without a position, or ends with anything but
// io.EOF or a *pipeline.PositionError that the next call repeats. visit is
// called on every record to exercise its accessors. Add the seeds to f
// first.
func Fuzz(f *testing.F, format pipeline.Format, visit func(pipeline.Record)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := format.Open(context.Background(), bytes.NewReader(data), "fuzz.xml")
		if err != nil {
			var pe *pipeline.PositionError
			if !errors.As(err, &pe) {
				t.Fatalf("Open error %v (%T) is not a PositionError", err, err)
			}
			return
		}
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatalf("more records (%d) than input bytes", i)
			}
			rec, err := rr.Next()
			if errors.Is(err, io.EOF) {
				return
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
			visit(rec)
		}
	})
}

// HeapInuse returns the bytes of heap in use after a garbage collection.
func HeapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Stream measures the heap while reading r with format to the end: it
// takes HeapInuse before opening, then reads every record, passing it to
// check and sampling the heap after every every-th one, and fails t on any
// error. It returns the number of records, the heap before and the peak.
func Stream(t testing.TB, format pipeline.Format, r io.Reader, name string, every int, check func(pipeline.Record)) (n int, before, peak uint64) {
	t.Helper()
	before = HeapInuse()
	rr, err := format.Open(context.Background(), r, name)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return n, before, peak
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		check(rec)
		if n%every == 0 {
			peak = max(peak, HeapInuse())
		}
	}
}

// CheckHeap logs the heap before and at its peak and fails t when it grew
// by more than bound bytes while streaming.
func CheckHeap(t testing.TB, before, peak, bound uint64) {
	t.Helper()
	t.Logf("heap in use: before %d KiB, peak %d KiB", before>>10, peak>>10)
	if peak > before+bound {
		t.Errorf("heap grew from %d to %d bytes while streaming; want under %d growth", before, peak, bound)
	}
}

// Fixture returns the content of the fixture file name in dir and fails t
// when it cannot be read.
func Fixture(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Value returns rec's value at path and fails t on a malformed path.
func Value(t testing.TB, rec pipeline.Record, path string) string {
	t.Helper()
	v, _, err := rec.Value(path)
	if err != nil {
		t.Fatalf("%s: Value(%q): %v", rec.Position(), path, err)
	}
	return v
}

// PositionError asserts err is a *pipeline.PositionError and returns it.
func PositionError(t testing.TB, err error) *pipeline.PositionError {
	t.Helper()
	var pe *pipeline.PositionError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *pipeline.PositionError", err, err)
	}
	return pe
}

// KeepLast shortens an export to what precedes the first occurrence of
// open (its prolog), then its last occurrence and all that follows it; an
// export without open is returned as is. Seeds cut this way keep fuzz
// minimisation fast.
func KeepLast(data []byte, open string) []byte {
	first := bytes.Index(data, []byte(open))
	last := bytes.LastIndex(data, []byte(open))
	if first < 0 {
		return data
	}
	out := append([]byte(nil), data[:first]...)
	return append(out, data[last:]...)
}

// Generator is an io.Reader producing a file on the fly, so a test holds no
// copy of it: Head, then Item(buf, i) for i from 1 to N, then Tail.
type Generator struct {
	Head string
	N    int
	// Item returns the i-th item; buf is the consumed previous piece
	// (length 0), to append to for reuse.
	Item func(buf []byte, i int) []byte
	Tail string // none when empty

	next int
	buf  []byte
}

// Read implements io.Reader.
func (g *Generator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.next == 0:
			g.buf = []byte(g.Head)
		case g.next <= g.N:
			g.buf = g.Item(g.buf, g.next)
		case g.next == g.N+1 && g.Tail != "":
			g.buf = []byte(g.Tail)
		default:
			return 0, io.EOF
		}
		g.next++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// ReadAllFunc returns ReadAll bound to format, for a package's tests to
// keep as their readAll.
func ReadAllFunc(format pipeline.Format) func(t testing.TB, r io.Reader, name string) ([]pipeline.Record, error) {
	return func(t testing.TB, r io.Reader, name string) ([]pipeline.Record, error) {
		t.Helper()
		return ReadAll(t, format, r, name)
	}
}
