package xmlstream

import (
	"fmt"
	"testing"

	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/formats/xmlstream/xmltree"
	"minisync/pipeline"
)

// fuzzPaths are evaluated on every fuzzed record; the simple ones are
// compared with their XPath results.
var fuzzPaths = []string{
	".", "Head", "Head/@nr", "n:Head/@nr", "Line", "Line/Qty", "n:Line/n:Qty", "Line/@n:unit", "@id",
	"count(Line)", "Line[2]/Qty", "//Qty", "../Doc", "/Head",
}

// FuzzReader reads nested records in and out of namespaces; it checks the
// reader contract and that walking a simple path gives its XPath result.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`<Export><Batch><Doc id="1"><Head nr="7"/><Line><Qty>2</Qty></Line><Line><Qty>3</Qty></Line></Doc></Batch></Export>`))
	f.Add([]byte(`<?xml version="1.0"?>` + "\n" + `<x:Export xmlns:x="urn:x" xmlns="urn:n"><x:Batch><Doc><Head nr=" 8 "/><Line xmlns:u="urn:n" u:unit="kg"><Qty>1.5</Qty></Line></Doc><Doc/></x:Batch></x:Export>`))
	f.Add([]byte(`<Export><Batch><Doc><![CDATA[a]]>&amp;<Head nr="&#x31;"/></Doc></Batch><Batch><Other/></Batch></Export>` + "\n<!-- end -->\n"))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1250"?><Export><Batch><Doc><Head nr="` + "\xe8" + `"/></Doc></Batch></Export>`))
	f.Add([]byte(`<Export><Batch><Doc><Head nr="1"/></Doc></Batch></Export><Export/>`))
	format := New(Options{Root: "Export", Record: "Batch/Doc", KeyPath: "Head/@nr", Namespaces: map[string]string{"n": "urn:n"}})
	xmlstreamtest.Fuzz(f, format, func(rec pipeline.Record) {
		visitFuzzed(rec.(*record))
		lines, _ := rec.Children("Line")
		for _, l := range lines {
			visitFuzzed(l.(*record))
		}
	})
}

// visitFuzzed evaluates fuzzPaths on r and panics when a simple path and
// XPath disagree.
func visitFuzzed(r *record) {
	_ = r.Position()
	for _, p := range fuzzPaths {
		got, gotOK, err := r.Value(p)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", p, err))
		}
		if c, _ := r.f.compile(p); c.fast == nil {
			continue
		}
		e, err := xpath.CompileWithNS(p, r.f.opts.Namespaces)
		if err != nil {
			panic(err)
		}
		want, wantOK, _ := stringValue(e.Evaluate(xmltree.NewNavigator(r.node)), p)
		if got != want || gotOK != wantOK {
			panic(fmt.Sprintf("%s at %s: walked %q, %v; XPath %q, %v", p, r.Position(), got, gotOK, want, wantOK))
		}
	}
}
