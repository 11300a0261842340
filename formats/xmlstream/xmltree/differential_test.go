package xmltree_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"minisync/formats/xmlstream/xmltree"
)

// refNode is a node of a tree built either from encoding/xml tokens or from
// an xmltree.Tree, in the shape xmltree keeps.
type refNode struct {
	Kind     xmltree.Kind
	Name     xmltree.Name
	Attrs    []xmltree.Attr
	Text     string // data of a run, inner text of an element
	Line     int
	Children []*refNode
}

// dump renders n for comparisons and failure messages.
func (n *refNode) dump(sb *strings.Builder, indent string) {
	switch n.Kind {
	case xmltree.Element:
		fmt.Fprintf(sb, "%s<%s|%s|%s line=%d", indent, n.Name.Space, n.Name.Prefix, n.Name.Local, n.Line)
		for _, a := range n.Attrs {
			fmt.Fprintf(sb, " %s|%s|%s=%q", a.Name.Space, a.Name.Prefix, a.Name.Local, a.Value)
		}
		fmt.Fprintf(sb, "> %q\n", n.Text)
		for _, c := range n.Children {
			c.dump(sb, indent+"  ")
		}
	case xmltree.Text:
		fmt.Fprintf(sb, "%stext %q\n", indent, n.Text)
	default:
		fmt.Fprintf(sb, "%scdata %q\n", indent, n.Text)
	}
}

func (n *refNode) String() string {
	if n == nil {
		return "<nil>"
	}
	var sb strings.Builder
	n.dump(&sb, "")
	return sb.String()
}

// fromTree converts the subtree at n.
func fromTree(n xmltree.Node) *refNode {
	r := &refNode{Kind: n.Kind(), Text: n.Text()}
	if r.Kind == xmltree.Element {
		r.Name, r.Line = n.Name(), n.Line()
		for i := 0; i < n.NumAttrs(); i++ {
			r.Attrs = append(r.Attrs, n.Attr(i))
		}
		for c := n.FirstChild(); c.Valid(); c = c.Next() {
			r.Children = append(r.Children, fromTree(c))
		}
	}
	return r
}

// parseAll parses data as one record, the root element, and checks that the
// rest of the document is well-formed.
func parseAll(r io.Reader) (*refNode, error) {
	p := xmltree.NewParser(r, nil)
	t, err := p.Next()
	if err != nil {
		return nil, err
	}
	if _, err := p.Next(); err != io.EOF {
		return nil, fmt.Errorf("after the root: %w, want io.EOF", err)
	}
	return fromTree(t.Root()), nil
}

// errUndecided marks inputs the reference cannot judge: names that XML 1.0
// fifth edition allows but encoding/xml's older tables do not.
var errUndecided = errors.New("undecided")

