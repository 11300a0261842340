package unasxml_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/unasxml"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// fixtureDir holds the UNAS export fixtures shared with other packages.
const fixtureDir = "../../fixtures/unas"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
var readAll = xmlstreamtest.ReadAllFunc(unasxml.New())

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
var value = xmlstreamtest.Value

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
var positionError = xmlstreamtest.PositionError
