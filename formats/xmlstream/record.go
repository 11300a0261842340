package xmlstream

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/antchfx/xmlquery"
	"github.com/antchfx/xpath"

	"minisync/pipeline"
)

// record is one streamed element or one of its sub-elements, detached from
// the stream.
type record struct {
	f    *Format
	node *xmlquery.Node
	path string // locator such as /Orders/Order[3]/Items/Item[2]
	key  string // the top record's key, for Position
}

// Value evaluates the XPath path relative to the record element. For a node
// set it returns the inner text (CDATA included) of the first node and
// whether there is one; string, number and boolean results always exist.
func (r *record) Value(path string) (string, bool, error) {
	v, err := r.f.eval(r.node, path)
	if err != nil {
		return "", false, err
	}
	return stringValue(v, path)
}

// stringValue turns an XPath result into Value's result.
func stringValue(v any, path string) (string, bool, error) {
	switch v := v.(type) {
	case *xpath.NodeIterator:
		if !v.MoveNext() {
			return "", false, nil
		}
		nav := v.Current().(*xmlquery.NodeNavigator)
		switch nav.NodeType() {
		case xpath.AttributeNode, xpath.CommentNode:
			return nav.Value(), true, nil
		}
		return nav.Current().InnerText(), true, nil
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
	v, err := r.f.eval(r.node, path)
	if err != nil {
		return nil, err
	}
	it, ok := v.(*xpath.NodeIterator)
	if !ok {
		return nil, fmt.Errorf("selecting children %q: xpath does not select nodes", path)
	}
	var out []pipeline.Record
	for it.MoveNext() {
		nav := it.Current().(*xmlquery.NodeNavigator)
		if nav.NodeType() != xpath.ElementNode {
			continue
		}
		out = append(out, &record{
			f:    r.f,
			node: nav.Current(),
			path: fmt.Sprintf("%s/%s[%d]", r.path, path, len(out)+1),
			key:  r.key,
		})
	}
	return out, nil
}

// Position returns e.g. "/Orders/Order[3] (Key 27839-100123)".
func (r *record) Position() string {
	if r.key == "" {
		return r.path
	}
	return r.path + " (" + r.f.keyLabel + " " + r.key + ")"
}

// key returns the trimmed text at KeyPath in node, "" when there is none.
func (f *Format) key(node *xmlquery.Node) string {
	if f.opts.KeyPath == "" {
		return ""
	}
	v, err := f.eval(node, f.opts.KeyPath)
	if err != nil {
		return ""
	}
	s, _, _ := stringValue(v, f.opts.KeyPath)
	return strings.TrimSpace(s)
}

// compiledExpr is a cached XPath; mu serialises Evaluate, which reuses the
// compiled query's state.
type compiledExpr struct {
	mu   sync.Mutex
	expr *xpath.Expr
	err  error
}

// eval compiles path once per Format, with the Format's namespace prefixes,
// and evaluates it with node as the context and root node.
func (f *Format) eval(node *xmlquery.Node, path string) (any, error) {
	c, ok := f.exprs.Load(path)
	if !ok {
		expr, err := xpath.CompileWithNS(path, f.opts.Namespaces)
		if err != nil {
			err = fmt.Errorf("compiling xpath %q: %w", path, err)
		}
		c, _ = f.exprs.LoadOrStore(path, &compiledExpr{expr: expr, err: err})
	}
	ce := c.(*compiledExpr)
	if ce.err != nil {
		return nil, ce.err
	}
	ce.mu.Lock()
	defer ce.mu.Unlock()
	return ce.expr.Evaluate(xmlquery.CreateXPathNavigator(node)), nil
}
