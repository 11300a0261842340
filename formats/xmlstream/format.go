// Package xmlstream reads XML exports as a stream of pipeline records: the
// repeated elements under a known root (UNAS <Orders><Order>, Saga
// <Facturi><Factura>) or the root itself (one UBL <Invoice> per file). It
// parses one record at a time into an immutable tree (see xmltree) that the
// caller may keep and read on any goroutine, so memory holds the records
// the caller still references and the record being read. It insists on a
// well-formed document in UTF-8 or a declared single-byte charset, and
// reports every error with the file, line and record position. Record paths
// are XPath; simple child paths such as "Customer/Email" or
// "cbc:InvoicedQuantity/@unitCode" are evaluated by walking the tree, with
// the same results. Format packages such as unasxml wrap it with their
// Options.
package xmlstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/antchfx/xpath"
	"golang.org/x/text/transform"

	"minisync/formats/textenc"
	"minisync/formats/xmlstream/xmltree"
	"minisync/pipeline"
)

// Sentinel errors wrapped by the *pipeline.PositionError values of this package.
var (
	// ErrWrongRoot means the document root is not the expected element, or there is none.
	ErrWrongRoot = errors.New("wrong root element")
	// ErrUnsupportedEncoding means the XML declaration names an encoding this package cannot decode.
	ErrUnsupportedEncoding = errors.New("unsupported encoding")
	// ErrInvalidUTF8 means a UTF-8 document holds a byte sequence that is not
	// UTF-8. It is textenc.ErrInvalidUTF8.
	ErrInvalidUTF8 = textenc.ErrInvalidUTF8
)

// Options describe one XML export format.
type Options struct {
	// Root is the local name of the expected root element, e.g. "Orders".
	Root string
	// RootNamespace, when set, is the namespace URI the root element must
	// be in, e.g. UBL's Invoice-2 namespace; empty accepts any namespace.
	RootNamespace string
	// Record is the element streamed as one record, as local names relative
	// to the root ("Order", or "A/B" for a deeper one); "." means the root
	// element itself is the single record of the file.
	Record string
	// KeyPath is an XPath inside a record whose text identifies it in
	// positions, e.g. "Key" gives "/Orders/Order[3] (Key 27839-100121)".
	// The label is its last step without prefix. Empty means no key.
	KeyPath string
	// Namespaces maps prefixes to namespace URIs for every XPath evaluated
	// on records (KeyPath, Value, Children), so "cbc:ID" means the UBL CBC
	// namespace whatever prefixes the file itself declares. Unprefixed
	// names match elements in no namespace or in a default namespace.
	Namespaces map[string]string
}

// Validate reports options that cannot describe a document.
func (o Options) Validate() error {
	if !isNCName(o.Root) {
		return fmt.Errorf("xmlstream options: root %q is not an XML local name", o.Root)
	}
	if o.Record != "." {
		for _, step := range strings.Split(o.Record, "/") {
			if !isNCName(step) {
				return fmt.Errorf("xmlstream options: record %q is not \".\" or local names separated by /", o.Record)
			}
		}
	}
	if o.KeyPath != "" {
		if _, err := xpath.CompileWithNS(o.KeyPath, o.Namespaces); err != nil {
			return fmt.Errorf("xmlstream options: key path %q: %w", o.KeyPath, err)
		}
	}
	return nil
}

// isNCName reports whether s is a plausible XML local name: non-empty, no
// colon, no character that would break the XPath literal built from it.
func isNCName(s string) bool {
	if s == "" || s == "." {
		return false
	}
	for _, c := range s {
		switch {
		case c == '_' || c == '-' || c == '.',
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c > 0x7f:
		default:
			return false
		}
	}
	return !strings.ContainsAny(s[:1], "-.0123456789")
}

// sniffSize is how much of the file Open looks at for the XML declaration and
// the root element before streaming starts.
const sniffSize = 64 << 10

