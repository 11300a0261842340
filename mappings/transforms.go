package mappings

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Europe/Budapest and Europe/Bucharest on machines without zoneinfo
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// transformDef is a transform: its function, how many arguments it takes,
// and whether its arguments are literal (regular expressions and
// replacement text are never read as {path} references).
type transformDef struct {
	fn       func(v string, args []string) (string, error)
	min, max int
	literal  bool
	help     string
}

func one(f func(v, arg string) (string, error)) func(string, []string) (string, error) {
	return func(v string, args []string) (string, error) { return f(v, arg(args, 0)) }
}

// transforms are the names a field's transforms list may use.
var transforms = map[string]transformDef{
	"trim":           {fn: one(func(v, _ string) (string, error) { return strings.TrimSpace(v), nil }), help: "remove leading and trailing white space"},
	"lower":          {fn: one(func(v, _ string) (string, error) { return strings.ToLower(v), nil }), help: "lower case"},
	"upper":          {fn: one(func(v, _ string) (string, error) { return strings.ToUpper(v), nil }), help: "upper case"},
	"title":          {fn: one(func(v, _ string) (string, error) { return cases.Title(language.Und, cases.NoLower).String(v), nil }), help: "first letter of each word upper case"},
	"collapse_space": {fn: one(func(v, _ string) (string, error) { return collapseSpace(v), nil }), help: "trim and collapse inner white space"},
	"number":         {fn: one(func(v, _ string) (string, error) { return normalizeNumber(v) }), help: "12.345,67 / 1 234,5 / 7500.0000 → 12345.67 / 1234.5 / 7500"},
	"percent":        {fn: one(func(v, _ string) (string, error) { return normalizePercent(v) }), help: "19% / 0.19 / 19 / 19,0 % → 19"},
	"datetime":       {fn: one(localDateTime), max: 1, help: "a timestamp in a known layout → RFC 3339; argument: time zone (default Europe/Budapest)"},
	"date": {fn: one(func(v, zone string) (string, error) {
		if d, ok := plainDate(strings.TrimSpace(v)); ok {
			if zone != "" {
				if _, err := location(zone); err != nil {
					return "", err
				}
			}
			return d, nil
		}
		s, err := localDateTime(v, zone)
		if err != nil || s == "" {
			return s, err
		}
		return s[:10], nil
	}), max: 1, help: "a date in a known layout (2026.11.18., 18.11.2026, 2026-11-18) → 2026-11-18"},
	"crm_datetime": {fn: one(func(v, zone string) (string, error) {
		s, err := localDateTime(v, zone)
		if err != nil || s == "" {
			return s, err
		}
		t, _ := time.Parse(time.RFC3339, s)
		return t.Format(time.DateTime), nil
	}), max: 1, help: "a timestamp → MiniCRM's 2026-11-18 14:22:05 in the zone"},
	"tax_id": {fn: one(func(v, country string) (string, error) {
		if strings.TrimSpace(v) == "" {
			return "", nil
		}
		id, err := ParseTaxID(v, country)
		if err != nil {
			return "", err
		}
		return id.Key(), nil
	}), max: 1, help: "a tax number → its checked identity (HU25566552, RO14399840); argument: the country when the number has no prefix"},
	"given_name":  {fn: one(func(v, lang string) (string, error) { g, _ := splitName(v, lang); return g, nil }), max: 1, help: "given name of a full name; argument: language (hu puts the family name first)"},
	"family_name": {fn: one(func(v, lang string) (string, error) { _, f := splitName(v, lang); return f, nil }), max: 1, help: "family name of a full name; argument: language"},
	"prefix": {fn: one(func(v, a string) (string, error) {
		if v == "" {
			return "", nil
		}
		return a + v, nil
	}), min: 1, max: 1, help: "put the argument before a non-empty value"},
	"suffix": {fn: one(func(v, a string) (string, error) {
		if v == "" {
			return "", nil
		}
		return v + a, nil
	}), min: 1, max: 1, help: "put the argument after a non-empty value"},
	"concat": {fn: func(v string, args []string) (string, error) { return v + strings.Join(args, ""), nil }, min: 1, max: 20,
		help: "append the arguments, e.g. {concat: [\" \", \"{LastName}\"]}"},
	"replace": {fn: func(v string, args []string) (string, error) {
		return strings.ReplaceAll(v, args[0], arg(args, 1)), nil
	}, min: 1, max: 2, literal: true,
		help: "replace every occurrence: {replace: [\"#\", \"\"]}"},
	"split": {fn: splitPart, min: 2, max: 2, literal: true, help: "one part: {split: [\" \", 0]} (negative counts from the end)"},
	"regex": {fn: regexExtract, min: 1, max: 1, literal: true,
		help: "the first group (or the match) of a regular expression; no match rejects the record"},
	"regex_replace": {fn: func(v string, args []string) (string, error) {
		re, err := compiled(args[0])
		if err != nil {
			return "", err
		}
		return re.ReplaceAllString(v, arg(args, 1)), nil
	}, min: 1, max: 2, literal: true, help: "replace matches: {regex_replace: [\"[^0-9]\", \"\"]}"},
}

