package xmlstream

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/formats/xmlstream/xmltree"
	"minisync/pipeline"
)

// xpathValue evaluates path on r through the XPath engine only.
func xpathValue(t *testing.T, r *record, path string) (string, bool) {
	t.Helper()
	e, err := xpath.CompileWithNS(path, r.f.opts.Namespaces)
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := stringValue(e.Evaluate(xmltree.NewNavigator(r.node)), path)
	if err != nil {
		t.Fatal(err)
	}
	return v, ok
}

// elementPaths lists the element and attribute paths below r, with the
// prefixes of f's namespaces, e.g. "Customer/Contact/Name" or
// "cac:Price/cbc:PriceAmount/@currencyID".
func elementPaths(f *Format, n xmltree.Node) []string {
	prefixes := map[string]string{}
	for p, uri := range f.opts.Namespaces {
		prefixes[uri] = p
	}
	set := map[string]bool{}
	var walk func(n xmltree.Node, path string)
	walk = func(n xmltree.Node, path string) {
		for i := 0; i < n.NumAttrs(); i++ {
			if a := n.Attr(i).Name; a.Prefix == "" && a.Local != "xmlns" && path != "" {
				set[path+"/@"+a.Local] = true
			}
		}
		for c := n.FirstChild(); c.Valid(); c = c.Next() {
			if c.Kind() != xmltree.Element {
				continue
			}
			name := c.Name()
			step := name.Local
			if p, ok := prefixes[name.Space]; ok && name.Prefix != "" {
				step = p + ":" + step
			}
			p := step
			if path != "" {
				p = path + "/" + step
			}
			set[p] = true
			walk(c, p)
		}
	}
	walk(n, "")
	return slices.Sorted(maps.Keys(set))
}

// TestFastPathsMatchXPath reads every fixture and compares each simple path
// as walked with its XPath result, on records and on their children.
func TestFastPathsMatchXPath(t *testing.T) {
	ublNS := map[string]string{
		"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
		"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
	}
	for _, tt := range []struct {
		glob     string
		opts     Options
		children string
	}{
		{"unas/*.xml", Options{Root: "Orders", Record: "Order", KeyPath: "Key"}, "Items/Item"},
		{"saga/*.xml", Options{Root: "Facturi", Record: "Factura", KeyPath: "Antet/FacturaNumar"}, "Detalii/Continut/Linie"},
		{"efactura/*.xml", Options{Root: "Invoice", Record: ".", KeyPath: "cbc:ID", Namespaces: ublNS}, "cac:InvoiceLine"},
	} {
		files, _ := filepath.Glob(filepath.Join("../../fixtures", tt.glob))
		if len(files) == 0 {
			t.Fatalf("no fixtures %s", tt.glob)
		}
		f := New(tt.opts)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := xmlstreamtest.ReadAll(t, f, bytes.NewReader(data), file)
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, rec := range recs {
				kids, err := rec.Children(tt.children)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range append([]pipeline.Record{rec}, kids...) {
					r := r.(*record)
					for _, p := range append(elementPaths(f, r.node), ".", "Missing", "Missing/@x") {
						c, err := f.compile(p)
						if err != nil || c.fast == nil {
							t.Fatalf("%s: %q is not a simple path: %v", file, p, err)
						}
						got, gotOK, err := r.Value(p)
						want, wantOK := xpathValue(t, r, p)
						if err != nil || got != want || gotOK != wantOK {
							t.Errorf("%s %s: %s = %q, %v, %v; XPath gives %q, %v", file, r.Position(), p, got, gotOK, err, want, wantOK)
						}
						compared++
					}
				}
			}
			if compared < 100 {
				t.Errorf("%s: only %d values compared", file, compared)
			}
		}
	}
}
