package xmlstream

import (
	"fmt"
	"sync"

	"github.com/antchfx/xpath"

	"minisync/formats/xmlstream/xmltree"
)

// compiledPath is a record path compiled once per Format: simple child paths
// such as "Customer/Email" or "cbc:InvoicedQuantity/@unitCode" walk the
// tree directly, anything else is XPath.
type compiledPath struct {
	fast *xmltree.Path
	// exprs holds compiled copies of the XPath, one per evaluation under
	// way: evaluating an expression changes its state.
	exprs sync.Pool
	err   error
}

// compile returns path compiled with the Format's namespace prefixes.
func (f *Format) compile(path string) (*compiledPath, error) {
	if c, ok := f.paths.Load(path); ok {
		c := c.(*compiledPath)
		return c, c.err
	}
	c := &compiledPath{}
	expr, err := xpath.CompileWithNS(path, f.opts.Namespaces)
	switch {
	case err != nil:
		c.err = fmt.Errorf("compiling xpath %q: %w", path, err)
	default:
		if fast, ok := xmltree.CompilePath(path, f.opts.Namespaces); ok {
			c.fast = fast
			break
		}
		ns := f.opts.Namespaces
		c.exprs.New = func() any {
			e, _ := xpath.CompileWithNS(path, ns) // compiled once already
			return e
		}
		c.exprs.Put(expr)
	}
	v, _ := f.paths.LoadOrStore(path, c)
	c = v.(*compiledPath)
	return c, c.err
}

// get returns an XPath expression for one evaluation; put gives it back
// once its results are consumed.
func (c *compiledPath) get() *xpath.Expr { return c.exprs.Get().(*xpath.Expr) }

func (c *compiledPath) put(e *xpath.Expr) { c.exprs.Put(e) }

// elements returns the elements the XPath selects from n, in document order.
func (c *compiledPath) elements(n xmltree.Node, path string) ([]xmltree.Node, error) {
	e := c.get()
	defer c.put(e)
	it, ok := e.Evaluate(xmltree.NewNavigator(n)).(*xpath.NodeIterator)
	if !ok {
		return nil, fmt.Errorf("selecting children %q: xpath does not select nodes", path)
	}
	var out []xmltree.Node
	for it.MoveNext() {
		if nav := it.Current().(*xmltree.Navigator); nav.NodeType() == xpath.ElementNode {
			out = append(out, nav.Node())
		}
	}
	return out, nil
}
