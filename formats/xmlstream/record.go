package xmlstream

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmltree"
	"minisync/pipeline"
)

// record is one streamed element or one of its sub-elements. It is
// immutable, so it may be read on any goroutine.
type record struct {
	f      *Format
	node   xmltree.Node
	parent *record // the record Children was called on, nil for a streamed one
	step   string  // the Children path that selected it
	n      int     // 1-based: the record's number in the file, or among its siblings
	key    string  // the streamed record's key, for Position
}

// Release gives the record's tree back for later records once it has been
// mapped; neither the record nor its children may be used afterwards.
func (r *record) Release() {
	if r.parent == nil {
		r.node.Tree().Release()
	}
}

// Value evaluates the XPath path relative to the record element. For a node
// set it returns the inner text (CDATA included) of the first node and
// whether there is one; string, number and boolean results always exist.
func (r *record) Value(path string) (string, bool, error) {
	c, err := r.f.compile(path)
	if err != nil {
		return "", false, err
	}
	if c.fast != nil {
		v, ok := c.fast.First(r.node)
		return v, ok, nil
	}
	e := c.get()
	defer c.put(e)
	return stringValue(e.Evaluate(xmltree.NewNavigator(r.node)), path)
}

// stringValue turns an XPath result into Value's result.
func stringValue(v any, path string) (string, bool, error) {
	switch v := v.(type) {
	case *xpath.NodeIterator:
		if !v.MoveNext() {
			return "", false, nil
		}
		return v.Current().Value(), true, nil
	case string:
		return v, true, nil
	case float64:
		if math.IsNaN(v) {
			return "NaN", true, nil
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	}
	return "", false, fmt.Errorf("evaluating xpath %q: unexpected result %T", path, v)
}

// Children returns the elements selected by the XPath path relative to the
// record element, e.g. "Items/Item", numbered in document order.
func (r *record) Children(path string) ([]pipeline.Record, error) {
	c, err := r.f.compile(path)
	if err != nil {
		return nil, err
	}
	var nodes []xmltree.Node
	if c.fast != nil {
		nodes = c.fast.Elements(nil, r.node)
	} else if nodes, err = c.elements(r.node, path); err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, nil
	}
	recs := make([]record, len(nodes))
	out := make([]pipeline.Record, len(nodes))
	for i, n := range nodes {
		recs[i] = record{f: r.f, node: n, parent: r, step: path, n: i + 1, key: r.key}
		out[i] = &recs[i]
	}
	return out, nil
}

// Position returns e.g. "/Orders/Order[3] (Key 27839-100123)".
func (r *record) Position() string {
	b := r.appendLocator(make([]byte, 0, 64))
	if r.key != "" {
		b = append(b, " ("...)
		b = append(b, r.f.keyLabel...)
		b = append(b, ' ')
		b = append(b, r.key...)
		b = append(b, ')')
	}
	return string(b)
}

// appendLocator appends the record's locator to b, e.g.
// "/Orders/Order[3]/Items/Item[2]".
func (r *record) appendLocator(b []byte) []byte {
	switch {
	case r.parent != nil:
		b = r.parent.appendLocator(b)
		b = append(b, '/')
		b = append(b, r.step...)
	case r.f.single:
		return append(b, r.f.recordPath...)
	default:
		b = append(b, r.f.recordPath...)
	}
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(r.n), 10)
	return append(b, ']')
}

// key returns the trimmed text at KeyPath in rec, "" when there is none.
func (f *Format) key(rec *record) string {
	if f.opts.KeyPath == "" {
		return ""
	}
	s, _, err := rec.Value(f.opts.KeyPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}
