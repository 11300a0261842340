// Package unasxml reads UNAS webshop order exports (getOrder responses,
// <Orders><Order>…</Order></Orders>) as a stream of pipeline records. The
// streaming, encoding and position machinery is xmlstream's.
package unasxml

import (
	"context"
	"io"
	"sync"

	"minisync/formats/xmlstream"
	"minisync/pipeline"
)

// Sentinel errors wrapped by the *pipeline.PositionError values of this
// package; they are xmlstream's, so errors.Is works with either name.
var (
	// ErrNotOrders means the document root is not <Orders>, or there is none.
	ErrNotOrders = xmlstream.ErrWrongRoot
	// ErrUnsupportedEncoding means the XML declaration names an encoding this package cannot decode.
	ErrUnsupportedEncoding = xmlstream.ErrUnsupportedEncoding
	// ErrInvalidUTF8 means a UTF-8 document holds a byte sequence that is not UTF-8.
	ErrInvalidUTF8 = xmlstream.ErrInvalidUTF8
)

// options are the xmlstream options of the UNAS order export: records are
// /Orders/Order, positioned by their Key.
var options = xmlstream.Options{Root: "Orders", Record: "Order", KeyPath: "Key"}

// Format is the UNAS order XML format; the zero value is ready to use and it
// is safe for concurrent use, but it must not be copied after first use.
type Format struct {
	once sync.Once
	f    *xmlstream.Format
}

var _ pipeline.Format = (*Format)(nil)

// New returns a ready-to-use Format.
func New() *Format { return &Format{} }

// Open checks the XML declaration and the root element of r, then returns a
// reader that streams the Orders/Order elements one at a time. Errors, from
// Open and from Next, are *pipeline.PositionError values naming name. Record
// paths are XPath with the order element as context and root node, so "Key"
// and "/Key" both select the order's Key; positions look like
// "/Orders/Order[3] (Key 27839-100121)".
func (f *Format) Open(ctx context.Context, r io.Reader, name string) (pipeline.RecordReader, error) {
	f.once.Do(func() { f.f = xmlstream.New(options) })
	return f.f.Open(ctx, r, name)
}
