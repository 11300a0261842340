package delimited_test

import (
	"fmt"
	"io"
	"testing"

	"minisync/formats/delimited"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// rowGenerator is an io.Reader producing an export of n invoice lines, four
// per invoice, on the fly, so the test itself holds no copy of the file.
func rowGenerator(n int) io.Reader {
	return &xmlstreamtest.Generator{
		Head: "\xEF\xBB\xBFSzámlaszám;Kelt;Vevő;Adószám;Tétel;Mennyiség;Egységár;Megjegyzés\r\n",
		N:    n,
		Item: func(buf []byte, i int) []byte {
			return fmt.Appendf(buf, "SZ-2026-%07d;2026.11.18.;Árvíztűrő Tükörfúrógép Kft.;25566552-2-10;\"Tipli \"\"S\"\" 8 mm; horganyzott\";%d;12,5;\"Kérem, délután\nhozzák.\"\r\n",
				(i+3)/4, i)
		},
	}
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
			f, err := delimited.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			n, before, peak := xmlstreamtest.Stream(t, f, rowGenerator(rows), "generated.csv", tc.records/10, func(rec pipeline.Record) {
				if _, ok, err := rec.Value("Vevő"); !ok || err != nil {
					t.Fatal(rec.Position(), ok, err)
				}
			})
			if n != tc.records {
				t.Fatalf("read %d records, want %d", n, tc.records)
			}
			xmlstreamtest.CheckHeap(t, before, peak, tc.bound)
		})
	}
}
