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
	var total int64
	for _, n := range nums {
		mant, scale, ok := parseDecimal(n)
		if !ok {
			return "", false
		}
		if total, ok = addFixed(total, mant, scale); !ok {
			return "", false
		}
	}
	return formatFixed(total), true
}

// plainDecimal reads what plainNumber reads ("9.834,65", "-1,5", "1,234.50")
// as mant / 10^scale without making a string, as parseDecimal would read
// plainNumber's result; ok is false where either would refuse, and for
// more digits than fit below decimalLimit before trailing zeros are cut.
func plainDecimal(v string) (mant int64, scale int, ok bool) {
	decimal, group, ok := numberMarks(v)
	if !ok {
		return 0, 0, false
	}
	neg, frac := false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '-':
			neg = true // numberMarks allows it first only
		case group:
		case decimal:
			frac = true
		default:
			mant = mant*10 + int64(c-'0')
			if mant >= decimalLimit {
				return 0, 0, false
			}
			if frac {
				scale++
			}
		}
	}
	for scale > 0 && mant%10 == 0 {
		mant, scale = mant/10, scale-1
	}
	if scale > maxDecimalScale {
		return 0, 0, false
	}
	if neg {
		mant = -mant
	}
	return mant, scale, true
}

// addFixed adds mant / 10^scale to total, both in units of
// 10^-maxDecimalScale; ok is false when either could leave the range.
func addFixed(total, mant int64, scale int) (int64, bool) {
	for ; scale < maxDecimalScale; scale++ {
		mant *= 10
		if mant >= decimalLimit || mant <= -decimalLimit {
			return 0, false
		}
	}
	total += mant
	if total >= decimalLimit || total <= -decimalLimit {
		return 0, false
	}
	return total, true
}

// formatFixed formats a total in units of 10^-maxDecimalScale as
// normalizeNumber does: no trailing zeros, no "-0".
func formatFixed(total int64) string {
	neg := total < 0
	if neg {
		total = -total
	}
	var digits [24]byte
	d := strconv.AppendInt(digits[:0], total, 10)
	if pad := maxDecimalScale + 1 - len(d); pad > 0 { // a digit before the point
		var padded [24]byte
		for i := range pad {
			padded[i] = '0'
		}
		d = padded[:pad+copy(padded[pad:], d)]
	}
	whole, frac := d[:len(d)-maxDecimalScale], d[len(d)-maxDecimalScale:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	var out [32]byte
	b := out[:0]
	if neg {
		b = append(b, '-')
	}
	b = append(b, whole...)
	if len(frac) > 0 {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return string(b)
}
