package delimited_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"minisync/formats/delimited"
)

// rowGenerator is an io.Reader producing an export of n invoice lines, four
// per invoice, on the fly, so the test itself holds no copy of the file.
type rowGenerator struct {
	n, next int
	buf     []byte
}

func (g *rowGenerator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.next > g.n:
			return 0, io.EOF
		case g.next == 0:
			g.buf = []byte("\xEF\xBB\xBFSzámlaszám;Kelt;Vevő;Adószám;Tétel;Mennyiség;Egységár;Megjegyzés\r\n")
		default:
			g.buf = fmt.Appendf(g.buf, "SZ-2026-%07d;2026.11.18.;Árvíztűrő Tükörfúrógép Kft.;25566552-2-10;\"Tipli \"\"S\"\" 8 mm; horganyzott\";%d;12,5;\"Kérem, délután\nhozzák.\"\r\n",
				(g.next+3)/4, g.next)
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

// TestMemoryBounded streams 200 000 rows (about 30 MB) and checks the heap
// does not grow with the file. With GroupBy it grows by one key per invoice.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 000 rows")
	}
	const rows = 200000
	for _, tc := range []struct {
		name    string
		opts    delimited.Options
		records int
		bound   uint64
	}{
		{"rows", delimited.Options{Header: true, Encoding: "auto", FallbackEncoding: "windows-1250"}, rows, 8 << 20},
		{"groups", delimited.Options{Header: true, GroupBy: "Számlaszám"}, rows / 4, 16 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := heapInuse()
			f, err := delimited.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			rr, err := f.Open(context.Background(), &rowGenerator{n: rows}, "generated.csv")
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
				if _, ok, err := rec.Value("Vevő"); !ok || err != nil {
					t.Fatal(rec.Position(), ok, err)
				}
				if n%(tc.records/10) == 0 {
					peak = max(peak, heapInuse())
				}
			}
			if n != tc.records {
				t.Fatalf("read %d records, want %d", n, tc.records)
			}
			t.Logf("heap in use: before %d KiB, peak %d KiB", before>>10, peak>>10)
			if peak > before+tc.bound {
				t.Errorf("heap grew from %d to %d bytes while streaming; want under %d growth", before, peak, tc.bound)
			}
		})
	}
}
