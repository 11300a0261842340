package unasapi_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"minisync/pipeline"
	"minisync/sources/unasapi"
	"minisync/sources/unasapi/unassim"
)

const testKey = "test-api-key-0123456789abcdef"

// clock is a fake clock shared by the simulator and the source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startSim starts a simulator on loopback; it checks at cleanup that
// InvoiceAutoSet was never sent.
func startSim(t *testing.T, cfg unassim.Config) (*unassim.Server, string) {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	s, err := unassim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.Stats().InvoiceAutoSetSent {
			t.Error("InvoiceAutoSet was sent to getOrder")
		}
		s.Close()
	})
	return s, base
}

func newSource(t *testing.T, cfg unasapi.Config) *unasapi.Source {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.RetryWait == 0 {
		cfg.RetryWait = time.Millisecond
	}
	src, err := unasapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// listOne lists and expects exactly one window.
func listOne(t *testing.T, src *unasapi.Source) pipeline.RemoteFile {
	t.Helper()
	files, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("listed %d files, want 1", len(files))
	}
	return files[0]
}

// fetch opens f and reads it all.
func fetch(src *unasapi.Source, f pipeline.RemoteFile) ([]byte, error) {
	r, err := src.Open(context.Background(), f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Order is the part of an order the tests compare.
type Order struct {
	Key     string `xml:"Key"`
	DateMod string `xml:"DateMod"`
	Status  string `xml:"Status"`
	Email   string `xml:"Customer>Email"`
	Name    string `xml:"Customer>Contact>Name"`
	City    string `xml:"Customer>Addresses>Invoice>City"`
	Street  string `xml:"Customer>Addresses>Invoice>Street"`
	Company string `xml:"Customer>Addresses>Invoice>Name"`
	Comment []struct {
		Type string `xml:"Type"`
		Text string `xml:"Text"`
	} `xml:"Comments>Comment"`
	Items []string `xml:"Items>Item>Name"`
}

func parseOrders(t *testing.T, doc []byte) []Order {
	t.Helper()
	var o struct {
		XMLName xml.Name `xml:"Orders"`
		Orders  []Order  `xml:"Order"`
	}
	if err := xml.Unmarshal(doc, &o); err != nil {
		t.Fatalf("parsing the merged document: %v", err)
	}
	return o.Orders
}

// genOrders returns an <Orders> document of n orders modified one second
// apart from first.
func genOrders(n int, first time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n")
	for i := range n {
		b.WriteString(genOrder(i, first.Add(time.Duration(i)*time.Second), "v1"))
	}
	b.WriteString("</Orders>\n")
	return b.Bytes()
}

func genKey(i int) string { return fmt.Sprintf("27839-%06d", i) }

func genOrder(i int, mod time.Time, version string) string {
	return fmt.Sprintf("<Order><Key>%s</Key><DateMod>%s</DateMod><Status><![CDATA[%s]]></Status><Customer><Contact><Name><![CDATA[Árvíztűrő Țurcanu %d]]></Name></Contact></Customer></Order>\n",
		genKey(i), mod.In(unassim.Budapest).Format(unassim.DateLayout), version, i)
}

// limitStarts returns the LimitStart of every getOrder call.
func limitStarts(st unassim.Stats) string {
	var s []string
	for _, p := range st.GetOrderParams {
		s = append(s, p["LimitStart"])
	}
	return strings.Join(s, ",")
}
