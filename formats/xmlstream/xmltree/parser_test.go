package xmltree_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"minisync/formats/xmlstream/xmltree"
)

// readRecords parses doc streaming the elements at path and returns the
// records read until the first error, which is nil at io.EOF.
func readRecords(r io.Reader, path ...string) ([]*xmltree.Tree, error) {
	p := xmltree.NewParser(r, path)
	var out []*xmltree.Tree
	for {
		t, err := p.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
}

// only parses doc, which must be well-formed, as one record.
func only(t *testing.T, doc string) xmltree.Node {
	t.Helper()
	recs, err := readRecords(strings.NewReader(doc))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%q: %d records, %v", doc, len(recs), err)
	}
	return recs[0].Root()
}

// dumpAll renders records for comparisons.
func dumpAll(recs []*xmltree.Tree) string {
	var sb strings.Builder
	for _, t := range recs {
		fromTree(t.Root()).dump(&sb, "")
	}
	return sb.String()
}

func TestEntitiesAndReferences(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a &amp; b", "a & b"},
		{"&lt;b&gt;", "<b>"},
		{"&quot;&apos;", `"'`},
		{"&#65;&#x42;&#x63;&#0065;", "ABcA"},
		{"&#x1F600; &#233;", "😀 é"},
		{"&#9;&#10;&#13;", "\t\n\r"}, // a reference keeps its CR
		{"x\r\ny\rz\n", "x\ny\nz\n"},
		{"] ]] ]>", "] ]] ]>"},
		{"]]&gt;", "]]>"},
	} {
		if got := only(t, "<a>"+tt.in+"</a>").Text(); got != tt.want {
			t.Errorf("text %q = %q, want %q", tt.in, got, tt.want)
		}
		if got := only(t, `<a v="`+strings.ReplaceAll(tt.in, `"`, "&quot;")+`"/>`).Attr(0).Value; got != tt.want {
			t.Errorf("attribute %q = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := only(t, "<a v='a\tb\nc\r\nd'/>").Attr(0).Value; got != "a\tb\nc\nd" {
		t.Errorf("attribute white space = %q, kept as encoding/xml keeps it", got)
	}
}

func TestCDATA(t *testing.T) {
	a := only(t, "<a>x<![CDATA[<b>&amp;]]]]><![CDATA[>\r\n]]><![CDATA[]]>y</a>")
	if got, want := a.Text(), "x<b>&amp;]]>\ny"; got != want {
		t.Errorf("inner text = %q, want %q", got, want)
	}
	var runs []string
	for c := a.FirstChild(); c.Valid(); c = c.Next() {
		runs = append(runs, fmt.Sprintf("%d:%s", c.Kind(), c.Text()))
	}
	want := []string{"2:x", "3:<b>&amp;]]", "3:>\n", "3:", "2:y"}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("runs = %q, want %q", runs, want)
	}
}

func TestWhiteSpaceRuns(t *testing.T) {
	a := only(t, "<a>\n  <b/>\n  <c> </c>\n  <![CDATA[ ]]>\n</a>")
	var kinds []string
	for c := a.FirstChild(); c.Valid(); c = c.Next() {
		kinds = append(kinds, fmt.Sprintf("%d:%q", c.Kind(), c.Text()))
	}
	// The first run stays a node; later blank runs are part of the text only.
	want := `[2:"\n  " 1:"" 1:" " 3:" "]`
	if got := fmt.Sprint(kinds); got != want {
		t.Errorf("children = %s, want %s", got, want)
	}
	if got := a.Text(); got != "\n  \n   \n   \n" {
		t.Errorf("inner text = %q", got)
	}
}

