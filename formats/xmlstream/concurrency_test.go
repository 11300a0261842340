package xmlstream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"minisync/fixtures/gen"
	"minisync/formats/xmlstream"
	"minisync/pipeline"
)

// mapped renders what a mapping reads from an order: typical paths, XPath
// with predicates and functions, and the items.
func mapped(rec pipeline.Record) (string, error) {
	var sb strings.Builder
	sb.WriteString(rec.Position())
	for _, p := range append(orderPaths, "count(Items/Item)", "Comments/Comment[Type='customer']/Text", "/Key", "Items/Item[last()]/Sku") {
		v, ok, err := rec.Value(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&sb, "|%s=%q,%v", p, v, ok)
	}
	items, err := rec.Children("Items/Item")
	if err != nil {
		return "", err
	}
	for _, it := range items {
		sb.WriteString("|" + it.Position())
		for _, p := range append(itemPaths, "../../Key") {
			v, _, err := it.Value(p)
			if err != nil {
				return "", err
			}
			sb.WriteString("," + v)
		}
	}
	return sb.String(), nil
}

// TestMapRecordsConcurrently maps every order on worker goroutines while
// the reader goes on, and compares with mapping them one by one after the
// whole file was read.
func TestMapRecordsConcurrently(t *testing.T) {
	var doc bytes.Buffer
	if _, err := gen.WriteUNAS(&doc, gen.UNASOptions{Orders: 300, Seed: 7, Day: 1}); err != nil {
		t.Fatal(err)
	}
	f := xmlstream.New(unasOptions)
	rr, err := f.Open(context.Background(), bytes.NewReader(doc.Bytes()), "gen.xml")
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		i   int
		rec pipeline.Record
	}
	jobs := make(chan job)
	got := make([]string, 300)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for j := range jobs {
				s, err := mapped(j.rec)
				if err != nil {
					t.Error(err)
				}
				got[j.i] = s
			}
		})
	}
	var recs []pipeline.Record
	for i := 0; ; i++ {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		jobs <- job{i, rec}
	}
	close(jobs)
	wg.Wait()
	if len(recs) != 300 {
		t.Fatalf("read %d orders", len(recs))
	}
	for i, rec := range recs {
		want, err := mapped(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got[i] != want {
			t.Errorf("order %d mapped concurrently:\n%s\nafter reading all:\n%s", i+1, got[i], want)
		}
	}
}
