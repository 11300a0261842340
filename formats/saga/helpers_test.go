package saga_test

import (
	"strings"
	"testing"

	"minisync/formats/saga"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// fixtureDir holds the Saga export fixtures shared with other packages.
const fixtureDir = "../../fixtures/saga"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
var readAll = xmlstreamtest.ReadAllFunc(saga.New())

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
	return string(xmlstreamtest.Fixture(t, fixtureDir, name))
}

// value returns rec's value at path and fails the test on a malformed path.
var value = xmlstreamtest.Value

// positionError asserts err is a *pipeline.PositionError and returns it.
var positionError = xmlstreamtest.PositionError
