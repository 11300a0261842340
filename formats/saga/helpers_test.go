package saga_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/saga"
	"minisync/pipeline"
)

// fixtureDir holds the Saga export fixtures shared with other packages.
const fixtureDir = "../../fixtures/saga"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
func readAll(t testing.TB, r io.Reader, name string) ([]pipeline.Record, error) {
	t.Helper()
	rr, err := saga.New().Open(context.Background(), r, name)
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

// readFixture reads a fixture file and fails the test on any error.
func readFixture(t *testing.T, name string) []pipeline.Record {
	t.Helper()
	recs, err := readAll(t, strings.NewReader(fixture(t, name)), name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return recs
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