// checkTransform reports an unknown transform or a wrong argument count.
func checkTransform(t Transform) error {
	def, ok := transforms[t.Name]
	if !ok {
		return fmt.Errorf("unknown transform %q (known: %s)", t.Name, knownTransforms())
	}
	if len(t.Args) < def.min || len(t.Args) > def.max {
		return fmt.Errorf("transform %s takes %d to %d arguments, got %d", t.Name, def.min, def.max, len(t.Args))
	}
	if t.Name == "regex" || t.Name == "regex_replace" {
		if _, err := regexp.Compile(t.Args[0]); err != nil {
			return fmt.Errorf("transform %s: %w", t.Name, err)
		}
	}
	if t.Name == "split" {
		if _, err := strconv.Atoi(t.Args[1]); err != nil {
			return fmt.Errorf("transform split: the part %q is not a whole number", t.Args[1])
		}
	}
	return nil
}

func splitPart(v string, args []string) (string, error) {
	parts := strings.Split(v, args[0])
	i, _ := strconv.Atoi(args[1])
	if i < 0 {
		i += len(parts)
	}
	if i < 0 || i >= len(parts) {
		return "", nil
	}
	return strings.TrimSpace(parts[i]), nil
}

var regexCache sync.Map

// compiled returns the compiled regular expression, compiling each
// expression of a mapping once rather than once per value.
func compiled(expr string) (*regexp.Regexp, error) {
	return cached(&regexCache, expr, regexp.Compile)
}

// cached returns the value made for key, making it on first use; errors
// are not cached.
func cached[T any](m *sync.Map, key string, make func(string) (T, error)) (T, error) {
	if v, ok := m.Load(key); ok {
		return v.(T), nil
	}
	v, err := make(key)
	if err != nil {
		return v, err
	}
	stored, _ := m.LoadOrStore(key, v)
	return stored.(T), nil
}

func regexExtract(v string, args []string) (string, error) {
	re, err := compiled(args[0])
	if err != nil {
		return "", err
	}
	m := re.FindStringSubmatch(v)
	switch {
	case m == nil:
		if v == "" {
			return "", nil
		}
		return "", fmt.Errorf("does not match %s", args[0])
	case len(m) > 1:
		return m[1], nil
	}
	return m[0], nil
}

func knownTransforms() string {
	return strings.Join(slices.Sorted(maps.Keys(transforms)), ", ")
}

// normalizeNumber turns "12.345,67", "1 234,5", "7500.0000" or "-3,5" into
// a plain decimal with a dot and no trailing zeros ("12345.67").
func normalizeNumber(v string) (string, error) {
	if s, ok := plainNumber(v); ok {
		return s, nil
	}
	return generalNumber(v)
}

// generalNumber is normalizeNumber for every spelling.
func generalNumber(v string) (string, error) {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' {
			return -1
		}
		return r
	}, v)
	if s == "" {
		return "", nil
	}
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case commas == 1:
		s = strings.ReplaceAll(s, ",", ".")
	case commas > 1:
		s = strings.ReplaceAll(s, ",", "")
	case dots > 1:
		s = strings.ReplaceAll(s, ".", "")
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "eEnNiIxX") {
		return "", fmt.Errorf("%q is not a number", v)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "" || s == "-" || s == "-0" {
		s = "0"
	}
	return s, nil
}

