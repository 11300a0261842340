package xmltree_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmltree"
)

// pathNamespaces binds prefixes for the path tests.
var pathNamespaces = map[string]string{"cbc": "urn:cbc", "cac": "urn:cac", "p": "urn:p"}

// comparePath evaluates expr on n as a Path and as XPath and reports any
// difference; ok is false when expr is not a simple path.
func comparePath(expr string, namespaces map[string]string, n xmltree.Node) (ok bool, err error) {
	p, ok := xmltree.CompilePath(expr, namespaces)
	if !ok {
		return false, nil
	}
	e, err := xpath.CompileWithNS(expr, namespaces)
	if err != nil {
		return true, fmt.Errorf("%q is a simple path but not XPath: %v", expr, err)
	}
	it, isNodes := e.Evaluate(xmltree.NewNavigator(n)).(*xpath.NodeIterator)
	if !isNodes {
		return true, fmt.Errorf("%q: XPath result is not a node set", expr)
	}
	wantValue, wantFound := "", false
	var wantElems []string
	for it.MoveNext() {
		nav := it.Current().(*xmltree.Navigator)
		if !wantFound {
			wantValue, wantFound = nav.Value(), true
		}
		if nav.NodeType() == xpath.ElementNode {
			wantElems = append(wantElems, fmt.Sprintf("%d:%s", nav.Node().Line(), nav.Node().Text()))
		}
	}
	gotValue, gotFound := p.First(n)
	var gotElems []string
	for _, e := range p.Elements(nil, n) {
		gotElems = append(gotElems, fmt.Sprintf("%d:%s", e.Line(), e.Text()))
	}
	if gotValue != wantValue || gotFound != wantFound || fmt.Sprint(gotElems) != fmt.Sprint(wantElems) {
		return true, fmt.Errorf("%q: path %q %v %q, XPath %q %v %q", expr, gotValue, gotFound, gotElems, wantValue, wantFound, wantElems)
	}
	return true, nil
}

// pathDoc has names in and out of namespaces, repeated, empty and nested.
const pathDoc = `<r xmlns:cbc="urn:cbc" xmlns:x="urn:p" a="1" x:a="2" cbc:b="3">
  <a.b>1</a.b><a-b>2</a-b><_c>3</_c><text>4</text><div>5</div>
  <Items><Item id="1"><Sku>A</Sku></Item><Item><Sku/></Item><Item id="3"><Sku>C</Sku><Sku>D</Sku></Item></Items>
  <Items><Item id="4"><Sku>E</Sku></Item></Items>
  <cbc:ID>c1</cbc:ID><ID>plain</ID><ID xmlns="urn:cbc">default</ID><b:ID xmlns:b="urn:cbc">b</b:ID>
  <x:y><x:z p="9">pz</x:z></x:y>
  <e/><f><![CDATA[cd]]>t<g>u</g></f>
</r>`

func TestPathMatchesXPath(t *testing.T) {
	docs := append([]string{pathDoc}, navDocs...)
	paths := []string{
		".", "a.b", "a-b", "_c", "text", "div", "Items", "Items/Item", "Items/Item/Sku", "Items/Item/@id", "Items/Item/@x",
		"Items/./Item/.", "./Items/Item/Sku", "@a", "@x:a", "@p:a", "@cbc:b", "cbc:ID", "ID", "b:ID", "p:y/p:z", "p:y/p:z/@p",
		"x:y/x:z", "e", "f", "f/g", "missing", "missing/@a", "Key", "Customer/Addresses/Invoice/TaxNumber",
		"Comments/Comment/Text", "Items/Item/@kind", "cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode", "cac:Party/cbc:ID/@schemeID",
		"Note", "cbc:Note",
		"..", "../Items", "../..",
		// Not simple paths: XPath only.
		"/Key", "Items/..", "*", "Items/Item[1]", "//Sku", "Items//Sku", "@*", "text()", "a b", "", "Items/", "1a", "é", "Items/@id/x",
	}
	for i, doc := range docs {
		n := only(t, doc)
		for _, ns := range []map[string]string{nil, pathNamespaces} {
			simple := 0
			for _, p := range paths {
				ok, err := comparePath(p, ns, n)
				if err != nil {
					t.Errorf("doc %d, namespaces %v: %v", i, ns != nil, err)
				}
				if ok {
					simple++
				}
			}
			if simple < 30 {
				t.Errorf("doc %d: only %d simple paths", i, simple)
			}
		}
	}
	for _, p := range []string{"/Key", "Items/..", "Items/Item/../Item", "*", "Items/Item[1]", "//Sku", "@*", "text()", "", "Items/", "é", "q:x", ":A", "A:", "@:a", "a:b:c"} {
		if _, ok := xmltree.CompilePath(p, pathNamespaces); ok {
			t.Errorf("%q compiled as a simple path", p)
		}
	}
}

// TestParentStepsMatchXPath evaluates paths with parent steps from every
// element of the documents: they climb to the record element and no
// further, as XPath on the navigator does.
func TestParentStepsMatchXPath(t *testing.T) {
	paths := []string{"..", "../..", "../../..", "../Sku", "../../Item/Sku", "../../Items/Item/@id", "../@id", "../../@a",
		"../Item", "../../../Items", "../.", "./..", "../x:z/@p", "../../Key", "../cbc:ID", "../Contact/Name"}
	for i, doc := range append([]string{pathDoc}, navDocs...) {
		var all []xmltree.Node
		var walk func(n xmltree.Node)
		walk = func(n xmltree.Node) {
			if n.Kind() == xmltree.Element {
				all = append(all, n)
			}
			for c := n.FirstChild(); c.Valid(); c = c.Next() {
				walk(c)
			}
		}
		walk(only(t, doc))
		for _, n := range all {
			for _, ns := range []map[string]string{nil, pathNamespaces} {
				for _, p := range paths {
					ok, err := comparePath(p, ns, n)
					if err != nil {
						t.Errorf("doc %d, from %s at line %d: %v", i, n.Local(), n.Line(), err)
					}
					if !ok && !strings.Contains(p, ":") && p != "./.." {
						t.Errorf("%q is not a simple path", p)
					}
				}
			}
		}
	}
}

// FuzzPath checks that a simple path selects what XPath selects.
func FuzzPath(f *testing.F) {
	f.Add(pathDoc, "Items/Item/Sku")
	f.Add(pathDoc, "x:y/x:z/@p")
	f.Add(pathDoc, "cbc:ID")
	f.Add(navDocs[0], "Customer/Contact/Name")
	f.Add(navDocs[1], "cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode")
	f.Add(`<a xmlns="urn:p"><b c="1"><d>x</d></b><b><d>y</d></b></a>`, "b/d")
	f.Add(`<a><A/></a>`, ":A")
	f.Add(`<a k="1"><b><c>x</c></b><K>v</K></a>`, "../K")
	f.Add(`<a><b/></a>`, "../../b")
	f.Fuzz(func(t *testing.T, doc, path string) {
		recs, err := readRecords(strings.NewReader(doc))
		if err != nil || len(recs) != 1 {
			return
		}
		// from the record element and from its first child element
		from := []xmltree.Node{recs[0].Root()}
		for c := recs[0].Root().FirstChild(); c.Valid(); c = c.Next() {
			if c.Kind() == xmltree.Element {
				from = append(from, c)
				break
			}
		}
		for _, n := range from {
			for _, ns := range []map[string]string{nil, pathNamespaces} {
				if _, err := comparePath(path, ns, n); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
