package unasxml_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/unasxml"
	"minisync/pipeline"
)

// fixtureDir holds the UNAS export fixtures shared with other packages.
const fixtureDir = "../../fixtures/unas"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
func readAll(t testing.TB, r io.Reader, name string) ([]pipeline.Record, error) {
	t.Helper()
	rr, err := unasxml.New().Open(context.Background(), r, name)
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

// readString reads an in-memory document.
func readString(t testing.TB, doc string) ([]pipeline.Record, error) {
	t.Helper()
	return readAll(t, strings.NewReader(doc), "test.xml")
}

// readFixture reads a fixture file and fails the test on any error.
func readFixture(t *testing.T, name string) []pipeline.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := readAll(t, f, name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return recs
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

// byKey indexes records by their Key element.
func byKey(t *testing.T, recs []pipeline.Record) map[string]pipeline.Record {
	t.Helper()
	m := make(map[string]pipeline.Record, len(recs))
	for _, r := range recs {
		m[value(t, r, "Key")] = r
	}
	return m
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
