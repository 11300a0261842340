package xmltree_test

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"minisync/formats/xmlstream/xmltree"
)

func TestWellFormednessErrors(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		line, col int
		msg       string
	}{
		{"mismatched tag", "<r>\n<a>\n<b></a>", 3, 4, "element <b> closed by </a>"},
		{"mismatched prefix", "<r xmlns:p='u' xmlns:q='u'>\n<p:a></q:a></r>", 2, 6, "element <p:a> closed by </q:a>"},
		{"unclosed at EOF", "<r>\n<a>\n", 3, 1, "unexpected EOF"},
		{"EOF in tag", "<r>\n<a b='1", 2, 8, "unexpected EOF"},
		{"EOF in CDATA", "<r><![CDATA[\nabc", 2, 4, "unexpected EOF in CDATA section"},
		{"EOF in comment", "<r><!-- abc", 1, 12, "unexpected EOF"},
		{"unexpected end tag", "<r/>\n</r>", 2, 1, "unexpected end element </r>"},
		{"unknown entity", "<r>\n a &nbsp; b</r>", 2, 4, "invalid character entity &nbsp;"},
		{"entity without semicolon", "<r>a &amp b</r>", 1, 6, "invalid character entity &amp (no semicolon)"},
		{"bare ampersand", "<r>a & b</r>", 1, 6, "invalid character entity & (no semicolon)"},
		{"empty reference", "<r>&#;</r>", 1, 4, "invalid character entity &#;"},
		{"reference out of range", "<r>&#x110000;</r>", 1, 4, "invalid character entity &#x110000;"},
		{"reference to a control character", "<r>&#1;</r>", 1, 4, "illegal character code U+0001"},
		{"reference to a surrogate", "<r>&#xD800;</r>", 1, 4, "illegal character code U+D800"},
		{"entity in attribute", "<r a='&bogus;'/>", 1, 7, "invalid character entity &bogus;"},
		{"unquoted attribute", "<r>\n<a b=1/></r>", 2, 6, "unquoted or missing attribute value in element"},
		{"attribute without value", "<r a/>", 1, 5, "attribute name without = in element"},
		{"< in attribute", "<r>\n<a b='x<y'/></r>", 2, 8, "unescaped < inside quoted string"},
		{"duplicate attribute", "<r>\n<a b='1' c='2' b='3'/></r>", 2, 16, "duplicate attribute b"},
		{"duplicate prefixed attribute", "<r xmlns:p='u'><a p:b='1' p:b='3'/></r>", 1, 27, "duplicate attribute p:b"},
		{"name starting with a digit", "<r>\n<1a/></r>", 2, 2, "invalid XML name: 1a"},
		{"name with a bad character", "<r><a\u00D7b/></r>", 1, 5, "invalid XML name: a×b"},
		{"two colons", "<r><a:b:c/></r>", 1, 5, "expected element name after <"},
		{"no name", "<r>< a/></r>", 1, 5, "expected element name after <"},
		{"bad attribute name", "<r a='1' -b='2'/>", 1, 10, "invalid XML name: -b"},
		{"missing attribute name", "<r a='1' ='2'/>", 1, 10, "expected attribute name in element"},
		{"bad end of empty tag", "<r/ >", 1, 3, "expected /> in element"},
		{"junk in end tag", "<r></r x>", 1, 8, "invalid characters between </r and >"},
		{"text after root", "<r/>\n\nx", 3, 1, "text after the root element"},
		{"reference after root", "<r/>&#32;", 1, 5, "text after the root element"},
		{"text before root", "  x<r/>", 1, 3, "text before the root element"},
		{"text and reference before root", "\n&amp;\n<!-- c --><r/>", 2, 1, "text before the root element"},
		{"second root", "<r/>\n<r/>", 2, 1, "second root element <r> after </r>"},
		{"CDATA after root", "<r/><![CDATA[ ]]>", 1, 5, "CDATA section outside the root element"},
		{"]]> in text", "<r>\na]]>b</r>", 2, 2, "unescaped ]]> not in CDATA section"},
		{"control character", "<r>\nab\x01</r>", 2, 3, "illegal character code U+0001"},
		{"control character in comment", "<r><!-- \x1b --></r>", 1, 9, "illegal character code U+001B"},
		{"non-character", "<r>\uFFFE</r>", 1, 4, "illegal character code U+FFFE"},
		{"invalid UTF-8", "<r>\nKov\xe1cs</r>", 2, 4, "invalid UTF-8"},
		{"cut UTF-8 at EOF", "<r>\xc5", 1, 4, "invalid UTF-8"},
		{"undeclared element prefix", "<r><p:a/></r>", 1, 5, `undeclared namespace prefix "p" in element <p:a>`},
		{"prefix out of scope", "<r><a xmlns:p='u'/><p:b/></r>", 1, 21, `undeclared namespace prefix "p"`},
		{"xmlns element prefix", "<r><xmlns:a/></r>", 1, 5, "element <xmlns:a> has the reserved prefix xmlns"},
		{"double hyphen in comment", "<r><!-- a -- b --></r>", 1, 11, `invalid sequence "--" not allowed in comments`},
		{"bad comment start", "<r><!-a--></r>", 1, 7, "invalid sequence <!- not part of <!--"},
		{"bad CDATA start", "<r><![CDATX[a]]></r>", 1, 4, "invalid <![ sequence"},
		{"markup declaration", "<!ELEMENT r ANY><r/>", 1, 1, "invalid <! sequence"},
		{"DOCTYPE in root", "<r><!DOCTYPE r></r>", 1, 4, "DOCTYPE after the start of the root element"},
		{"second DOCTYPE", "<!DOCTYPE r>\n<!DOCTYPE r><r/>", 2, 1, "second DOCTYPE"},
		{"XML declaration late", "\n<?xml version='1.0'?><r/>", 2, 1, "XML declaration not at the start of the document"},
		{"XML declaration in root", "<r><?xml version='1.0'?></r>", 1, 4, "XML declaration not at the start"},
		{"XML version", "<?xml version='1.1'?><r/>", 1, 1, `unsupported XML version "1.1"`},
		{"PI without target", "<? x?><r/>", 1, 3, "expected target name after <?"},
		{"columns count characters", "<r>\nőűő&x;</r>", 2, 4, "invalid character entity &x;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for mode, p := range map[string]*xmltree.Parser{
				"whole":    xmltree.NewParser(strings.NewReader(tt.doc), nil),
				"one byte": xmltree.NewParser(iotest.OneByteReader(strings.NewReader(tt.doc)), nil),
			} {
				var err error
				for err == nil {
					_, err = p.Next()
				}
				var se *xmltree.SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("%s: err = %v (%T), want a *SyntaxError", mode, err, err)
				}
				if se.Line != tt.line || se.Column != tt.col || !strings.Contains(se.Msg, tt.msg) {
					t.Errorf("%s: %d:%d %q, want %d:%d %q", mode, se.Line, se.Column, se.Msg, tt.line, tt.col, tt.msg)
				}
			}
		})
	}
}

func TestAcceptedAsEncodingXMLDoes(t *testing.T) {
	for _, doc := range []string{
		"<r a='1'b='2'/>",                    // no space between attributes
		"<r x:a='1'/>",                       // undeclared attribute prefix
		"<:r a:='1'><b:/></:r>",              // colon at either end belongs to the name
		"<r\n a\n =\n '1'\n></r\n>",          // white space around = and in tags
		"<r><xml:a xml:lang='hu'/></r>",      // the xml prefix is always bound
		"<r xmlns:p=''><p:a/></r>",           // a prefix bound to no namespace
		"<?xml version='1.0'?><?XML x?><r/>", // XML is not the xml declaration
		"<r>]]&gt; ] ]]</r>",
		"<r a=']]>'/>",
		"<!DOCTYPE r [<!ELEMENT r ANY><!ATTLIST r a CDATA '<'>]><r/>",
		"<r>\u00A0\uFFFD\U0001F600</r>",
	} {
		if _, err := readRecords(strings.NewReader(doc)); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
}
