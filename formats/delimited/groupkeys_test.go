package delimited

import (
	"fmt"
	"testing"
)

// TestGroupKeys remembers keys with the real hash and with one under which
// every key clashes, and finds each key's first line and no key never added.
func TestGroupKeys(t *testing.T) {
	clashing := newGroupKeys()
	clashing.hash = func(s string) uint64 { return uint64(len(s) % 3) }
	for name, k := range map[string]*groupKeys{"maphash": newGroupKeys(), "clashing": clashing} {
		t.Run(name, func(t *testing.T) {
			for i := range 5000 {
				key := fmt.Sprintf("SZ-%d", i*7)
				if line, ok := k.firstOrAdd(key, 10+i); ok {
					t.Fatalf("%s found (line %d) before it was added", key, line)
				}
			}
			for i := range 5000 {
				key := fmt.Sprintf("SZ-%d", i*7)
				if line, ok := k.firstOrAdd(key, 1e6); !ok || line != 10+i {
					t.Fatalf("%s: line %d, %v; want %d", key, line, ok, 10+i)
				}
				other := fmt.Sprintf("SZ-%d", i*7+1)
				if line, ok := k.firstOrAdd(other, 2e6+i); ok {
					t.Fatalf("%s found (line %d), never added", other, line)
				}
				if line, ok := k.firstOrAdd(other, 3e6); !ok || line != 2e6+i {
					t.Fatalf("%s: line %d, %v after it was added on line %d", other, line, ok, 2e6+i)
				}
			}
			if line, ok := k.firstOrAdd("", 1); ok {
				t.Fatalf("the empty key found (line %d), never added", line)
			}
		})
	}
	if len(clashing.clashes) == 0 {
		t.Error("no key clashed under a hash of three values")
	}
}