// reference parses data with encoding/xml (Strict) into the tree xmltree
// should build, applying the rules xmltree adds to encoding/xml's: one root
// element, nothing but white space, comments, processing instructions and
// one leading DOCTYPE outside it, an XML declaration at the start only,
// unique attributes, declared element prefixes and no xmlns element
// prefix, character references to XML characters only, XML characters
// everywhere.
func reference(data []byte) (*refNode, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if err := checkAllChars(data); err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	raw := xml.NewDecoder(bytes.NewReader(data))
	raw.CharsetReader = d.CharsetReader

	type open struct {
		node     *refNode
		prefixes []string // declared by this element
		text     strings.Builder
	}
	var (
		stack     []*open
		root      *refNode
		doctype   bool
		declared  = map[string]int{} // prefix → number of declarations in scope
		prologErr error              // text before the root, an error if a root follows
	)
	for {
		line, _ := d.InputPos()
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if strings.Contains(err.Error(), "invalid XML name") && !isASCII(data) {
				return nil, errUndecided
			}
			return nil, err
		}
		rtok, rerr := raw.RawToken()
		if rerr != nil {
			return nil, fmt.Errorf("raw decoder: %v", rerr)
		}
		span := data[start:d.InputOffset()]
		switch t := tok.(type) {
		case xml.StartElement:
			rt := rtok.(xml.StartElement)
			if len(stack) == 0 && root != nil {
				return nil, errors.New("second root element")
			}
			if prologErr != nil {
				return nil, prologErr
			}
			n := &refNode{Kind: xmltree.Element, Line: line,
				Name: xmltree.Name{Space: t.Name.Space, Prefix: rt.Name.Space, Local: t.Name.Local}}
			o := &open{node: n}
			seen := map[string]bool{}
			for i, a := range t.Attr {
				ra := rt.Attr[i].Name
				q := ra.Local
				if ra.Space != "" {
					q = ra.Space + ":" + ra.Local
				}
				if seen[q] {
					return nil, errors.New("duplicate attribute")
				}
				seen[q] = true
				if ra.Space == "xmlns" {
					declared[ra.Local]++
					o.prefixes = append(o.prefixes, ra.Local)
				}
				if err := checkCharRefs(span); err != nil {
					return nil, err
				}
				n.Attrs = append(n.Attrs, xmltree.Attr{Name: xmltree.Name{Space: a.Name.Space, Prefix: ra.Space, Local: a.Name.Local}, Value: a.Value})
			}
			switch p := rt.Name.Space; {
			case p == "xmlns":
				return nil, errors.New("xmlns element prefix")
			case p != "" && p != "xml" && declared[p] == 0:
				return nil, errors.New("undeclared element prefix")
			}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1].node
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, o)
		case xml.EndElement:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			o.node.Text = o.text.String()
			for _, p := range o.prefixes {
				declared[p]--
			}
			if len(stack) > 0 {
				stack[len(stack)-1].text.WriteString(o.node.Text)
			}
		case xml.CharData:
			cdata := bytes.HasPrefix(span, []byte("<![CDATA["))
			if len(stack) == 0 {
				switch {
				case cdata || root != nil && len(bytes.Trim(span, " \t\r\n")) > 0:
					return nil, errors.New("text or CDATA outside the root element")
				case len(bytes.Trim(span, " \t\r\n")) > 0 && prologErr == nil:
					prologErr = errors.New("text before the root element")
				}
				continue
			}
			if !cdata {
				if err := checkCharRefs(span); err != nil {
					return nil, err
				}
			}
			o := stack[len(stack)-1]
			o.text.WriteString(string(t))
			n := &refNode{Kind: xmltree.Text, Text: string(t)}
			if cdata {
				n.Kind = xmltree.CData
			} else if len(o.node.Children) > 0 && len(bytes.Trim(span, " \t\r\n")) == 0 {
				continue // white space after the first child gets no node
			}
			o.node.Children = append(o.node.Children, n)
		case xml.ProcInst:
			if t.Target == "xml" && start != 0 {
				return nil, errors.New("XML declaration not at the start")
			}
		case xml.Directive:
			if len(stack) > 0 || root != nil || doctype || !doctypeRE.Match(span) {
				return nil, errors.New("markup declaration other than one leading DOCTYPE")
			}
			doctype = true
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

var (
	doctypeRE = regexp.MustCompile(`^<!DOCTYPE[ \t\r\n]`)
	charRefRE = regexp.MustCompile(`&#(x[0-9a-fA-F]+|[0-9]+);`)
)

// checkCharRefs rejects character references to surrogates in span, which
// encoding/xml turns into U+FFFD.
func checkCharRefs(span []byte) error {
	for _, m := range charRefRE.FindAllSubmatch(span, -1) {
		s, base := string(m[1]), 10
		if s[0] == 'x' {
			s, base = s[1:], 16
		}
		if v, err := strconv.ParseUint(s, base, 32); err == nil && v >= 0xD800 && v <= 0xDFFF {
			return fmt.Errorf("character reference %s to a surrogate", m[0])
		}
	}
	return nil
}

// checkAllChars rejects a byte sequence that is not an XML character
// anywhere, comments and processing instructions included.
func checkAllChars(data []byte) error {
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n == 1 {
			return errors.New("invalid UTF-8")
		}
		if !(r == 0x09 || r == 0x0A || r == 0x0D || 0x20 <= r && r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || r >= 0x10000) {
			return fmt.Errorf("illegal character %U", r)
		}
		data = data[n:]
	}
	return nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// chunkReader returns its data in reads of 1, 2, 3… bytes, cycling.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.n = r.n%7 + 1
	n := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// recordsAt parses data streaming the root's children named local.
