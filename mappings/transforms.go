package mappings

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Budapest and Europe/Bucharest on machines without zoneinfo
	"unicode"
)

// transformFunc turns a value into another; arg is the text after the
// first ':' of the transform's spelling, with {path} references resolved.
type transformFunc func(v, arg string) (string, error)

// transforms are the names a field's transforms list may use.
var transforms = map[string]transformFunc{
	"trim":           func(v, _ string) (string, error) { return strings.TrimSpace(v), nil },
	"lower":          func(v, _ string) (string, error) { return strings.ToLower(v), nil },
	"upper":          func(v, _ string) (string, error) { return strings.ToUpper(v), nil },
	"collapse_space": func(v, _ string) (string, error) { return strings.Join(strings.Fields(v), " "), nil },
	"number":         func(v, _ string) (string, error) { return normalizeNumber(v) },
	"percent":        func(v, _ string) (string, error) { return normalizePercent(v) },
	"datetime":       localDateTime,
	"date": func(v, arg string) (string, error) {
		s, err := localDateTime(v, arg)
		if err != nil || s == "" {
			return s, err
		}
		return s[:10], nil
	},
	"tax_id": func(v, country string) (string, error) {
		if strings.TrimSpace(v) == "" {
			return "", nil
		}
		id, err := ParseTaxID(v, country)
		if err != nil {
			return "", err
		}
		return id.Key(), nil
	},
	"given_name":  func(v, lang string) (string, error) { g, _ := splitName(v, lang); return g, nil },
	"family_name": func(v, lang string) (string, error) { _, f := splitName(v, lang); return f, nil },
	"crm_datetime": func(v, zone string) (string, error) {
		s, err := localDateTime(v, zone)
		if err != nil || s == "" {
			return s, err
		}
		t, _ := time.Parse(time.RFC3339, s)
		return t.Format(time.DateTime), nil
	},
	"suffix": func(v, arg string) (string, error) {
		if v == "" {
			return "", nil
		}
		return v + arg, nil
	},
	"prefix": func(v, arg string) (string, error) {
		if v == "" {
			return "", nil
		}
		return arg + v, nil
	},
}

func transformName(spelling string) string {
	name, _, _ := strings.Cut(spelling, ":")
	return name
}

func knownTransforms() string {
	var names []string
	for n := range transforms {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// normalizeNumber turns "12.345,67", "1 234,5", "7500.0000" or "-3,5" into
// a plain decimal with a dot and no trailing zeros ("12345.67").
func normalizeNumber(v string) (string, error) {
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

var unixRe = regexp.MustCompile(`^\d{9,10}$`)

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
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", fmt.Errorf("unknown time zone %q", zone)
	}
	if unixRe.MatchString(s) {
		sec, _ := strconv.ParseInt(s, 10, 64)
		return time.Unix(sec, 0).In(loc).Format(time.RFC3339), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc).Format(time.RFC3339), nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", fmt.Errorf("%q is not a date or time in a known layout", v)
}

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
}
