package normalize_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"minisync/pipeline"
	"minisync/stages/normalize"
)

// releasing wraps a format so that its records count Release calls and
// fail once released.
type releasing struct {
	pipeline.Format
	released, used atomic.Int64
}

func (f *releasing) Open(ctx context.Context, r io.Reader, name string) (pipeline.RecordReader, error) {
	rr, err := f.Format.Open(ctx, r, name)
	return releasingReader{rr, f}, err
}

type releasingReader struct {
	pipeline.RecordReader
	f *releasing
}

func (r releasingReader) Next() (pipeline.Record, error) {
	rec, err := r.RecordReader.Next()
	if rec == nil {
		return nil, err
	}
	return &releasable{Record: rec, f: r.f}, err
}

type releasable struct {
	pipeline.Record
	f    *releasing
	gone atomic.Bool
}

func (r *releasable) Value(path string) (string, bool, error) {
	if r.gone.Load() {
		r.f.used.Add(1)
		return "", false, fmt.Errorf("record used after Release")
	}
	return r.Record.Value(path)
}

func (r *releasable) Release() {
	if r.gone.Swap(true) {
		r.f.used.Add(1) // released twice
	}
	r.f.released.Add(1)
}

// TestFileReleasesMappedRecords expects every record that maps to be
// released once, after its rows are taken, and none used afterwards.
func TestFileReleasesMappedRecords(t *testing.T) {
	var b strings.Builder
	b.WriteString("No;Amount\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&b, "%d;%d\n", i, i)
	}
	f, m, path := setup(t, b.String())
	rf := &releasing{Format: f}
	sink := &memSink{}
	c, err := normalize.File(context.Background(), rf, m, path, "lines.csv", sink, pipeline.NoProgress{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 3000 || len(sink.rows) != 3000 {
		t.Fatalf("counts = %+v, %d rows appended, want 3000", c, len(sink.rows))
	}
	if got := rf.released.Load(); got != 3000 {
		t.Errorf("%d records released, want 3000", got)
	}
	if got := rf.used.Load(); got != 0 {
		t.Errorf("%d uses of released records", got)
	}
	for i, r := range sink.inOrder() {
		if want := fmt.Sprint(i + 1); r.Key != want || r.Values[1] != want {
			t.Fatalf("row %d = %s %v, want key and amount %s", i, r.Key, r.Values, want)
		}
	}
}
