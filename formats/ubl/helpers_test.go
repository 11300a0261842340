package ubl_test

import (
	"strings"
	"testing"

	"minisync/formats/ubl"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// fixtureDir holds the e-Factura fixtures shared with other packages.
const fixtureDir = "../../fixtures/efactura"

// readAll opens r and collects its records until the first error, which is
// nil at a clean io.EOF.
var readAll = xmlstreamtest.ReadAllFunc(ubl.New())

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
	return string(xmlstreamtest.Fixture(t, fixtureDir, name))
}

// value returns rec's value at path and fails the test on a malformed path.
var value = xmlstreamtest.Value

// positionError asserts err is a *pipeline.PositionError and returns it.
var positionError = xmlstreamtest.PositionError
