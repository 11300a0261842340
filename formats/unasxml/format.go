// Package unasxml reads UNAS webshop order exports (getOrder responses,
// <Orders><Order>…</Order></Orders>) as a stream of pipeline records.
package unasxml

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/antchfx/xmlquery"

	"minisync/pipeline"
)

// Sentinel errors wrapped by the *pipeline.PositionError values of this package.
var (
	// ErrNotOrders means the document root is not <Orders>, or there is none.
	ErrNotOrders = errors.New("root element is not Orders")
	// ErrUnsupportedEncoding means the XML declaration names an encoding this package cannot decode.
	ErrUnsupportedEncoding = errors.New("unsupported encoding")
	// ErrInvalidUTF8 means a UTF-8 document holds a byte sequence that is not UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
)

// orderXPath selects the streamed elements; records are numbered in this order.
const orderXPath = "/Orders/Order"

// sniffSize is how much of the file Open looks at for the XML declaration and
// the root element before streaming starts.
const sniffSize = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Format is the UNAS order XML format; the zero value is ready to use and it
// is safe for concurrent use, but it must not be copied after first use.
type Format struct {
	exprs sync.Map // XPath string -> *compiledExpr, shared by all readers
}

var _ pipeline.Format = (*Format)(nil)

// New returns a ready-to-use Format.
func New() *Format { return &Format{} }

// Open checks the XML declaration and the root element of r, then returns a
// reader that streams the Orders/Order elements one at a time. Errors, from
// Open and from Next, are *pipeline.PositionError values naming name. Record
// paths are XPath with the record element as context and root node, so "Key"
// and "/Key" both select the order's Key.
func (f *Format) Open(ctx context.Context, r io.Reader, name string) (pipeline.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening unas export %q: %w", name, err)
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &pipeline.PositionError{File: name, Err: fmt.Errorf("reading export head: %w", err)}
	}
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM)) // cannot fail: the bytes are buffered
		head = head[len(utf8BOM):]
	}
	enc, err := declaredEncoding(head)
	if err != nil {
		return nil, &pipeline.PositionError{File: name, Line: 1, Err: err}
	}
	root, line, found := rootElement(head)
	if found && root != "Orders" {
		return nil, &pipeline.PositionError{File: name, Line: line, Err: fmt.Errorf("%w: found <%s>", ErrNotOrders, root)}
	}

	var src io.Reader = br
	if enc == nil {
		src = newUTF8Reader(br)
	}
	sp, err := xmlquery.CreateStreamParserWithOptions(src, xmlquery.ParserOptions{
		Decoder: &xmlquery.DecoderOptions{Strict: true, CharsetReader: charsetReader},
	}, orderXPath)
	if err != nil {
		return nil, fmt.Errorf("creating stream parser for %q: %w", name, err)
	}
	return &reader{f: f, name: name, sp: sp, rootSeen: found}, nil
}

// rootElement returns the name and line of the first element in head, the
// beginning of the document; found is false when head has none or is
// malformed before it (the streaming parser then reports the problem).
func rootElement(head []byte) (name string, line int, found bool) {
	d := xml.NewDecoder(bytes.NewReader(head))
	// The root name is ASCII in every encoding we accept, so the raw bytes do.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	for {
		tok, err := d.Token()
		if err != nil {
			return "", 0, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			line, _ = d.InputPos()
			return se.Name.Local, line, true
		}
	}
}
