package normalize_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"minisync/formats/delimited"
	"minisync/mappings"
	"minisync/pipeline"
	"minisync/stages/normalize"
)

const mapping = `
name: lines
format: csv
entities:
  - name: line
    key: [number]
    fields:
      - {name: number, path: No, required: true, pattern: "[0-9]+"}
      - {name: amount, path: Amount, transforms: [number]}
`

// memSink keeps what the workers appended, with the batch and row numbers.
type memSink struct {
	mu      sync.Mutex
	rows    []placed
	rejects []pipeline.Reject
	lanes   int
	done    int
}

type placed struct {
	b   int64
	n   int
	row pipeline.Row
}

type memLane struct{ s *memSink }

func (s *memSink) Lane() (normalize.Lane, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lanes++
	return memLane{s}, nil
}

func (s *memSink) Reject(r pipeline.Reject) error {
	s.rejects = append(s.rejects, r)
	return nil
}

func (l memLane) Row(b int64, n int, r pipeline.Row) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	r.Values = slices.Clone(r.Values) // reused after Row returns
	l.s.rows = append(l.s.rows, placed{b, n, r})
	return nil
}

func (l memLane) Done() {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.done++
}

// inOrder returns the rows sorted by their place in the file.
func (s *memSink) inOrder() []pipeline.Row {
	slices.SortFunc(s.rows, func(a, b placed) int {
		return cmp.Or(cmp.Compare(a.b, b.b), cmp.Compare(a.n, b.n))
	})
	out := make([]pipeline.Row, len(s.rows))
	for i, p := range s.rows {
		out[i] = p.row
	}
	return out
}

func setup(t *testing.T, body string) (pipeline.Format, *mappings.Mapper, string) {
	t.Helper()
	f, err := delimited.New(delimited.Options{Delimiter: ";", Header: true})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := mappings.Parse([]byte(mapping), "lines")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mappings.Compile(spec, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lines.csv")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f, m, path
}

// TestFileKeepsTheFileOrder maps many batches on several workers and
// checks that rows, in batch/row order, and rejects follow the file.
func TestFileKeepsTheFileOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("No;Amount\n")
	var wantKeys, wantRejects []string
	for i := 1; i <= 5000; i++ {
		if i%97 == 0 {
			fmt.Fprintf(&b, "x%d;1\n", i) // fails the pattern
			wantRejects = append(wantRejects, fmt.Sprintf("x%d", i))
			continue
		}
		fmt.Fprintf(&b, "%d;%d,5\n", i, i)
		wantKeys = append(wantKeys, fmt.Sprint(i))
	}
	f, m, path := setup(t, b.String())
	sink := &memSink{}
	c, err := normalize.File(context.Background(), f, m, path, "lines.csv", sink, pipeline.NoProgress{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Records != 5000 || c.Rows != int64(len(wantKeys)) || c.Rejects != int64(len(wantRejects)) {
		t.Fatalf("counts = %+v, want 5000 records, %d rows, %d rejects", c, len(wantKeys), len(wantRejects))
	}
	rows := sink.inOrder()
	for i, r := range rows {
		if r.Key != wantKeys[i] {
			t.Fatalf("row %d has key %q, want %q (file order lost)", i, r.Key, wantKeys[i])
		}
		if want := wantKeys[i] + ".5"; r.Values[1] != want {
			t.Fatalf("row %s amount = %q, want %q", r.Key, r.Values[1], want)
		}
		if r.Hash != "" && r.Hash != pipeline.HashValues(r.Values) {
			t.Fatalf("row %s carries a wrong hash", r.Key)
		}
	}
	for i, r := range sink.rejects {
		if r.Value != wantRejects[i] || r.Field != "number" {
			t.Fatalf("reject %d = %+v, want value %q in field number", i, r, wantRejects[i])
		}
	}
	if sink.lanes == 0 || sink.done != sink.lanes {
		t.Errorf("lanes taken %d, given back %d", sink.lanes, sink.done)
	}
}

// lines returns rows from to through of a valid file, the header first
// when from is 1.
func lines(from, through int) string {
	var b strings.Builder
	if from == 1 {
		b.WriteString("No;Amount\n")
	}
	for i := from; i <= through; i++ {
		fmt.Fprintf(&b, "%d;1\n", i)
	}
	return b.String()
}

// TestFileStopsAtAFatalError: a malformed row ends the file with its
// position; every record before it was counted, none after.
func TestFileStopsAtAFatalError(t *testing.T) {
	body := lines(1, 1500) + "1501;\"unterminated\n" + lines(1502, 3000)
	f, m, path := setup(t, body)
	sink := &memSink{}
	c, err := normalize.File(context.Background(), f, m, path, "lines.csv", sink, pipeline.NoProgress{})
	var pe *pipeline.PositionError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "line 1502") {
		t.Fatalf("err = %v, want a position error naming the row at line 1502", err)
	}
	if c.Records != 1500 {
		t.Errorf("records = %d, want the 1500 before the bad row", c.Records)
	}
	if sink.done != sink.lanes {
		t.Errorf("lanes taken %d, given back %d", sink.lanes, sink.done)
	}
}

// TestFileCancelled returns the context's error and gives the lanes back.
func TestFileCancelled(t *testing.T) {
	f, m, path := setup(t, lines(1, 20000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sink := &memSink{}
	_, err := normalize.File(ctx, f, m, path, "lines.csv", sink, pipeline.NoProgress{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sink.done != sink.lanes {
		t.Errorf("lanes taken %d, given back %d", sink.lanes, sink.done)
	}
}
