package mappings

import (
	"fmt"
	"strings"
)

// TaxID is a company tax number split into its country and its identity.
type TaxID struct {
	Country string // ISO 3166 alpha-2, upper case
	Number  string // digits only, no country prefix
}

// Key is the normalised identity, e.g. HU25566552 or RO14399840. For a
// Hungarian adószám it is the 8-digit törzsszám: the VAT code and county
// digits can change while the company stays the same.
func (t TaxID) Key() string { return t.Country + t.Number }

// ParseTaxID normalises a tax number. country is a hint (hu, RO, …) used
// when the number carries no prefix. Romanian CUIs and Hungarian adószám /
// törzsszám / HU VAT numbers have their check digits verified; other
// countries are only cleaned of separators.
func ParseTaxID(raw, country string) (TaxID, error) {
	s := strings.ToUpper(strings.TrimSpace(raw))
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '-', '.', '/', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	s = b.String()
	if s == "" {
		return TaxID{}, fmt.Errorf("tax number is empty")
	}
	cc := strings.ToUpper(strings.TrimSpace(country))
	if len(s) > 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' {
		cc, s = s[:2], s[2:]
	}
	if cc == "" && len(s) == 11 && digitsOnly(s) {
		cc = "HU" // the xxxxxxxx-y-zz shape is only Hungarian
	}
	if !digitsOnly(s) {
		return TaxID{}, fmt.Errorf("tax number %q has characters other than digits after the country prefix", raw)
	}
	switch cc {
	case "RO":
		if err := checkCUI(s); err != nil {
			return TaxID{}, err
		}
		return TaxID{"RO", s}, nil
	case "HU":
		switch len(s) {
		case 11:
			if err := checkAdoszam(s); err != nil {
				return TaxID{}, err
			}
		case 8:
			if err := checkTorzsszam(s); err != nil {
				return TaxID{}, err
			}
		default:
			return TaxID{}, fmt.Errorf("Hungarian tax number %q must be an adószám xxxxxxxx-y-zz or 8 digits", raw)
		}
		return TaxID{"HU", s[:8]}, nil
	case "":
		return TaxID{}, fmt.Errorf("tax number %q has no country prefix and the record gives no country", raw)
	default:
		if len(cc) != 2 {
			return TaxID{}, fmt.Errorf("country %q is not a two-letter code", country)
		}
		return TaxID{cc, s}, nil
	}
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkCUI verifies a Romanian CUI/CIF (digits only, no RO prefix).
func checkCUI(s string) error {
	if len(s) < 2 || len(s) > 10 || s[0] == '0' {
		return fmt.Errorf("Romanian CUI %q must have 2–10 digits and not start with 0", s)
	}
	key := []int{7, 5, 3, 2, 1, 7, 5, 3, 2}
	body := strings.Repeat("0", 10-len(s)) + s[:len(s)-1]
	sum := 0
	for i := range 9 {
		sum += int(body[i]-'0') * key[i]
	}
	check := sum * 10 % 11
	if check == 10 {
		check = 0
	}
	if int(s[len(s)-1]-'0') != check {
		return fmt.Errorf("Romanian CUI %s fails its check digit (expected %d)", s, check)
	}
	return nil
}

// checkTorzsszam verifies the check digit of a Hungarian 8-digit törzsszám.
func checkTorzsszam(s string) error {
	w := []int{9, 7, 3, 1, 9, 7, 3}
	sum := 0
	for i := range 7 {
		sum += int(s[i]-'0') * w[i]
	}
	if check := (10 - sum%10) % 10; int(s[7]-'0') != check {
		return fmt.Errorf("Hungarian tax number %s fails its check digit (expected %d)", s, check)
	}
	return nil
}

// checkAdoszam verifies a Hungarian adószám of 11 digits (xxxxxxxx-y-zz).
func checkAdoszam(s string) error {
	if err := checkTorzsszam(s[:8]); err != nil {
		return err
	}
	if v := s[8]; v < '1' || v > '5' {
		return fmt.Errorf("Hungarian adószám %s-%c-%s: VAT code %c must be 1–5", s[:8], s[8], s[9:], v)
	}
	zz := int(s[9]-'0')*10 + int(s[10]-'0')
	if !(zz >= 2 && zz <= 20 || zz >= 22 && zz <= 44 || zz == 51) {
		return fmt.Errorf("Hungarian adószám %s-%c-%s: county code %02d is not 02–20, 22–44 or 51", s[:8], s[8], s[9:], zz)
	}
	return nil
}

// euPrefixes are the VAT number prefixes of the EU member states (Greece
// uses EL) and XI for Northern Ireland.
var euPrefixes = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true, "EL": true,
	"ES": true, "FI": true, "FR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true,
	"LV": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true, "XI": true,
}

// checkEUVAT verifies an EU VAT number: a member state's prefix, and for
// RO, HU and PL the check digit.
func checkEUVAT(v string) error {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", ".", "").Replace(v))
	if len(s) < 4 || !euPrefixes[s[:2]] {
		return fmt.Errorf("not an EU VAT number: it must start with a member state's prefix (RO, HU, PL, DE, EL, …)")
	}
	switch s[:2] {
	case "RO":
		return checkCUI(s[2:])
	case "HU":
		if len(s) != 10 || !digitsOnly(s[2:]) {
			return fmt.Errorf("a Hungarian EU VAT number is HU and 8 digits")
		}
		return checkTorzsszam(s[2:])
	case "PL":
		return checkNIP(s[2:])
	}
	return nil
}

// checkNIP verifies a Polish NIP (10 digits).
func checkNIP(s string) error {
	if len(s) != 10 || !digitsOnly(s) {
		return fmt.Errorf("a Polish NIP has 10 digits")
	}
	w := []int{6, 5, 7, 2, 3, 4, 5, 6, 7}
	sum := 0
	for i := range 9 {
		sum += int(s[i]-'0') * w[i]
	}
	if sum%11 == 10 || sum%11 != int(s[9]-'0') {
		return fmt.Errorf("Polish NIP %s fails its check digit", s)
	}
	return nil
}
