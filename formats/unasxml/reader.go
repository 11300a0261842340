package unasxml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/antchfx/xmlquery"

	"minisync/pipeline"
)

// reader streams the orders of one file; see Format.Open.
type reader struct {
	f        *Format
	name     string
	sp       *xmlquery.StreamParser
	n        int            // orders returned so far
	root     *xmlquery.Node // the <Orders> element, once known
	rootSeen bool           // an <Orders> root was seen, by Open or by Next
	err      error          // sticky: io.EOF or the fatal error
}

// Next returns the next order. The stream parser unlinks the previous order
// from the document on each call, so memory holds only the orders the caller
// still references. After io.EOF or an error, Next returns the same again.
func (r *reader) Next() (pipeline.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	node, err := r.read()
	if err != nil {
		r.err = r.wrap(err)
		return nil, r.err
	}
	if r.root == nil {
		r.root, r.rootSeen = node.Parent, true
	} else if node.Parent != r.root {
		r.err = &pipeline.PositionError{File: r.name, Line: node.LineNumber, Path: r.path(),
			Err: errors.New("reading orders: second root element after </Orders>")}
		return nil, r.err
	}
	r.n++
	return &record{f: r.f, node: node, path: fmt.Sprintf("%s[%d]", orderXPath, r.n), key: childText(node, "Key")}, nil
}

// read calls the stream parser, turning a panic on hostile input into an error.
func (r *reader) read() (node *xmlquery.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			node, err = nil, fmt.Errorf("malformed document: parser panic: %v", p)
		}
	}()
	return r.sp.Read()
}

// path names the order being read, for errors.
func (r *reader) path() string { return fmt.Sprintf("%s[%d]", orderXPath, r.n+1) }

// wrap turns a stream parser error into io.EOF or a *pipeline.PositionError.
func (r *reader) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		if !r.rootSeen {
			return &pipeline.PositionError{File: r.name, Err: fmt.Errorf("%w: no root element", ErrNotOrders)}
		}
		return io.EOF
	}
	pe := &pipeline.PositionError{File: r.name, Path: r.path()}
	var se *xml.SyntaxError
	var ue *utf8Error
	switch {
	case errors.As(err, &ue):
		pe.Line, pe.Column, pe.Err = ue.Line, ue.Column, fmt.Errorf("reading order: %w", ErrInvalidUTF8)
	case errors.As(err, &se):
		pe.Line, pe.Err = se.Line, fmt.Errorf("parsing order: %w", err)
	case errors.Is(err, ErrUnsupportedEncoding):
		pe.Line, pe.Path, pe.Err = 1, "", fmt.Errorf("decoding export: %w", err)
	default:
		pe.Err = fmt.Errorf("reading order: %w", err)
	}
	return pe
}

// childText returns the trimmed text of n's first child element called name.
func childText(n *xmlquery.Node, name string) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xmlquery.ElementNode && c.Data == name {
			return strings.TrimSpace(c.InnerText())
		}
	}
	return ""
}
