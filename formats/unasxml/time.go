package unasxml

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Budapest on hosts without zoneinfo
)

// shopLocation is the time zone of UNAS timestamps.
var shopLocation = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation("Europe/Budapest")
})

// ParseTime parses a UNAS timestamp, "2022.09.01 11:12:57", "2022.09.01" or
// unix seconds, as Europe/Budapest time.
func ParseTime(s string) (time.Time, error) {
	loc, err := shopLocation()
	if err != nil {
		return time.Time{}, fmt.Errorf("loading shop time zone: %w", err)
	}
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("parsing unix time %q: %w", s, err)
		}
		return time.Unix(sec, 0).In(loc), nil
	}
	layout := "2006.01.02 15:04:05"
	if len(s) == len("2006.01.02") {
		layout = "2006.01.02"
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing unas time %q: %w", s, err)
	}
	return t, nil
}
