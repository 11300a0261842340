package unasxml_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"minisync/formats/unasxml"
	"minisync/pipeline"
)

// FuzzReader checks that the reader never panics and always ends with io.EOF
// or a *pipeline.PositionError.
func FuzzReader(f *testing.F) {
	// Whole fixtures make minimisation crawl, so each seeds the fuzzer with
	// its prolog and one order, complete or, for the broken one, cut off.
	for _, name := range []string{"orders-2026-11-19.xml", "orders-2026-11-20.xml", "broken/orders-truncated.xml"} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(oneOrder(data))
	}
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1250"?><Orders><Order><Key>1</Key><Items><Item><Id>gift</Id></Item></Items></Order></Orders>`))
	f.Add([]byte("<Orders><Order><Key>1</Key></Order></Orders><Orders/>"))
	f.Add([]byte("<Error>Login Error: PREMIUM package needed</Error>"))
	format := unasxml.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := format.Open(context.Background(), bytes.NewReader(data), "fuzz.xml")
		if err != nil {
			var pe *pipeline.PositionError
			if !errors.As(err, &pe) {
				t.Fatalf("Open error %v (%T) is not a PositionError", err, err)
			}
			return
		}
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatalf("more records (%d) than input bytes", i)
			}
			rec, err := rr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var pe *pipeline.PositionError
				if !errors.As(err, &pe) {
					t.Fatalf("Next error %v (%T) is not a PositionError", err, err)
				}
				if _, err2 := rr.Next(); err2 != err {
					t.Fatalf("Next after error = %v, want the same error", err2)
				}
				return
			}
			if rec == nil || rec.Position() == "" {
				t.Fatal("nil record or empty position without error")
			}
			_, _, _ = rec.Value("Key")
			_, _, _ = rec.Value("Customer/Addresses/Invoice/TaxNumber")
			items, _ := rec.Children("Items/Item")
			for _, it := range items {
				_, _, _ = it.Value("Sku")
			}
		}
	})
}

// oneOrder shortens an export to its prolog, its last <Order> (cut off if the
// export is) and the closing tag if it has one.
func oneOrder(data []byte) []byte {
	first := bytes.Index(data, []byte("<Order>"))
	last := bytes.LastIndex(data, []byte("<Order>"))
	if first < 0 {
		return data
	}
	out := append([]byte(nil), data[:first]...)
	return append(out, data[last:]...)
}
