package mappings

import (
	"strconv"
	"strings"
)

// maxDecimalScale is the most fraction digits the exact sum keeps; sums of
// finer numbers go through big.Rat, rounded to this many digits.
const maxDecimalScale = 6

// decimalLimit bounds mantissas and totals in fixed point (10^17), far
// enough below the int64 range that adding two can never overflow.
const decimalLimit = 100_000_000_000_000_000

// parseDecimal reads a plain decimal such as "-123.45" as mant / 10^scale;
// ok is false for anything else, for more than maxDecimalScale fraction
// digits, and for mantissas of decimalLimit or more.
func parseDecimal(s string) (mant int64, scale int, ok bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > maxDecimalScale {
		return 0, 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, 0, false
			}
			mant = mant*10 + int64(c-'0')
			if mant >= decimalLimit {
				return 0, 0, false
			}
		}
	}
	if neg {
		mant = -mant
	}
	return mant, len(frac), true
}

// sumDecimals adds plain decimals exactly in fixed point and formats the
// total as normalizeNumber does; ok is false when a value is not a plain
// decimal of at most maxDecimalScale fraction digits, or the total could
// leave the fixed-point range.
func sumDecimals(nums []string) (string, bool) {
	var total int64 // in units of 10^-maxDecimalScale
	for _, n := range nums {
		mant, scale, ok := parseDecimal(n)
		if !ok {
			return "", false
		}
		for ; scale < maxDecimalScale; scale++ {
			mant *= 10
			if mant >= decimalLimit || mant <= -decimalLimit {
				return "", false
			}
		}
		total += mant
		if total >= decimalLimit || total <= -decimalLimit {
			return "", false
		}
	}
	neg := total < 0
	if neg {
		total = -total
	}
	s := strconv.FormatInt(total, 10)
	if len(s) <= maxDecimalScale {
		s = strings.Repeat("0", maxDecimalScale-len(s)+1) + s
	}
	s = s[:len(s)-maxDecimalScale] + "." + s[len(s)-maxDecimalScale:]
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if neg && s != "0" {
		s = "-" + s
	}
	return s, true
}