func TestNamespaces(t *testing.T) {
	doc := `<r xmlns="urn:d" xmlns:p="urn:p1">
<rec p:a="1" b="2" xml:lang="hu">
  <x/>
  <p:y/>
  <p:z xmlns:p="urn:p2" p:c="3"><p:w/></p:z>
  <p:v/>
  <u xmlns=""><t/></u>
  <q:s xmlns:q="urn:p1" xmlns="urn:e"><k/></q:s>
</rec>
</r>`
	recs, err := readRecords(strings.NewReader(doc), "rec")
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	rec := recs[0].Root()
	names := map[string]string{}
	var walk func(n xmltree.Node)
	walk = func(n xmltree.Node) {
		if n.Kind() != xmltree.Element {
			return
		}
		nm := n.Name()
		names[nm.Local] = nm.Prefix + "|" + nm.Space
		for c := n.FirstChild(); c.Valid(); c = c.Next() {
			walk(c)
		}
	}
	walk(rec)
	want := map[string]string{
		"rec": "|urn:d", "x": "|urn:d", "y": "p|urn:p1", "z": "p|urn:p2", "w": "p|urn:p2",
		"v": "p|urn:p1", "u": "|", "t": "|", "s": "q|urn:p1", "k": "|urn:e",
	}
	for k, w := range want {
		if names[k] != w {
			t.Errorf("<%s> = %q, want %q", k, names[k], w)
		}
	}
	var attrs []string
	for i := 0; i < rec.NumAttrs(); i++ {
		a := rec.Attr(i)
		attrs = append(attrs, a.Name.Prefix+"|"+a.Name.Local+"|"+a.Name.Space+"="+a.Value)
	}
	wantAttrs := "[p|a|urn:p1=1 |b|=2 xml|lang|http://www.w3.org/XML/1998/namespace=hu]"
	if got := fmt.Sprint(attrs); got != wantAttrs {
		t.Errorf("attributes = %s, want %s", got, wantAttrs)
	}
	z := rec.FirstChild().Next().Next().Next() // text, x, p:y, p:z
	if got := z.Attr(1); got.Name.Space != "urn:p2" || got.Value != "3" {
		t.Errorf("p:c = %+v, want in urn:p2", got)
	}
	if got := z.Attr(0); got.Name.Prefix != "xmlns" || got.Name.Local != "p" || got.Value != "urn:p2" {
		t.Errorf("declaration attribute = %+v", got)
	}
}

func TestRoot(t *testing.T) {
	p := xmltree.NewParser(strings.NewReader("<?xml version='1.0'?>\n<!-- c -->\n\n<o:Orders xmlns:o='urn:o'><Order/></o:Orders>"), []string{"Order"})
	name, line, err := p.Root()
	if err != nil || name != (xmltree.Name{Space: "urn:o", Prefix: "o", Local: "Orders"}) || line != 4 {
		t.Errorf("Root = %+v, %d, %v", name, line, err)
	}
	if _, err := p.Next(); err != nil {
		t.Fatal(err)
	}
	if name2, _, _ := p.Root(); name2 != name {
		t.Errorf("Root after Next = %+v", name2)
	}
	p = xmltree.NewParser(strings.NewReader("<a x='1'/>\n"), nil)
	if name, _, err := p.Root(); err != nil || name.Local != "a" {
		t.Fatalf("Root of an empty root = %+v, %v", name, err)
	}
	if rec, err := p.Next(); err != nil || rec.Root().Attr(0).Value != "1" {
		t.Errorf("Next after Root of an empty root record = %v, %v", rec, err)
	}
	if _, err := p.Next(); err != io.EOF {
		t.Errorf("then Next = %v, want io.EOF", err)
	}
	for _, doc := range []string{"", "  \n", "<?xml version='1.0'?><!-- no root -->", "Too many requests &", "<?xml version='1.0'?>\nIP banned"} {
		if _, _, err := xmltree.NewParser(strings.NewReader(doc), nil).Root(); err != io.EOF {
			t.Errorf("%q: Root error %v, want io.EOF", doc, err)
		}
	}
}

func TestLines(t *testing.T) {
	doc := "<?xml version='1.0'?>\r\n<r>\r\n<rec a='1\n2'\n b='3'>\n<x>\r<y/></x><![CDATA[\n\n]]><z\n/>\n<!--\n\n-->\n<w/></rec>\n</r>"
	recs, err := readRecords(strings.NewReader(doc), "rec")
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	lines := map[string]int{}
	var walk func(n xmltree.Node)
	walk = func(n xmltree.Node) {
		if n.Kind() == xmltree.Element {
			lines[n.Name().Local] = n.Line()
			for c := n.FirstChild(); c.Valid(); c = c.Next() {
				walk(c)
			}
		}
	}
	walk(recs[0].Root())
	want := map[string]int{"rec": 3, "x": 6, "y": 6, "z": 8, "w": 13}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("lines = %v, want %v (a lone CR does not end a line)", lines, want)
	}
}

