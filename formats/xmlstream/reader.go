package xmlstream

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"minisync/formats/textenc"
	"minisync/formats/xmlstream/xmltree"
	"minisync/pipeline"
)

// reader streams the records of one file; see Format.Open.
type reader struct {
	f        *Format
	name     string
	p        *xmltree.Parser
	n        int   // records returned so far
	rootDone bool  // the root element was checked
	err      error // sticky: io.EOF or the fatal error
}

// Next returns the next record. Each record is a tree of its own, which
// later calls leave alone. After io.EOF or an error, Next returns the same
// again.
func (r *reader) Next() (pipeline.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.rootDone {
		if err := r.checkRoot(); err != nil {
			r.err = err
			return nil, err
		}
		r.rootDone = true
	}
	t, err := r.p.Next()
	if err != nil {
		r.err = r.wrap(err)
		return nil, r.err
	}
	r.n++
	rec := &record{f: r.f, node: t.Root(), n: r.n}
	rec.key = r.f.key(rec)
	return rec, nil
}

// checkRoot reads up to the root element and checks its name and namespace,
// which Open may not have seen in the file head.
func (r *reader) checkRoot() error {
	root, line, err := r.p.Root()
	if err != nil {
		return r.wrap(err)
	}
	if err := r.f.checkRoot(xml.Name{Space: root.Space, Local: root.Local}); err != nil {
		return &pipeline.PositionError{File: r.name, Line: line, Err: err}
	}
	return nil
}

// path names the record being read, for errors.
func (r *reader) path() string {
	if r.f.single {
		return r.f.recordPath
	}
	return fmt.Sprintf("%s[%d]", r.f.recordPath, r.n+1)
}

// wrap turns a parser error into io.EOF or a *pipeline.PositionError.
func (r *reader) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		if !r.rootDone {
			return &pipeline.PositionError{File: r.name, Err: fmt.Errorf("%w: no <%s> root element", ErrWrongRoot, r.f.opts.Root)}
		}
		return io.EOF
	}
	pe := &pipeline.PositionError{File: r.name, Path: r.path()}
	var se *xmltree.SyntaxError
	var ue *textenc.Error
	switch {
	case errors.As(err, &ue):
		pe.Line, pe.Column, pe.Err = ue.Line, ue.Column, fmt.Errorf("reading %s: %w", r.f.noun, ErrInvalidUTF8)
	case errors.As(err, &se):
		pe.Line, pe.Column, pe.Err = se.Line, se.Column, fmt.Errorf("parsing %s: %w", r.f.noun, err)
	default:
		pe.Err = fmt.Errorf("reading %s: %w", r.f.noun, err)
	}
	return pe
}
