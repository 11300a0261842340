package config

import (
	"fmt"
	"path"
	"regexp"
	"time"
)

func matchGlob(glob string) (bool, error) {
	return path.Match(glob, "x")
}

// ExportDate returns the export date of a file: from the source's
// date_pattern when it matches the name, else the modification time's date.
func (s Source) ExportDate(name string, modTime time.Time) (time.Time, error) {
	if s.DatePattern != "" {
		re, err := regexp.Compile(s.DatePattern)
		if err != nil {
			return time.Time{}, fmt.Errorf("compiling source.date_pattern: %w", err)
		}
		if m := re.FindStringSubmatch(name); m != nil {
			for _, layout := range []string{time.DateOnly, "20060102", "2006.01.02"} {
				if d, err := time.Parse(layout, m[1]); err == nil {
					return d, nil
				}
			}
			return time.Time{}, fmt.Errorf("file %q: date %q from source.date_pattern is not YYYY-MM-DD or YYYYMMDD", name, m[1])
		}
	}
	y, mo, d := modTime.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
}
