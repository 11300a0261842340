package delimited_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"minisync/formats/delimited"
	"minisync/pipeline"
)

// nonSeeker hides the Seek method of a reader, like a pipe or an HTTP body.
type nonSeeker struct{ r io.Reader }

func (n nonSeeker) Read(p []byte) (int, error) { return n.r.Read(p) }

// outcome is what one Next call gave: a record (its position and the values
// of all header columns) or a record error (its message).
type outcome struct {
	pos    string
	fields []string
	reject string // substring of the *pipeline.RecordError message
}

// rec and rej build expected outcomes.
func rec(pos string, fields ...string) outcome { return outcome{pos: pos, fields: fields} }
func rej(substr string) outcome                { return outcome{reject: substr} }

// result is a whole read of a file.
type result struct {
	header   []string
	encoding string
	delim    string
	got      []outcome
	fatal    error // nil at io.EOF
}

// read opens data with opts and calls Next until io.EOF or a fatal error.
func read(t testing.TB, opts delimited.Options, r io.Reader) result {
	t.Helper()
	f, err := delimited.New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	rr, err := f.Open(context.Background(), r, "export.csv")
	if err != nil {
		return result{fatal: err}
	}
	dr := rr.(*delimited.Reader)
	res := result{header: dr.Header(), encoding: dr.Encoding(), delim: dr.Delimiter()}
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("Next never ends")
		}
		r, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return res
		}
		var re *pipeline.RecordError
		if errors.As(err, &re) {
			res.got = append(res.got, outcome{reject: re.Error()})
			continue
		}
		if err != nil {
			res.fatal = err
			if _, again := rr.Next(); again != err {
				t.Errorf("Next after fatal error = %v, want the same error", again)
			}
			return res
		}
		o := outcome{pos: r.Position()}
		for _, c := range res.header {
			v, ok, err := r.Value(c)
			if !ok || err != nil {
				t.Fatalf("%s: Value(%q) = %q, %v, %v", r.Position(), c, v, ok, err)
			}
			o.fields = append(o.fields, v)
		}
		res.got = append(res.got, o)
	}
}

// cp1250 and latin2 encode s, failing the test on a character the charset lacks.
func cp1250(t testing.TB, s string) []byte { return encode(t, charmap.Windows1250, s) }
func latin2(t testing.TB, s string) []byte { return encode(t, charmap.ISO8859_2, s) }

func encode(t testing.TB, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q in %v: %v", s, cm, err)
	}
	return b
}

// positionError asserts err is a *pipeline.PositionError and returns it.
func positionError(t *testing.T, err error) *pipeline.PositionError {
	t.Helper()
	var pe *pipeline.PositionError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *pipeline.PositionError", err, err)
	}
	return pe
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
