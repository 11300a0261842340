package xmlstream_test

import (
	"testing"

	"minisync/formats/xmlstream"
)

// TestEmptySingleRecord reads a file whose one record is an empty root.
func TestEmptySingleRecord(t *testing.T) {
	o := xmlstream.Options{Root: "Note", Record: ".", KeyPath: "@id"}
	recs, err := readAll(t, o, `<?xml version="1.0"?>`+"\n"+`<Note id="N1"/>`+"\n")
	if err != nil || len(recs) != 1 {
		t.Fatalf("got %d records, %v; want the empty root", len(recs), err)
	}
	if got := recs[0].Position(); got != "/Note (id N1)" {
		t.Errorf("Position = %q", got)
	}
}
