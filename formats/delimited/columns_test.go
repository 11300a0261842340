package delimited

import (
	"strings"
	"sync"
	"testing"
)

// TestColumnLookupByAddress asks for names that share their text's address
// (one is the start of the other), for copies of a name, for more names
// than are remembered and for names that fail, on several goroutines; the
// answers must be index's every time.
func TestColumnLookupByAddress(t *testing.T) {
	c := newColumns([]string{"Kelt", "Kel", "Nettó érték", "Nettó", "Email", "EMAIL"})
	long := "Nettó érték" // "Nettó" is its first 6 bytes, at the same address
	names := []string{long, long[:len("Nettó")], "Kelt", "Kelt"[:3], "kelt", "Ár", "email", ""}
	for range 300 { // more than seenSlots/2 strings, each at its own address
		names = append(names, strings.Clone("Kelt"), strings.Clone("Nettó"))
	}
	type answer struct {
		i   int
		err string
	}
	want := map[string]answer{}
	for _, n := range names {
		i, err := c.index(n)
		want[n] = answer{i, errText(err)}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				for _, n := range names {
					i, err := c.lookup(n)
					if got := (answer{i, errText(err)}); got != want[n] {
						t.Errorf("lookup(%q) = %+v, index gives %+v", n, got, want[n])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if want["Nettó"].i != 3 || want[long].i != 2 || want["Kel"].i != 1 || want["email"].err == "" {
		t.Fatalf("index answers unexpectedly: %+v", want)
	}
	if n := c.filled.Load(); n < seenSlots/2 || n > seenSlots/2+4 {
		t.Errorf("%d slots filled, want about %d", n, seenSlots/2)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
