package unasxml_test

import (
	"testing"

	"minisync/formats/unasxml"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// FuzzReader checks that the reader never panics and always ends with io.EOF
// or a *pipeline.PositionError.
func FuzzReader(f *testing.F) {
	// Whole fixtures make minimisation crawl, so each seeds the fuzzer with
	// its prolog and one order, complete or, for the broken one, cut off.
	for _, name := range []string{"orders-2026-11-19.xml", "orders-2026-11-20.xml", "broken/orders-truncated.xml"} {
		data := xmlstreamtest.Fixture(f, fixtureDir, name)
		f.Add(xmlstreamtest.KeepLast(data, "<Order>"))
	}
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1250"?><Orders><Order><Key>1</Key><Items><Item><Id>gift</Id></Item></Items></Order></Orders>`))
	f.Add([]byte("<Orders><Order><Key>1</Key></Order></Orders><Orders/>"))
	f.Add([]byte("<Error>Login Error: PREMIUM package needed</Error>"))
	xmlstreamtest.Fuzz(f, unasxml.New(), func(rec pipeline.Record) {
		_, _, _ = rec.Value("Key")
		_, _, _ = rec.Value("Customer/Addresses/Invoice/TaxNumber")
		items, _ := rec.Children("Items/Item")
		for _, it := range items {
			_, _, _ = it.Value("Sku")
		}
	})
}
