package xmltree_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/antchfx/xmlquery"
	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmltree"
)

// navDocs are records without comments and processing instructions, which
// xmltree does not keep.
var navDocs = []string{
	`<Order>
    <Key>27839-100121</Key>
    <Id>3512067</Id>
    <Status><![CDATA[Feldolgozás alatt]]></Status>
    <Customer>
      <Email><![CDATA[ eva@example.hu ]]></Email>
      <Contact><Name>Kovács Éva</Name><Phone/></Contact>
      <Addresses><Invoice><TaxNumber>25566552-2-10</TaxNumber><City>Győr</City></Invoice></Addresses>
    </Customer>
    <Comments>
      <Comment><Type>customer</Type><Text><![CDATA[a <b>]]> &amp; c</Text></Comment>
      <Comment><Type>admin</Type><Text>x</Text></Comment>
    </Comments>
    <Items>
      <Item id="1" kind="product"><Sku>A</Sku><Quantity>2</Quantity><Price>10.5</Price></Item>
      <Item id="2"><Sku>B</Sku><Quantity>3</Quantity><Price>1</Price></Item>
      <Item id="3" kind="shipping"><Sku>shipping-cost</Sku><Quantity>1</Quantity><Price>4</Price></Item>
    </Items>
  </Order>`,
	`<Invoice xmlns="urn:inv" xmlns:cbc="urn:cbc" xmlns:cac="urn:cac">
  <cbc:ID>BM-1</cbc:ID>
  <ID>plain</ID>
  <cac:Party><cbc:Name>Brașov</cbc:Name><cbc:ID schemeID="RO">14399840</cbc:ID></cac:Party>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="H87">2</cbc:InvoicedQuantity></cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID><b:InvoicedQuantity xmlns:b="urn:cbc" unitCode="KGM">1.5</b:InvoicedQuantity></cac:InvoiceLine>
  <Note xmlns="urn:cbc">default</Note>
</Invoice>`,
}

// navExprs are evaluated on both navigators.
var navExprs = []string{
	".", "/", "*", "node()", "text()", "*[2]", "*[last()]", "count(*)", "count(node())", "count(text())",
	"count(//*)", "//*", "//text()", "//node()", "name(*)", "local-name(*[3])", "string(.)", "normalize-space(Customer)",
	"Key", "/Key", "Key/text()", "Customer/Email", "Customer/Contact/Phone", "Customer/node()", "Customer/text()",
	"Comments/Comment[Type='customer']/Text", "Comments/Comment[2]/Text", "Items/Item", "Items/Item/@id", "Items/Item[@kind]/Sku",
	"Items/Item[@kind='shipping']/Price", "sum(Items/Item/Quantity)", "Items/Item[Quantity > 1]/Sku", "Items/Item/@*",
	"Items/Item[last()]/preceding-sibling::*[1]/Sku", "Items/Item[1]/following-sibling::Item/Sku", "Key/following-sibling::node()[1]",
	"Id/preceding-sibling::node()", "//Sku[. = 'B']/..", "//Sku[. = 'B']/../../..", "//Name/ancestor::*", "//Name/ancestor-or-self::*",
	"descendant::*[7]", "Customer/descendant-or-self::*", "Items/Item/Sku | Items/Item/@id", "//*[local-name()='ID']",
	"//cbc:ID", "cbc:ID", "ID", "cac:Party/cbc:ID/@schemeID", "cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode",
	"cac:InvoiceLine[2]/cbc:InvoicedQuantity", "cbc:Note", "Note", "namespace-uri(cac:Party)", "name(cac:Party)",
	"namespace-uri(*[last()])", "count(cac:InvoiceLine)", "//@*", "@*", "..", "ancestor::*", "following::*", "preceding::*",
	"//Item[2]/following::*", "//Item[2]/preceding::Sku", "(//Sku)[2]", "boolean(Items/Item[@id=3])", "//*[not(*)]",
}

// xpathResult renders the result of an XPath evaluation.
func xpathResult(v any) string {
	it, ok := v.(*xpath.NodeIterator)
	if !ok {
		return fmt.Sprintf("%T %v", v, v)
	}
	var sb strings.Builder
	for it.MoveNext() {
		n := it.Current()
		ns := ""
		if u, ok := n.(interface{ NamespaceURL() string }); ok {
			ns = u.NamespaceURL()
		}
		local, value := n.LocalName(), n.Value()
		if n.NodeType() == xpath.TextNode {
			local = ""
			if q, ok := n.(*xmlquery.NodeNavigator); ok {
				// xmlquery's value of a CDATA node is "", its data is the
				// node's inner text, as the records of xmlstream read it.
				value = q.Current().InnerText()
			}
		}
		fmt.Fprintf(&sb, "[%d %s|%s|%s %q]", n.NodeType(), n.Prefix(), local, ns, value)
	}
	return sb.String()
}

func TestNavigatorMatchesXMLQuery(t *testing.T) {
	namespaces := map[string]string{"cbc": "urn:cbc", "cac": "urn:cac"}
	for i, doc := range navDocs {
		rec := only(t, doc)
		qdoc, err := xmlquery.Parse(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		qrec := xmlquery.FindOne(qdoc, "/*")
		xmlquery.RemoveFromTree(qrec) // a streamed record has no parent
		for _, ns := range []map[string]string{nil, namespaces} {
			for _, expr := range navExprs {
				e, err := xpath.CompileWithNS(expr, ns)
				if err != nil {
					continue
				}
				got := xpathResult(e.Evaluate(xmltree.NewNavigator(rec)))
				want := xpathResult(e.Evaluate(xmlquery.CreateXPathNavigator(qrec)))
				if got != want {
					t.Errorf("doc %d, %q (namespaces %v):\n got %s\nwant %s", i, expr, ns != nil, got, want)
				}
			}
		}
	}
}

func TestNavigatorOnChild(t *testing.T) {
	rec := only(t, navDocs[0])
	items, ok := xmltree.CompilePath("Items/Item", nil)
	if !ok {
		t.Fatal("Items/Item is not a simple path")
	}
	item := items.Elements(nil, rec)[1]
	for expr, want := range map[string]string{
		"Sku": "B", "/Sku": "B", "../../Key": "27839-100121", "name(/)": "Item",
		"count(ancestor::*)": "2", "@id": "2", "name(..)": "Items",
	} {
		v := xpath.MustCompile(expr).Evaluate(xmltree.NewNavigator(item))
		got := fmt.Sprint(v)
		if it, ok := v.(*xpath.NodeIterator); ok {
			got = ""
			if it.MoveNext() {
				got = it.Current().Value()
			}
		}
		if got != want {
			t.Errorf("%s on the second item = %q, want %q", expr, got, want)
		}
	}
}