func recordsAt(data []byte, local string) ([]*refNode, error) {
	p := xmltree.NewParser(iotest.HalfReader(bytes.NewReader(data)), []string{local})
	var out []*refNode
	for {
		t, err := p.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, fromTree(t.Root()))
	}
}

// FuzzDifferential checks xmltree against encoding/xml: both accept or
// reject the same documents (with the rules of reference), build the same
// tree, and reading in small pieces or as streamed records changes nothing.
func FuzzDifferential(f *testing.F) {
	for _, s := range differentialSeeds {
		f.Add([]byte(s))
	}
	for _, glob := range []string{"../../../fixtures/unas/*.xml", "../../../fixtures/saga/*.xml", "../../../fixtures/efactura/*.xml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil && len(data) < 8<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseAll(bytes.NewReader(data))
		want, werr := reference(data)
		if werr == errUndecided {
			return
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("xmltree: %v\nencoding/xml and rules: %v\ndocument %q", err, werr, data)
		}
		if err != nil {
			var se *xmltree.SyntaxError
			if err == io.EOF {
				return // no root element, the text before it notwithstanding
			}
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error %v (%T) is not a *SyntaxError with a line", err, err)
			}
			return
		}
		if got.String() != want.String() {
			t.Fatalf("document %q\nxmltree:\n%s\nencoding/xml:\n%s", data, got, want)
		}
		small, err := parseAll(&chunkReader{data: data})
		if err != nil || small.String() != got.String() {
			t.Fatalf("read in small pieces: %v\n%s\nwant\n%s", err, small, got)
		}
		for _, c := range got.Children {
			if c.Kind != xmltree.Element {
				continue
			}
			recs, err := recordsAt(data, c.Name.Local)
			if err != nil {
				t.Fatalf("streaming <%s> records: %v", c.Name.Local, err)
			}
			var wantRecs []*refNode
			for _, c2 := range got.Children {
				if c2.Kind == xmltree.Element && c2.Name.Local == c.Name.Local {
					wantRecs = append(wantRecs, c2)
				}
			}
			if fmt.Sprint(recs) != fmt.Sprint(wantRecs) {
				t.Fatalf("streaming <%s> records:\n%v\nwant\n%v", c.Name.Local, recs, wantRecs)
			}
			break
		}
	})
}

// differentialSeeds cover the syntax xmltree knows.
var differentialSeeds = []string{
	"<a/>",
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x='1' y=\"2\">t<b>u</b>\n <c/>v</a>\n",
	"\uFEFF<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;</a>",
	"<a><![CDATA[x<y]]>z<![CDATA[]]></a>",
	"<a>\r\nb\rc</a>",
	"<!DOCTYPE a [<!ENTITY e 'x'> <!-- c -->]><a/>",
	"<!-- head --><?pi data?><a><!-- in -->t<?pi?></a><!-- tail -->\n",
	"<r xmlns='urn:d' xmlns:p='urn:p'><p:a p:x='1' y='2'/><b xmlns=''/><p:c xmlns:p='urn:q'/><xml:d xml:lang='hu'/></r>",
	"<r><a>1</a><b>2</b><a>3<a>4</a></a></r>",
	"<a b='x&#10;y'/>",
	"<a>]]></a>",
	"<a>&#xD800;</a>",
	"<a x='1' x='2'/>",
	"<p:a/>",
	"<a/><b/>",
	"<a/>x",
	"<a><!DOCTYPE a></a>",
	" <?xml version='1.0'?><a/>",
	"<a>\x01</a>",
	"<a:b:c/>",
	"<:a a:='1'/>",
	"<a\n  b = 'c'\n/>",
	"<a></b>",
	"<a><b></a></b>",
	"<é><ő/></é>",
	"<a>&unknown;</a>",
	"<a>&#;</a>",
	"<a b=c/>",
	"<a b='<'/>",
	"<!DOCTYPE<!---->><a/>",
	"&",
	"Too many requests",
}
