package xmlstream_test

import (
	"errors"
	"strings"
	"testing"

	"minisync/formats/xmlstream"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

func readAll(t *testing.T, o xmlstream.Options, doc string) ([]pipeline.Record, error) {
	t.Helper()
	return xmlstreamtest.ReadAll(t, xmlstream.New(o), strings.NewReader(doc), "test.xml")
}

func TestValidate(t *testing.T) {
	for _, o := range []xmlstream.Options{
		{Root: "", Record: "Order"},
		{Root: "x:Orders", Record: "Order"},
		{Root: "Orders", Record: ""},
		{Root: "Orders", Record: "Order[1]"},
		{Root: "Orders", Record: "a//b"},
		{Root: "Orders", Record: "Order", KeyPath: "Key["},
		{Root: "Orders", Record: "Order", KeyPath: "k:Key", Namespaces: map[string]string{"x": "urn:x"}},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v: Validate = nil, want error", o)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: New did not panic", o)
				}
			}()
			xmlstream.New(o)
		}()
	}
	if err := (xmlstream.Options{Root: "Facturi", Record: "Factura", KeyPath: "Antet/FacturaNumar"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestNestedRecordAndKeyLabel(t *testing.T) {
	o := xmlstream.Options{Root: "Export", Record: "Batch/Doc", KeyPath: "Head/@nr"}
	doc := `<Export><Batch><Doc><Head nr="7"/></Doc><Doc><Head nr=" 8 "/></Doc></Batch><Batch><Doc/></Batch></Export>`
	recs, err := readAll(t, o, doc)
	if err != nil || len(recs) != 3 {
		t.Fatalf("got %d records, %v", len(recs), err)
	}
	for i, want := range []string{"/Export/Batch/Doc[1] (nr 7)", "/Export/Batch/Doc[2] (nr 8)", "/Export/Batch/Doc[3]"} {
		if got := recs[i].Position(); got != want {
			t.Errorf("record %d Position = %q, want %q", i+1, got, want)
		}
	}
	if _, err := readAll(t, o, doc+`<Export><Batch><Doc/></Batch></Export>`); err == nil {
		t.Error("second root read without error")
	}
}

func TestSingleRecordNamespaces(t *testing.T) {
	o := xmlstream.Options{
		Root: "Note", RootNamespace: "urn:note", Record: ".", KeyPath: "n:Id",
		Namespaces: map[string]string{"n": "urn:note", "m": "urn:meta"},
	}
	for name, doc := range map[string]string{
		"default": `<Note xmlns="urn:note"><Id>N1</Id><Meta xmlns="urn:meta" lang="ro">ș</Meta></Note>`,
		"prefix":  `<a:Note xmlns:a="urn:note" xmlns:b="urn:meta"><a:Id>N1</a:Id><b:Meta lang="ro">ș</b:Meta></a:Note>`,
	} {
		t.Run(name, func(t *testing.T) {
			recs, err := readAll(t, o, doc)
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %d records, %v", len(recs), err)
			}
			if got := recs[0].Position(); got != "/Note (Id N1)" {
				t.Errorf("Position = %q", got)
			}
			for path, want := range map[string]string{"m:Meta": "ș", "m:Meta/@lang": "ro", "count(n:Id)": "1"} {
				if got, ok, err := recs[0].Value(path); got != want || !ok || err != nil {
					t.Errorf("%s = %q, %v, %v; want %q", path, got, ok, err, want)
				}
			}
		})
	}
	_, err := readAll(t, o, `<Note xmlns="urn:other"><Id>1</Id></Note>`)
	if !errors.Is(err, xmlstream.ErrWrongRoot) {
		t.Errorf("wrong namespace: err = %v, want ErrWrongRoot", err)
	}
	_, err = readAll(t, o, `<Note xmlns="urn:note"><Id>1</Id></Note><Note xmlns="urn:note"/>`)
	var pe *pipeline.PositionError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "second root") {
		t.Errorf("second root: err = %v, want a PositionError", err)
	}
}
