package store

import "testing"

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"96.0 MiB":  96 << 20,
		"91.5 MiB":  91<<20 + 1<<19,
		"1.5 GiB":   3 << 29,
		"512 bytes": 512,
		"2.0 KiB":   2048,
	} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "96MB", "96.0", "-1.0 MiB", "x MiB", "1.0 MB"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}