func TestRecordPaths(t *testing.T) {
	doc := `<Export><Meta><Doc id="no"/></Meta><Batch><Doc id="1"><Doc id="inner"/></Doc><Other><Doc id="no"/></Other><Doc id="2"/></Batch><x:Batch xmlns:x="u"><x:Doc id="3"/></x:Batch></Export>`
	recs, err := readRecords(strings.NewReader(doc), "Batch", "Doc")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Root().Attr(0).Value)
	}
	if got := fmt.Sprint(ids); got != "[1 2 3]" {
		t.Errorf("records %s, want [1 2 3]: by local name, at the path only, outermost", got)
	}
}

// splitReader returns data[:k] on its first read and the rest on the next.
type splitReader struct {
	data []byte
	k    int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if r.k > 0 {
		n, r.k = r.k, 0
	}
	n = copy(p[:min(len(p), n)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// splitDoc has every kind of token, multi-byte characters and line ends.
const splitDoc = "\uFEFF<?xml version=\"1.0\"?>\r\n<!DOCTYPE r [<!ENTITY e \"x>\"><!-- c -->]>\n" +
	"<r xmlns:p=\"urn:p\">\n <rec p:a=\"x&amp;y\" b='&#x151;'>Árvíztűrő &lt;tükör&gt;<![CDATA[fúrógép]]]]>\r\n" +
	"  <p:c>ő<?pi data?>ű<!-- ő --></p:c><d/></rec>\n <rec>\n  <e f=\"1\"/>\n </rec>\n</r>\n"

func TestSplitAtEveryPosition(t *testing.T) {
	want, err := readRecords(strings.NewReader(splitDoc), "rec")
	if err != nil || len(want) != 2 {
		t.Fatalf("%d records, %v", len(want), err)
	}
	wantDump := dumpAll(want)
	for k := 1; k < len(splitDoc); k++ {
		got, err := readRecords(&splitReader{data: []byte(splitDoc), k: k}, "rec")
		if err != nil {
			t.Fatalf("split at %d: %v", k, err)
		}
		if d := dumpAll(got); d != wantDump {
			t.Fatalf("split at %d:\n%s\nwant\n%s", k, d, wantDump)
		}
	}
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(strings.NewReader(splitDoc)),
		"half":     iotest.HalfReader(strings.NewReader(splitDoc)),
		"data+EOF": iotest.DataErrReader(strings.NewReader(splitDoc)),
	} {
		got, err := readRecords(r, "rec")
		if err != nil || dumpAll(got) != wantDump {
			t.Errorf("%s: %v\n%s", name, err, dumpAll(got))
		}
	}
}

func TestRecordLargerThanBuffer(t *testing.T) {
	big := strings.Repeat("Árvíztűrő tükörfúrógép &amp; ", 100_000) // about 3 MB
	var doc strings.Builder
	doc.WriteString("<r>\n<rec><first/>")
	for i := range 50_000 {
		fmt.Fprintf(&doc, "<item n=\"%d\">%d</item>\n", i, i)
	}
	doc.WriteString("<big a=\"" + big + "\">" + big + "</big><![CDATA[" + big + "]]></rec>\n<rec>second</rec>\n</r>")
	for name, r := range map[string]io.Reader{
		"reader":    strings.NewReader(doc.String()),
		"one byte":  iotest.OneByteReader(strings.NewReader(doc.String())),
		"half read": iotest.HalfReader(strings.NewReader(doc.String())),
	} {
		if name == "one byte" && testing.Short() {
			continue
		}
		recs, err := readRecords(r, "rec")
		if err != nil || len(recs) != 2 {
			t.Fatalf("%s: %d records, %v", name, len(recs), err)
		}
		rec := recs[0].Root()
		n, last := 0, xmltree.Node{}
		for c := rec.FirstChild(); c.Valid(); c = c.Next() {
			n, last = n+1, c
		}
		if n != 1+50_000+2 {
			t.Errorf("%s: %d children", name, n)
		}
		wantBig := strings.ReplaceAll(big, "&amp;", "&")
		bigEl := last.Prev()
		if bigEl.Attr(0).Value != wantBig || bigEl.Text() != wantBig || last.Text() != big {
			t.Errorf("%s: big values differ", name)
		}
		if got := recs[1].Root().Text(); got != "second" {
			t.Errorf("%s: second record %q", name, got)
		}
		if got := bigEl.Line(); got != 50_002 {
			t.Errorf("%s: <big> on line %d, want 50002", name, got)
		}
	}
}

func TestRecordsStayIntact(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("<Orders>\n")
	for i := range 2000 {
		fmt.Fprintf(&doc, "<Order id=\"%d\"><Key>K%d</Key><Name><![CDATA[Név %d]]></Name></Order>\n", i, i, i)
	}
	doc.WriteString("</Orders>\n")
	recs, err := readRecords(iotest.HalfReader(strings.NewReader(doc.String())), "Order")
	if err != nil || len(recs) != 2000 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	check := func(i int, rec *xmltree.Tree) error {
		root := rec.Root()
		key := root.FirstChild()
		if root.Attr(0).Value != fmt.Sprint(i) || key.Text() != fmt.Sprintf("K%d", i) ||
			key.Next().Text() != fmt.Sprintf("Név %d", i) || root.Line() != i+2 {
			return fmt.Errorf("record %d changed: %s", i, dumpAll([]*xmltree.Tree{rec}))
		}
		return nil
	}
	for i, rec := range recs {
		if err := check(i, rec); err != nil {
			t.Fatal(err)
		}
	}

	// Records are read on other goroutines while parsing goes on.
	p := xmltree.NewParser(iotest.HalfReader(strings.NewReader(doc.String())), []string{"Order"})
	var wg sync.WaitGroup
	errs := make(chan error, 2000)
	for i := 0; ; i++ {
		rec, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := check(i, rec); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNextAfterEnd(t *testing.T) {
	p := xmltree.NewParser(strings.NewReader("<r><a/></r>"), []string{"a"})
	if _, err := p.Next(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := p.Next(); err != io.EOF {
			t.Fatalf("Next = %v, want io.EOF again", err)
		}
	}
	p = xmltree.NewParser(strings.NewReader("<r><a/></r"), []string{"a"})
	p.Next()
	_, err1 := p.Next()
	_, err2 := p.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v, %v; want the same error twice", err1, err2)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("<r><a>1</a><a>2"), iotest.ErrReader(boom))
	recs, err := readRecords(r, "a")
	if !errors.Is(err, boom) || len(recs) != 1 {
		t.Errorf("%d records, %v; want 1 and the read error", len(recs), err)
	}
}

func TestByteOrderMark(t *testing.T) {
	if got := only(t, "\uFEFF<?xml version='1.0'?><a>\uFEFF</a>").Text(); got != "\uFEFF" {
		t.Errorf("text = %q", got)
	}
	if _, err := readRecords(bytes.NewReader([]byte("\uFEFF\uFEFF<a/>"))); err == nil {
		t.Error("second byte order mark accepted before the root")
	}
}

func TestSiblings(t *testing.T) {
	a := only(t, "<a>t<b><c>1</c><d/></b>\n<e/>\n<f><g/></f><![CDATA[x]]></a>")
	var forward []string
	last := xmltree.Node{}
	for c := a.FirstChild(); c.Valid(); c = c.Next() {
		forward = append(forward, c.Name().Local+c.Text())
		last = c
	}
	var backward []string
	for c := last; c.Valid(); c = c.Prev() {
		backward = append([]string{c.Name().Local + c.Text()}, backward...)
	}
	if fmt.Sprint(forward) != fmt.Sprint(backward) || len(forward) != 5 {
		t.Errorf("forward %q, backward %q", forward, backward)
	}
	if a.Prev().Valid() || a.Parent().Valid() || a.FirstChild().Prev().Valid() {
		t.Error("the record element or a first child has a previous sibling or parent")
	}
}
