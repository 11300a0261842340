package unasxml_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"minisync/formats/unasxml"
)

// orderGenerator is an io.Reader producing an export of n orders on the fly,
// so the test itself holds no copy of the file.
type orderGenerator struct {
	n, next int
	buf     []byte
	done    bool
}

func (g *orderGenerator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.next == 0:
			g.buf = []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n")
		case g.next > g.n:
			g.buf, g.done = []byte("</Orders>\n"), true
		default:
			g.buf = fmt.Appendf(nil, `  <Order>
    <Key>27839-%06d</Key><Id>%d</Id><Date>2026.11.18 14:22:05</Date><Status><![CDATA[Feldolgozás alatt]]></Status>
    <Customer><Email><![CDATA[vevo%d@example.hu]]></Email><Contact><Name><![CDATA[Árvíztűrő Tükörfúrógép Kft.]]></Name></Contact></Customer>
    <Comments><Comment><Type>customer</Type><Text><![CDATA[Kérem, délután hozzák. Szőlősi Ödön, Ștefan Țurcanu, Brașov Mobilă SRL, Târgu Mureș]]></Text></Comment></Comments>
    <Items>
      <Item><Id>1002</Id><Sku>TUK-FUR-220</Sku><Name><![CDATA[Tükörfúrógép 220 V]]></Name><Quantity>2</Quantity><PriceGross>38990</PriceGross><Vat>27%%</Vat></Item>
      <Item><Id>1001</Id><Sku>FUR-KEF-12</Sku><Name><![CDATA[Fúrógép kefe készlet (12 db)]]></Name><Quantity>3</Quantity><PriceGross>4990</PriceGross><Vat>27%%</Vat></Item>
      <Item><Id>shipping-cost</Id><Sku>shipping-cost</Sku><Name><![CDATA[Szállítási költség]]></Name><Quantity>1</Quantity><PriceGross>1490</PriceGross><Vat>27%%</Vat></Item>
    </Items>
  </Order>
`, g.next, 3500000+g.next, g.next)
		}
		g.next++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMemoryBounded streams about 25 MB of orders and checks the heap does
// not grow with the file: previous orders must be released.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 20 000 orders")
	}
	const orders = 20000
	const bound = 8 << 20 // the file is ~25 MB; one order is ~1 KB
	before := heapInuse()
	rr, err := unasxml.New().Open(context.Background(), &orderGenerator{n: orders}, "generated.xml")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var peak uint64
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if _, _, err := rec.Value("Customer/Email"); err != nil {
			t.Fatal(err)
		}
		if n%2000 == 0 {
			peak = max(peak, heapInuse())
		}
	}
	if n != orders {
		t.Fatalf("read %d orders, want %d", n, orders)
	}
	t.Logf("heap in use: before %d KiB, peak %d KiB", before>>10, peak>>10)
	if peak > before+bound {
		t.Errorf("heap grew from %d to %d bytes while streaming; want under %d growth", before, peak, bound)
	}
}
