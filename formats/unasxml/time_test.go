package unasxml_test

import (
	"testing"
	"time"

	"minisync/formats/unasxml"
)

func TestParseTime(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"2026.11.18 14:22:05", "2026-11-18T14:22:05+01:00"},
		{"2022.09.01 11:12:57", "2022-09-01T11:12:57+02:00"},
		{"2026.11.18", "2026-11-18T00:00:00+01:00"},
		{" 2026.07.01 ", "2026-07-01T00:00:00+02:00"},
		{"1763472125", "2025-11-18T14:22:05+01:00"},
	} {
		got, err := unasxml.ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if s := got.Format(time.RFC3339); s != tt.want {
			t.Errorf("ParseTime(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-11-18 14:22:05", "2026.13.01", "18.11.2026", "99999999999999999999"} {
		if _, err := unasxml.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q): want error", bad)
		}
	}
}

func TestIsPseudoItem(t *testing.T) {
	for _, id := range []string{"shipping-cost", "handel-cost", "discount-amount", "discount-percent", "gift"} {
		if !unasxml.IsPseudoItem(id) {
			t.Errorf("IsPseudoItem(%q) = false", id)
		}
	}
	for _, id := range []string{"1002", "TUK-FUR-220", "", "shipping"} {
		if unasxml.IsPseudoItem(id) {
			t.Errorf("IsPseudoItem(%q) = true", id)
		}
	}
}
