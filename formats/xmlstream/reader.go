package xmlstream

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/antchfx/xmlquery"

	"minisync/formats/textenc"
	"minisync/pipeline"
)

// reader streams the records of one file; see Format.Open.
type reader struct {
	f        *Format
	name     string
	sp       *xmlquery.StreamParser
	n        int            // records returned so far
	root     *xmlquery.Node // the root element, once a record was read
	rootSeen bool           // the expected root was seen, by Open or by Next
	err      error          // sticky: io.EOF or the fatal error
}

// Next returns the next record. The stream parser unlinks the previous record
// from the document on each call, so memory holds only the records the
// caller still references. After io.EOF or an error, Next returns the same
// again.
func (r *reader) Next() (pipeline.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	node, err := r.read()
	if err != nil {
		r.err = r.wrap(err)
		return nil, r.err
	}
	if err := r.checkNode(node); err != nil {
		r.err = err
		return nil, err
	}
	r.n++
	path := r.f.recordPath
	if !r.f.single {
		path = fmt.Sprintf("%s[%d]", path, r.n)
	}
	return &record{f: r.f, node: node, path: path, key: r.f.key(node)}, nil
}

// checkNode rejects a record outside the first root element: a second root,
// or a root in the wrong namespace that Open could not see in the file head.
func (r *reader) checkNode(node *xmlquery.Node) error {
	root := node
	if !r.f.single {
		for i := strings.Count(r.f.opts.Record, "/"); i >= 0 && root.Parent != nil; i-- {
			root = root.Parent
		}
	}
	if r.root == nil {
		if err := r.f.checkRoot(xml.Name{Space: root.NamespaceURI, Local: root.Data}); err != nil {
			return &pipeline.PositionError{File: r.name, Line: root.LineNumber, Err: err}
		}
		r.root, r.rootSeen = root, true
		return nil
	}
	if root == r.root && !r.f.single {
		return nil
	}
	return &pipeline.PositionError{File: r.name, Line: node.LineNumber, Path: r.path(),
		Err: fmt.Errorf("reading %s: second root element after </%s>", r.f.noun, r.f.opts.Root)}
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

// path names the record being read, for errors.
func (r *reader) path() string {
	if r.f.single {
		return r.f.recordPath
	}
	return fmt.Sprintf("%s[%d]", r.f.recordPath, r.n+1)
}

// wrap turns a stream parser error into io.EOF or a *pipeline.PositionError.
func (r *reader) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		if !r.rootSeen {
			return &pipeline.PositionError{File: r.name, Err: fmt.Errorf("%w: no <%s> root element", ErrWrongRoot, r.f.opts.Root)}
		}
		return io.EOF
	}
	pe := &pipeline.PositionError{File: r.name, Path: r.path()}
	var se *xml.SyntaxError
	var ue *textenc.Error
	switch {
	case errors.As(err, &ue):
		pe.Line, pe.Column, pe.Err = ue.Line, ue.Column, fmt.Errorf("reading %s: %w", r.f.noun, ErrInvalidUTF8)
	case errors.As(err, &se):
		pe.Line, pe.Err = se.Line, fmt.Errorf("parsing %s: %w", r.f.noun, err)
	case errors.Is(err, ErrUnsupportedEncoding):
		pe.Line, pe.Path, pe.Err = 1, "", fmt.Errorf("decoding export: %w", err)
	default:
		pe.Err = fmt.Errorf("reading %s: %w", r.f.noun, err)
	}
	return pe
}
