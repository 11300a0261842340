package ubl_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/ubl"
	"minisync/pipeline"
)

// fixtureDir holds the e-Factura fixtures shared with other packages.
const fixtureDir = "../../fixtures/efactura"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
func readAll(t testing.TB, r io.Reader, name string) ([]pipeline.Record, error) {
	t.Helper()
	rr, err := ubl.New().Open(context.Background(), r, name)
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

// readInvoice reads a document that must hold exactly one invoice.
func readInvoice(t *testing.T, doc, name string) pipeline.Record {
	t.Helper()
	recs, err := readAll(t, strings.NewReader(doc), name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	if len(recs) != 1 {
		t.Fatalf("%s: got %d records, want 1", name, len(recs))
	}
	return recs[0]
}

// fixture returns the text of a fixture file.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// value returns rec's value at path and fails the test on a malformed path.
func value(t *testing.T, rec pipeline.Record, path string) string {
	t.Helper()
	v, _, err := rec.Value(path)
	if err != nil {
		t.Fatalf("%s: Value(%q): %v", rec.Position(), path, err)
	}
	return v
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
