package pipeline

import (
	"strings"
	"testing"
)

// TestHashValuesNeverChanges pins the row hash: every staged and current
// row is compared by it, so a change would make every record look changed.
func TestHashValuesNeverChanges(t *testing.T) {
	long := strings.Repeat("é", 400) // past the 512-byte buffer on the stack
	for _, c := range []struct {
		values []string
		want   string
	}{
		{[]string{"Kovács Anna", "", "12.5"}, "627c350fb22a254cc2deb71a7ac3a998"},
		{nil, "e3b0c44298fc1c149afbf4c8996fb924"},
		{[]string{long}, "81e2c368ccd2cfd9c696d44541efb3e0"},
	} {
		if got := HashValues(c.values); got != c.want {
			t.Errorf("HashValues(%.20q) = %s, want %s", c.values, got, c.want)
		}
		if got := string(AppendHash([]byte("x"), c.values)); got != "x"+c.want {
			t.Errorf("AppendHash(x, %.20q) = %s, want x%s", c.values, got, c.want)
		}
	}
}
