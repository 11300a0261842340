package delimited_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"minisync/formats/delimited"
)

// dialectCase is one input file and everything reading it must give.
type dialectCase struct {
	name   string
	opts   delimited.Options
	in     []byte
	header []string  // nil: not checked
	want   []outcome // records and record errors, in order
	// The fatal error ending the read, if any: a substring, a sentinel and
	// the position (0: not checked).
	fatal     string
	fatalIs   error
	line, col int
	encoding  string // Reader.Encoding, when set
	delim     string // Reader.Delimiter, when set
}

const hu = "Név;Megjegyzés\nÁrvíztűrő tükörfúrógép; Kovács Ödön\nŠimon Ştefan;Ţurcanu\n"

// dialectCases is also the seed corpus of FuzzDelimited.
func dialectCases(t testing.TB) []dialectCase {
	semi := delimited.Options{Header: true, Delimiter: ";"}
	auto := delimited.Options{Header: true}
	huWant := []outcome{rec("line 2", "Árvíztűrő tükörfúrógép", " Kovács Ödön"), rec("line 3", "Šimon Ştefan", "Ţurcanu")}
	return []dialectCase{
		{name: "semicolon", opts: semi,
			in:     []byte("Név;Város;Összeg\nKovács Éva;Budapest;12.345,67\nSzabó Péter;Győr;1 000\n"),
			header: []string{"Név", "Város", "Összeg"},
			want:   []outcome{rec("line 2", "Kovács Éva", "Budapest", "12.345,67"), rec("line 3", "Szabó Péter", "Győr", "1 000")}},
		{name: "comma", opts: delimited.Options{Header: true, Delimiter: ","},
			in:   []byte("name,city\nEva,Budapest\nIoana,Brașov\n"),
			want: []outcome{rec("line 2", "Eva", "Budapest"), rec("line 3", "Ioana", "Brașov")}},
		{name: "tab", opts: delimited.Options{Header: true, Delimiter: "\t"},
			in:   []byte("a\tb\tc\n1\t\t3\n\t2\t\n"),
			want: []outcome{rec("line 2", "1", "", "3"), rec("line 3", "", "2", "")}},
		{name: "tab alias", opts: delimited.Options{Header: true, Delimiter: "tab"},
			in:   []byte("a\tb\n1;2\t3,4\n"),
			want: []outcome{rec("line 2", "1;2", "3,4")}},
		{name: "pipe", opts: delimited.Options{Header: true, Delimiter: "|"},
			in:   []byte("a|b\n1;2|3,4\n"),
			want: []outcome{rec("line 2", "1;2", "3,4")}},
		{name: "sniff semicolon over comma in a name", opts: auto,
			in:    []byte("Számlaszám;Összeg, Ft;Megjegyzés\nSZ-1;1,5;a,b,c,d\n"),
			delim: ";", header: []string{"Számlaszám", "Összeg, Ft", "Megjegyzés"},
			want: []outcome{rec("line 2", "SZ-1", "1,5", "a,b,c,d")}},
		{name: "sniff comma, quoted semicolons ignored", opts: delimited.Options{Header: true, Delimiter: "auto"},
			in:    []byte("\"a;b;c\",d,e\n1,2,3\n"),
			delim: ",", header: []string{"a;b;c", "d", "e"},
			want: []outcome{rec("line 2", "1", "2", "3")}},
		{name: "sniff tab", opts: auto, in: []byte("a\tb, c\n1\t2\n"), delim: "\t",
			want: []outcome{rec("line 2", "1", "2")}},
		{name: "sniff pipe", opts: auto, in: []byte("\n\na|b|c\n1|2|3\n"), delim: "|",
			want: []outcome{rec("line 4", "1", "2", "3")}},
		{name: "sniff one column", opts: auto, in: []byte("email\na@example.hu\n"), delim: ";",
			want: []outcome{rec("line 2", "a@example.hu")}},
		{name: "quoted delimiter", opts: semi,
			in:   []byte("Vevő;Város\n\"Kovács; Éva\";\"Budapest\"\n"),
			want: []outcome{rec("line 2", "Kovács; Éva", "Budapest")}},
		{name: "doubled quotes", opts: semi,
			in:   []byte("Tétel;Db\n\"Tipli \"\"S\"\" 8 mm\";100\n\"\"\"\";\"\"\n"),
			want: []outcome{rec("line 2", `Tipli "S" 8 mm`, "100"), rec("line 3", `"`, "")}},
		{name: "embedded newline", opts: semi,
			in:   []byte("a;b\n\"first\nsecond\nthird\";x\nnext;y\n"),
			want: []outcome{rec("line 2", "first\nsecond\nthird", "x"), rec("line 5", "next", "y")}},
		{name: "crlf", opts: semi,
			in:   []byte("a;b\r\n1;2\r\n\"x\r\ny\";3\r\n4;5"),
			want: []outcome{rec("line 2", "1", "2"), rec("line 3", "x\ny", "3"), rec("line 5", "4", "5")}},
		{name: "empty lines skipped", opts: semi,
			in:   []byte("\na;b\n\n1;2\n\r\n\n3;4\n\n"),
			want: []outcome{rec("line 4", "1", "2"), rec("line 7", "3", "4")}},
		{name: "bom utf-8", opts: auto,
			in:     []byte("\xEF\xBB\xBFNév;Város\nÁrvíztűrő;Győr\n"),
			header: []string{"Név", "Város"}, encoding: "utf-8",
			want: []outcome{rec("line 2", "Árvíztűrő", "Győr")}},
		{name: "windows-1250", opts: delimited.Options{Header: true, Delimiter: ";", Encoding: "windows-1250"},
			in: cp1250(t, hu), header: []string{"Név", "Megjegyzés"}, encoding: "windows-1250", want: huWant},
		{name: "iso-8859-2", opts: delimited.Options{Header: true, Encoding: "ISO-8859-2"},
			in: latin2(t, hu), header: []string{"Név", "Megjegyzés"}, encoding: "iso-8859-2", want: huWant},
		{name: "invalid utf-8 strict", opts: semi,
			in:   []byte("a;b\n1;2\nxé;\xff3\n4;5\n"),
			want: []outcome{rec("line 2", "1", "2")}, fatalIs: delimited.ErrInvalidUTF8, line: 3, col: 4,
			fatal: "set Encoding or FallbackEncoding"},
		{name: "invalid utf-8 in header", opts: semi,
			in: []byte("N\xe9v;b\n1;2\n"), fatalIs: delimited.ErrInvalidUTF8, line: 1, col: 2},
		{name: "cut-off utf-8 at end", opts: semi,
			in: []byte("a;b\n1;\xc5"), fatalIs: delimited.ErrInvalidUTF8, line: 2, col: 3},
		{name: "invalid utf-8 falls back to windows-1250",
			opts: delimited.Options{Header: true, Encoding: "utf-8", FallbackEncoding: "windows-1250"},
			in:   cp1250(t, hu), encoding: "windows-1250", want: huWant},
		{name: "auto falls back to iso-8859-2",
			opts: delimited.Options{Header: true, Encoding: "auto", FallbackEncoding: "iso-8859-2"},
			in:   latin2(t, hu), encoding: "iso-8859-2", want: huWant},
		{name: "auto keeps valid utf-8",
			opts: delimited.Options{Header: true, Encoding: "auto", FallbackEncoding: "windows-1250"},
			in:   []byte(hu), encoding: "utf-8", want: huWant},
		{name: "bom wins over fallback",
			opts:    delimited.Options{Header: true, Encoding: "auto", FallbackEncoding: "windows-1250"},
			in:      cat([]byte("\xEF\xBB\xBF"), cp1250(t, hu)),
			fatalIs: delimited.ErrInvalidUTF8, fatal: "byte order mark", line: 1, col: 2},
		{name: "bom in a windows-1250 file", opts: delimited.Options{Header: true, Encoding: "windows-1250"},
			in: cat([]byte("\xEF\xBB\xBF"), cp1250(t, hu)), fatalIs: delimited.ErrEncoding, line: 1},
		{name: "byte undefined in iso-8859-2", opts: delimited.Options{Header: true, Encoding: "iso-8859-2"},
			in:   cp1250(t, "a;b\n1;2\nx;Šimon\n"), // Š is 0x8A in windows-1250
			want: []outcome{rec("line 2", "1", "2")}, fatalIs: delimited.ErrUndefinedByte, line: 3, col: 3,
			fatal: "is the file windows-1250?"},
		{name: "byte undefined in windows-1250", opts: delimited.Options{Header: true, Encoding: "windows-1250"},
			in:   []byte("a;b\n1;2\nx;\x81y\n"), // 0x81 is not a windows-1250 character
			want: []outcome{rec("line 2", "1", "2")}, fatalIs: delimited.ErrUndefinedByte, line: 3, col: 3},
		{name: "short row rejected, next row read", opts: semi,
			in:   []byte("a;b;c\n1;2\n3;4;5\n"),
			want: []outcome{rej("line 2: 2 fields, the header has 3"), rec("line 3", "3", "4", "5")}},
		{name: "short row padded", opts: delimited.Options{Header: true, Delimiter: ";", Ragged: "pad"},
			in:   []byte("a;b;c\n1;2\n3\n4;5;6\n"),
			want: []outcome{rec("line 2", "1", "2", ""), rec("line 3", "3", "", ""), rec("line 4", "4", "5", "6")}},
		{name: "extra fields rejected when padding", opts: delimited.Options{Header: true, Delimiter: ";", Ragged: "pad"},
			in:   []byte("a;b\n1;2;3\n4;5;\n6;7\n"),
			want: []outcome{rej("line 2: 3 fields, the header has 2"), rej("line 3: 3 fields"), rec("line 4", "6", "7")}},
		{name: "unterminated quote", opts: semi,
			in:   []byte("a;b\n1;2\n\"open;x\n3;4\n"),
			want: []outcome{rec("line 2", "1", "2")}, fatalIs: csv.ErrQuote, line: 4, col: 5, fatal: "row at line 3"},
		{name: "bare quote", opts: semi,
			in:   []byte("a;b\n1;2\nab\"c;d\n3;4\n"),
			want: []outcome{rec("line 2", "1", "2")}, fatalIs: csv.ErrBareQuote, line: 3, col: 3},
		{name: "text after closing quote", opts: semi,
			in: []byte("a;b\n\"x\"y;2\n"), fatalIs: csv.ErrQuote, line: 2, col: 3},
		{name: "empty file", opts: semi, in: nil, fatalIs: delimited.ErrNoHeader},
		{name: "bom and blank lines only", opts: auto, in: []byte("\xEF\xBB\xBF\r\n\n"), fatalIs: delimited.ErrNoHeader},
		{name: "header only", opts: semi, in: []byte("a;b;c\r\n"), header: []string{"a", "b", "c"}},
		{name: "header names trimmed", opts: semi, in: []byte(" a ; b\n1;2\n"), header: []string{"a", "b"},
			want: []outcome{rec("line 2", "1", "2")}},
		{name: "duplicate header", opts: semi, in: []byte("Név;Város;Név\n1;2;3\n"),
			fatalIs: delimited.ErrHeader, fatal: `duplicate column "Név" (columns 1 and 3)`, line: 1},
		{name: "empty header name", opts: semi, in: []byte("a;;c\n"),
			fatalIs: delimited.ErrHeader, fatal: "column 2 has no name", line: 1},
		{name: "trailing delimiter in header", opts: semi, in: []byte("a;b;\n"),
			fatalIs: delimited.ErrHeader, fatal: "column 3 has no name"},
		{name: "missing GroupBy column", opts: delimited.Options{Header: true, GroupBy: "Számlaszám"}, in: []byte("a;b\n1;2\n"),
			fatalIs: delimited.ErrHeader, fatal: `no column "Számlaszám" for GroupBy`},
		{name: "no header", opts: delimited.Options{Delimiter: ";"},
			in: []byte("1;2\n3\n4;5\n"), header: []string{"1", "2"},
			want: []outcome{rec("line 1", "1", "2"), rej("line 2: 1 fields, the first row has 2"), rec("line 3", "4", "5")}},
		{name: "no header, empty file", opts: delimited.Options{}, in: nil},
		{name: "no header, GroupBy by name", opts: delimited.Options{GroupBy: "Számlaszám"}, in: []byte("SZ-1;a\n"),
			fatalIs: delimited.ErrHeader, fatal: "read without a header"},
		{name: "single quotes", opts: delimited.Options{Header: true, Quote: "'"},
			in:   []byte("a;b;c\n'x;y';'it''s';5\" cső\n"),
			want: []outcome{rec("line 2", "x;y", "it's", `5" cső`)}},
		{name: "trim space", opts: delimited.Options{Header: true, Delimiter: ";", TrimSpace: true},
			in:   []byte("a ; b;c\n  1 ;  \"q; r\";\t\n"),
			want: []outcome{rec("line 2", "1", "q; r", "")}},
		{name: "trim space keeps empty tab fields", opts: delimited.Options{Header: true, Delimiter: "\t", TrimSpace: true},
			in:   []byte("a\tb\tc\n 1 \t\t 3\n"),
			want: []outcome{rec("line 2", "1", "", "3")}},
	}
}

