package xmltree

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// releaseDoc has records of 1 to 40 items, so their trees fall in
// several size classes.
func releaseDoc() string {
	var b strings.Builder
	b.WriteString("<orders>")
	for i := range 60 {
		fmt.Fprintf(&b, "<order id=\"%d\"><name>Árvíztűrő %d</name>", i, i)
		for j := range 1 + (i*7)%40 {
			fmt.Fprintf(&b, "<item sku=\"S%d-%d\">%d</item>", i, j, j)
		}
		b.WriteString("</order>\n")
	}
	b.WriteString("</orders>")
	return b.String()
}

// dump renders a record's elements, attributes and texts.
func dump(n Node, b *strings.Builder) {
	for ; n.Valid(); n = n.Next() {
		fmt.Fprintf(b, "%d:%s[", n.Kind(), n.Local())
		for i := range n.NumAttrs() {
			fmt.Fprintf(b, "%s=%s ", n.Attr(i).Name.Local, n.Attr(i).Value)
		}
		fmt.Fprintf(b, "]%q{", n.Text())
		dump(n.FirstChild(), b)
		b.WriteString("}")
	}
}

// TestReleasedTreesAreReused parses a document twice, the second time
// releasing every tree once read, and expects the same records, node
// slices reused, and strings taken from released trees unchanged.
func TestReleasedTreesAreReused(t *testing.T) {
	doc := releaseDoc()
	var want []string
	p := NewParser(strings.NewReader(doc), []string{"order"})
	for {
		tr, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		dump(tr.Root(), &b)
		want = append(want, b.String())
	}
	if len(want) != 60 {
		t.Fatalf("%d records, want 60", len(want))
	}

	released := map[*node]bool{}
	var kept []string // the record element's text, taken before release
	reused := 0
	p = NewParser(strings.NewReader(doc), []string{"order"})
	for i := 0; ; i++ {
		tr, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if released[&tr.nodes[:1][0]] {
			reused++
		}
		var b strings.Builder
		dump(tr.Root(), &b)
		if got := b.String(); got != want[i] {
			t.Fatalf("record %d read into a reused tree:\n got %s\nwant %s", i, got, want[i])
		}
		kept = append(kept, tr.Root().Text())
		if cap(tr.nodes) > 0 {
			released[&tr.nodes[:1][0]] = true
		}
		tr.Release()
		if tr.nodes != nil {
			t.Fatal("a released tree keeps its nodes")
		}
	}
	if reused == 0 {
		t.Error("no node slice was reused")
	}
	for i, k := range kept {
		if want := fmt.Sprintf("Árvíztűrő %d", i); !strings.HasPrefix(k, want) {
			t.Errorf("text of record %d became %q after later records reused its nodes", i, k)
		}
	}
}