// Format streams records out of XML files shaped as its Options say. It is
// safe for concurrent use; compiled paths are shared by all the readers it
// opens and by the records they return.
type Format struct {
	opts       Options
	single     bool     // Record is ".": the root is the file's one record
	steps      []string // local names of the record's steps below the root
	recordPath string   // position of records, e.g. /Orders/Order
	keyLabel   string   // e.g. "Key" in "(Key 27839-100121)"
	noun       string   // record element name for error messages, e.g. "Order"
	paths      pathCache
}

var _ pipeline.Format = (*Format)(nil)

// New returns a Format for o. It panics if o is invalid (see
// Options.Validate): options are constants of the calling format package.
func New(o Options) *Format {
	if err := o.Validate(); err != nil {
		panic(err)
	}
	f := &Format{opts: o, single: o.Record == ".", noun: o.Root}
	f.recordPath = "/" + o.Root
	if !f.single {
		f.steps = strings.Split(o.Record, "/")
		f.recordPath += "/" + o.Record
		f.noun = o.Record[strings.LastIndex(o.Record, "/")+1:]
	}
	if o.KeyPath != "" {
		label := o.KeyPath[strings.LastIndex(o.KeyPath, "/")+1:]
		label = label[strings.LastIndex(label, ":")+1:]
		f.keyLabel = strings.TrimPrefix(label, "@")
	}
	return f
}

// Options returns the options f was made with.
func (f *Format) Options() Options { return f.opts }

// Open checks the XML declaration and the root element of r, then returns a
// reader that streams the record elements one at a time; record elements
// are found by local name, in any namespace. Errors, from Open and from
// Next, are *pipeline.PositionError values naming name, wrapping
// ErrWrongRoot, ErrUnsupportedEncoding, ErrInvalidUTF8 or the
// *xmltree.SyntaxError. Records are immutable and may be read on other
// goroutines while Next goes on. Record paths are XPath with the record
// element as context and root node, so "Key" and "/Key" both select the
// record's Key.
func (f *Format) Open(ctx context.Context, r io.Reader, name string) (pipeline.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening export %q: %w", name, err)
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &pipeline.PositionError{File: name, Err: fmt.Errorf("reading export head: %w", err)}
	}
	if bytes.HasPrefix(head, textenc.BOM) {
		_, _ = br.Discard(len(textenc.BOM)) // cannot fail: the bytes are buffered
		head = head[len(textenc.BOM):]
	}
	enc, err := declaredEncoding(head)
	if err != nil {
		return nil, &pipeline.PositionError{File: name, Line: 1, Err: err}
	}
	root, line, found := rootElement(head)
	if found {
		if err := f.checkRoot(root); err != nil {
			return nil, &pipeline.PositionError{File: name, Line: line, Err: err}
		}
	}

	var src io.Reader
	if enc == nil {
		// textenc locates an invalid byte by line and column, and checks
		// the whole file.
		src = textenc.NewReader(br)
	} else {
		// The declaration is ASCII, the same in the charset and in UTF-8.
		src = transform.NewReader(br, enc.NewDecoder())
	}
	return &reader{f: f, name: name, p: xmltree.NewParser(src, f.steps)}, nil
}

// checkRoot returns an ErrWrongRoot error unless root is the expected root.
func (f *Format) checkRoot(root xml.Name) error {
	if root.Local != f.opts.Root {
		return fmt.Errorf("%w <%s>, want <%s>", ErrWrongRoot, root.Local, f.opts.Root)
	}
	if ns := f.opts.RootNamespace; ns != "" && root.Space != ns {
		return fmt.Errorf("%w <%s> in namespace %q, want namespace %q", ErrWrongRoot, root.Local, root.Space, ns)
	}
	return nil
}

// rootElement returns the name and line of the first element in head, the
// beginning of the document; found is false when head has none or is
// malformed before it (the streaming parser then reports the problem).
func rootElement(head []byte) (name xml.Name, line int, found bool) {
	d := xml.NewDecoder(bytes.NewReader(head))
	// Expected root names are ASCII, the same bytes in every encoding we accept.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	for {
		start := d.InputOffset() // tokens are consecutive: this is the '<' of a tag
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}, 0, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, 1 + bytes.Count(head[:start], []byte("\n")), true
		}
	}
}