func TestDialects(t *testing.T) {
	for _, tc := range dialectCases(t) {
		for _, seekable := range []bool{true, false} {
			name := tc.name + "/seekable"
			if !seekable {
				name = tc.name + "/stream"
			}
			t.Run(name, func(t *testing.T) {
				var r = bytes.NewReader(tc.in)
				var res result
				if seekable {
					res = read(t, tc.opts, r)
				} else {
					res = read(t, tc.opts, nonSeeker{r})
				}
				checkResult(t, tc, res)
			})
		}
	}
}

func checkResult(t *testing.T, tc dialectCase, res result) {
	t.Helper()
	if tc.header != nil && !slices.Equal(res.header, tc.header) {
		t.Errorf("header = %q, want %q", res.header, tc.header)
	}
	if tc.encoding != "" && res.encoding != tc.encoding {
		t.Errorf("encoding = %q, want %q", res.encoding, tc.encoding)
	}
	if tc.delim != "" && res.delim != tc.delim {
		t.Errorf("delimiter = %q, want %q", res.delim, tc.delim)
	}
	for i := range max(len(res.got), len(tc.want)) {
		var got, want outcome
		if i < len(res.got) {
			got = res.got[i]
		}
		if i < len(tc.want) {
			want = tc.want[i]
		}
		ok := got.pos == want.pos && slices.Equal(got.fields, want.fields)
		if want.reject != "" || got.reject != "" {
			ok = want.reject != "" && strings.Contains(got.reject, want.reject)
		}
		if !ok {
			t.Errorf("outcome %d = %+q, want %+q", i+1, got, want)
		}
	}
	if tc.fatalIs == nil && tc.fatal == "" {
		if res.fatal != nil {
			t.Fatalf("fatal error %v, want io.EOF", res.fatal)
		}
		return
	}
	if res.fatal == nil {
		t.Fatal("read to io.EOF, want a fatal error")
	}
	pe := positionError(t, res.fatal)
	if pe.File != "export.csv" {
		t.Errorf("error file = %q", pe.File)
	}
	if tc.fatalIs != nil && !errors.Is(res.fatal, tc.fatalIs) {
		t.Errorf("error %v is not %v", res.fatal, tc.fatalIs)
	}
	if !strings.Contains(res.fatal.Error(), tc.fatal) {
		t.Errorf("error %q does not contain %q", res.fatal, tc.fatal)
	}
	if tc.line != 0 && pe.Line != tc.line || tc.col != 0 && pe.Column != tc.col {
		t.Errorf("error at %d:%d, want %d:%d: %v", pe.Line, pe.Column, tc.line, tc.col, res.fatal)
	}
	t.Log(res.fatal)
}
