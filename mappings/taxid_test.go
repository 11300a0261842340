package mappings

import (
	"strings"
	"testing"
)

func TestParseTaxID(t *testing.T) {
	tests := []struct {
		raw, country, want, err string
	}{
		{"4221306", "ro", "RO4221306", ""},
		{"RO 14399840", "", "RO14399840", ""},
		{"ro14837428", "HU", "RO14837428", ""}, // the prefix wins over the hint
		{"13548146", "RO", "RO13548146", ""},
		{"1860712", "ro", "RO1860712", ""},
		{"12345678", "RO", "", "check digit"},
		{"0123", "RO", "", "not start with 0"},
		{"25566552-2-10", "", "HU25566552", ""},
		{"25566552-2-10", "hu", "HU25566552", ""},
		{"HU25566552", "", "HU25566552", ""},
		{"12892312-2-41", "hu", "HU12892312", ""},
		{"12892313-2-41", "hu", "", "check digit"},
		{"25566552-7-10", "hu", "", "VAT code"},
		{"25566552-2-21", "hu", "", "county code"},
		{"25566552-2-45", "hu", "", "county code"},
		{"255665", "hu", "", "must be an adószám"},
		{"12345678", "", "", "no country"},
		{"", "hu", "", "empty"},
		{"RO12A45", "", "", "other than digits"},
		{"DE 123 456 789", "", "DE123456789", ""},
	}
	for _, tt := range tests {
		got, err := ParseTaxID(tt.raw, tt.country)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseTaxID(%q, %q) error = %v, want one containing %q", tt.raw, tt.country, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTaxID(%q, %q): %v", tt.raw, tt.country, err)
			continue
		}
		if got.Key() != tt.want {
			t.Errorf("ParseTaxID(%q, %q) = %s, want %s", tt.raw, tt.country, got.Key(), tt.want)
		}
	}
}
