package unasxml_test

import (
	"fmt"
	"io"
	"testing"

	"minisync/formats/unasxml"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// orderGenerator is an io.Reader producing an export of n orders on the fly,
// so the test itself holds no copy of the file.
func orderGenerator(n int) io.Reader {
	return &xmlstreamtest.Generator{
		Head: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n",
		N:    n,
		Item: func(_ []byte, i int) []byte {
			return fmt.Appendf(nil, `  <Order>
    <Key>27839-%06d</Key><Id>%d</Id><Date>2026.11.18 14:22:05</Date><Status><![CDATA[Feldolgozás alatt]]></Status>
    <Customer><Email><![CDATA[vevo%d@example.hu]]></Email><Contact><Name><![CDATA[Árvíztűrő Tükörfúrógép Kft.]]></Name></Contact></Customer>
    <Comments><Comment><Type>customer</Type><Text><![CDATA[Kérem, délután hozzák. Szőlősi Ödön, Ștefan Țurcanu, Brașov Mobilă SRL, Târgu Mureș]]></Text></Comment></Comments>
    <Items>
      <Item><Id>1002</Id><Sku>TUK-FUR-220</Sku><Name><![CDATA[Tükörfúrógép 220 V]]></Name><Quantity>2</Quantity><PriceGross>38990</PriceGross><Vat>27%%</Vat></Item>
      <Item><Id>1001</Id><Sku>FUR-KEF-12</Sku><Name><![CDATA[Fúrógép kefe készlet (12 db)]]></Name><Quantity>3</Quantity><PriceGross>4990</PriceGross><Vat>27%%</Vat></Item>
      <Item><Id>shipping-cost</Id><Sku>shipping-cost</Sku><Name><![CDATA[Szállítási költség]]></Name><Quantity>1</Quantity><PriceGross>1490</PriceGross><Vat>27%%</Vat></Item>
    </Items>
  </Order>
`, i, 3500000+i, i)
		},
		Tail: "</Orders>\n",
	}
}

// TestMemoryBounded streams about 25 MB of orders and checks the heap does
// not grow with the file: previous orders must be released.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 20 000 orders")
	}
	const orders = 20000
	const bound = 8 << 20 // the file is ~25 MB; one order is ~1 KB
	n, before, peak := xmlstreamtest.Stream(t, unasxml.New(), orderGenerator(orders), "generated.xml", 2000, func(rec pipeline.Record) {
		if _, _, err := rec.Value("Customer/Email"); err != nil {
			t.Fatal(err)
		}
	})
	if n != orders {
		t.Fatalf("read %d orders, want %d", n, orders)
	}
	xmlstreamtest.CheckHeap(t, before, peak, bound)
}
