package xmlstream

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

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

// pathCache holds the compiled paths of a Format. A mapping asks for the
// same few dozen paths on every record, from several goroutines: reads are
// a lookup in an immutable map, and a new path copies the map.
type pathCache struct {
	m  atomic.Pointer[map[string]*compiledPath]
	mu sync.Mutex
}

// compile returns path compiled with the Format's namespace prefixes.
func (f *Format) compile(path string) (*compiledPath, error) {
	if m := f.paths.m.Load(); m != nil {
		if c, ok := (*m)[path]; ok {
			return c, c.err
		}
	}
	f.paths.mu.Lock()
	defer f.paths.mu.Unlock()
	old := f.paths.m.Load()
	if old != nil {
		if c, ok := (*old)[path]; ok {
			return c, c.err
		}
	}
	c := f.compileNew(path)
	m := make(map[string]*compiledPath, 1)
	if old != nil {
		m = maps.Clone(*old)
	}
	m[path] = c
	f.paths.m.Store(&m)
	return c, c.err
}

// compileNew compiles path as a simple path, else as XPath.
func (f *Format) compileNew(path string) *compiledPath {
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
	return c
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