// plainNumber is normalizeNumber's result for the common spellings —
// digits, an optional leading minus, decimal point or comma, thousands
// separators "." or "," ("9.834,65", "1,234.5") — in one pass and one
// allocation; ok is false for anything else (spaces, exponents, …).
func plainNumber(v string) (string, bool) {
	decimal, group, ok := numberMarks(v)
	if !ok {
		return "", false
	}
	s := v
	if group != 0 || decimal == ',' {
		var b strings.Builder
		b.Grow(len(v))
		for i := 0; i < len(v); i++ {
			switch c := v[i]; c {
			case group:
			case decimal:
				b.WriteByte('.')
			default:
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	if decimal != 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "" || s == "-" || s == "-0" {
		s = "0"
	}
	return s, true
}

// numberMarks reads a plain spelling's decimal mark and thousands
// separator (0 when there is none); ok is false when v is not plain.
func numberMarks(v string) (decimal, group byte, ok bool) {
	digits, dots, commas, lastDot, lastComma := 0, 0, 0, -1, -1
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '-' && i == 0:
		case c == '.':
			dots, lastDot = dots+1, i
		case c == ',':
			commas, lastComma = commas+1, i
		default:
			return 0, 0, false
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	// As generalNumber: with both, the later one is the decimal mark; a
	// lone comma is a decimal comma; repeated marks group thousands.
	switch {
	case dots > 0 && commas > 0 && lastComma > lastDot && commas == 1:
		return ',', '.', true
	case dots > 0 && commas > 0 && lastDot > lastComma && dots == 1:
		return '.', ',', true
	case dots > 0 && commas > 0:
		return 0, 0, false // several of the decimal mark: not a number
	case commas == 1:
		return ',', 0, true
	case commas > 1:
		return 0, ',', true
	case dots == 1:
		return '.', 0, true
	case dots > 1:
		return 0, '.', true
	}
	return 0, 0, true
}

// collapseSpace trims v and collapses each run of white space inside it to
// one space; a value that needs neither is returned as it is.
func collapseSpace(v string) string {
	prevSpace := true // at the start, a space would be leading
	for i := 0; i < len(v); {
		var space bool
		if c := v[i]; c < utf8.RuneSelf {
			space = asciiSpace[c]
			if space && (c != ' ' || prevSpace) {
				return strings.Join(strings.Fields(v), " ")
			}
			i++
		} else if c != 0xc2 && (c < 0xe1 || c > 0xe3) {
			i++ // no white space starts so: ő, ű, or the rest of a character
		} else {
			r, n := utf8.DecodeRuneInString(v[i:])
			if space = unicode.IsSpace(r); space {
				return strings.Join(strings.Fields(v), " ")
			}
			i += n
		}
		prevSpace = space
	}
	if prevSpace && v != "" {
		return strings.Join(strings.Fields(v), " ")
	}
	return v
}

// asciiSpace marks the ASCII bytes unicode.IsSpace reports as space.
// Beyond ASCII, every white space character's UTF-8 encoding starts with
// 0xc2 (U+0085, U+00A0), 0xe1 (U+1680) or 0xe2 and 0xe3 (U+2000–U+3000).
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// normalizePercent reads "27%", "27", "0.27" or "27,0 %" as the percentage 27.
func normalizePercent(v string) (string, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return "", nil
	}
	hasSign := strings.HasSuffix(s, "%")
	n, err := normalizeNumber(strings.TrimSuffix(s, "%"))
	if err != nil {
		return "", fmt.Errorf("%q is not a percentage", v)
	}
	f, _ := strconv.ParseFloat(n, 64)
	if !hasSign && f > 0 && f < 1 {
		return normalizeNumber(strconv.FormatFloat(f*100, 'f', 6, 64))
	}
	return n, nil
}

var dateLayouts = []string{
	"2006.01.02 15:04:05", "2006.01.02. 15:04:05", "2006.01.02 15:04", "2006.01.02.", "2006.01.02",
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006",
}

// plainDate reads the date-only layouts of dateLayouts (2026.11.18.,
// 2026.11.18, 2026-11-18, 18.11.2026) as 2026-11-18, as the date
// transform's general path would, without parsing a time; ok is false for
// anything else, years before 1 and days the month does not have.
func plainDate(s string) (string, bool) {
	var y, m, d string
	switch {
	case len(s) == 11 && s[4] == '.' && s[7] == '.' && s[10] == '.',
		len(s) == 10 && s[4] == '.' && s[7] == '.',
		len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, m, d = s[0:4], s[5:7], s[8:10]
	case len(s) == 10 && s[2] == '.' && s[5] == '.':
		d, m, y = s[0:2], s[3:5], s[6:10]
	default:
		return "", false
	}
	year, ok1 := digits(y)
	month, ok2 := digits(m)
	day, ok3 := digits(d)
	if !ok1 || !ok2 || !ok3 || year < 1 || month < 1 || month > 12 || day < 1 ||
		day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return "", false
	}
	var b [10]byte
	copy(b[0:4], y)
	b[4] = '-'
	copy(b[5:7], m)
	b[7] = '-'
	copy(b[8:10], d)
	return string(b[:]), true
}

// digits reads a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// isUnixTime reports whether s is 9 or 10 digits, seconds since 1970.
func isUnixTime(s string) bool {
	if len(s) < 9 || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var locationCache sync.Map

// location loads a time zone once; time.LoadLocation reads the zone file
// on every call.
func location(zone string) (*time.Location, error) {
	loc, err := cached(&locationCache, zone, time.LoadLocation)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", zone)
	}
	return loc, nil
}

// localDateTime parses a timestamp in one of the common export layouts,
// read in the zone arg (default Europe/Budapest) unless it carries an
// offset, and returns it as RFC 3339 with that zone's offset.
func localDateTime(v, zone string) (string, error) {
	s := strings.TrimSpace(v)
	if s == "" || s == "0000-00-00 00:00:00" || s == "0000-00-00" {
		return "", nil
	}
	if zone == "" {
		zone = "Europe/Budapest"
	}
	loc, err := location(zone)
	if err != nil {
		return "", err
	}
	if isUnixTime(s) {
		sec, _ := strconv.ParseInt(s, 10, 64)
		return time.Unix(sec, 0).In(loc).Format(time.RFC3339), nil
	}
	// An export writes its dates one way: the layout that read the last
	// value is tried first. The layouts exclude each other (and RFC 3339),
	// so the order does not change any result.
	last := int(lastLayout.Load())
	if t, err := time.ParseInLocation(dateLayouts[last], s, loc); err == nil {
		return t.Format(time.RFC3339), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc).Format(time.RFC3339), nil
	}
	for i, layout := range dateLayouts {
		if i == last {
			continue
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			lastLayout.Store(int32(i))
			return t.Format(time.RFC3339), nil
		}
	}
	return "", fmt.Errorf("%q is not a date or time in a known layout", v)
}

// lastLayout is the index of the date layout that read the last date.
var lastLayout atomic.Int32

// splitName splits a person's full name into given and family name.
// Hungarian names put the family name first ("Kovács Éva"); for every other
// language the family name is the last word ("Ștefan Țurcanu").
func splitName(full, lang string) (given, family string) {
	words := strings.Fields(full)
	switch {
	case len(words) == 0:
		return "", ""
	case len(words) == 1:
		return words[0], ""
	case strings.EqualFold(strings.TrimSpace(lang), "hu"):
		return strings.Join(words[1:], " "), words[0]
	}
	return strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}

// validators are the checks a field's validate list may name.
var validators = map[string]func(v string) error{
	"email": func(v string) error {
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || a.Name != "" {
			return fmt.Errorf("not a valid e-mail address")
		}
		return nil
	},
	"url": func(v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("not an http(s) URL")
		}
		return nil
	},
	"cui": func(v string) error {
		_, err := ParseTaxID(v, "RO")
		return err
	},
	"adoszam": func(v string) error {
		_, err := ParseTaxID(v, "HU")
		return err
	},
	"tax_id": func(v string) error {
		_, err := ParseTaxID(v, "")
		return err
	},
	"eu_vat": checkEUVAT,
}
