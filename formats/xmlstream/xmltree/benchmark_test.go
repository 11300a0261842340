package xmltree_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"minisync/fixtures/gen"
	"minisync/formats/xmlstream/xmltree"
)

var (
	benchOnce sync.Once
	benchDoc  []byte
)

// unasExport returns a generated UNAS export of about 20 MB.
func unasExport() []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := gen.WriteUNAS(&buf, gen.UNASOptions{Orders: 4500, Seed: 1, Day: 1}); err != nil {
			panic(err)
		}
		benchDoc = buf.Bytes()
	})
	return benchDoc
}

// BenchmarkParse parses every order of a generated UNAS export into trees.
func BenchmarkParse(b *testing.B) {
	doc := unasExport()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		p := xmltree.NewParser(bytes.NewReader(doc), []string{"Order"})
		for {
			_, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
