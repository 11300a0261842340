package unasxml

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/antchfx/xmlquery"
	"github.com/antchfx/xpath"

	"minisync/pipeline"
)

// record is one <Order> or one of its sub-elements, detached from the stream.
type record struct {
	f    *Format
	node *xmlquery.Node
	path string // locator such as /Orders/Order[3]/Items/Item[2]
	key  string // the order's Key, for Position
}

// Value evaluates the XPath path relative to the record element. For a node
// set it returns the inner text (CDATA included) of the first node and
// whether there is one; string, number and boolean results always exist.
func (r *record) Value(path string) (string, bool, error) {
	v, err := r.f.eval(r.node, path)
	if err != nil {
		return "", false, err
	}
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
	return r.path + " (Key " + r.key + ")"
}

// compiledExpr is a cached XPath; mu serialises Evaluate, which reuses the
// compiled query's state.
type compiledExpr struct {
	mu   sync.Mutex
	expr *xpath.Expr
	err  error
}

// eval compiles path once per Format and evaluates it with node as the
// context and root node.
func (f *Format) eval(node *xmlquery.Node, path string) (any, error) {
	c, ok := f.exprs.Load(path)
	if !ok {
		expr, err := xpath.Compile(path)
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
