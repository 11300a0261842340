package delimited

import (
	"fmt"
	"testing"
)

// TestGroupKeys remembers keys with the real hash and with one under which
// every key clashes, and finds each key's line and no key never added.
func TestGroupKeys(t *testing.T) {
	clashing := newGroupKeys()
	clashing.hash = func(s string) uint64 { return uint64(len(s) % 3) }
	for name, k := range map[string]*groupKeys{"maphash": newGroupKeys(), "clashing": clashing} {
		t.Run(name, func(t *testing.T) {
			for i := range 5000 {
				key := fmt.Sprintf("SZ-%d", i*7)
				if _, ok := k.first(key); ok {
					t.Fatalf("%s found before it was added", key)
				}
				k.add(key, 10+i)
			}
			for i := range 5000 {
				key := fmt.Sprintf("SZ-%d", i*7)
				if line, ok := k.first(key); !ok || line != 10+i {
					t.Fatalf("%s: line %d, %v; want %d", key, line, ok, 10+i)
				}
				if line, ok := k.first(fmt.Sprintf("SZ-%d", i*7+1)); ok {
					t.Fatalf("SZ-%d found (line %d), never added", i*7+1, line)
				}
			}
			if _, ok := k.first(""); ok {
				t.Fatal("the empty key found, never added")
			}
		})
	}
	if len(clashing.clashes) == 0 {
		t.Error("no key clashed under a hash of three values")
	}
}
