package xmltree

import (
	"unicode/utf8"
)

// Byte classes of the scanners.
var (
	// nameByte marks the bytes a name is scanned over: the ASCII name
	// characters and every byte of a multi-byte character, checked later.
	nameByte [256]bool
	// nameStartByte marks the ASCII characters a name may start with.
	nameStartByte [256]bool
	// spaceByte marks XML white space.
	spaceByte [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		start := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':'
		nameStartByte[c] = start
		nameByte[c] = start || '0' <= c && c <= '9' || c == '-' || c == '.' || c >= utf8.RuneSelf
	}
	for _, c := range []byte(" \t\r\n") {
		spaceByte[c] = true
	}
}

// scanName returns the index after the name bytes starting at buf[i].
func scanName(buf []byte, i int) int {
	for i < len(buf) && nameByte[buf[i]] {
		i++
	}
	return i
}

// skipSpace returns the index after the white space starting at buf[i].
func skipSpace(buf []byte, i int) int {
	for i < len(buf) && spaceByte[buf[i]] {
		i++
	}
	return i
}

// qname describes a name scanned by scanQName.
type qname struct {
	end    int  // index after the name
	colon  int  // index of the first colon, -1 for none
	colons int  // number of colons
	wide   bool // the name has non-ASCII characters
}

// scanQName scans the name starting at buf[i] as scanName does, noting its
// colons and whether it is all ASCII.
func scanQName(buf []byte, i int) qname {
	q := qname{colon: -1}
	for ; i < len(buf); i++ {
		c := buf[i]
		if !nameByte[c] {
			break
		}
		switch {
		case c == ':':
			if q.colons == 0 {
				q.colon = i
			}
			q.colons++
		case c >= utf8.RuneSelf:
			q.wide = true
		}
	}
	q.end = i
	return q
}

// isName reports whether b, as delimited by scanName, is an XML name.
func isName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] < utf8.RuneSelf {
		if !nameStartByte[b[0]] {
			return false
		}
		i := 1
		for i < len(b) && b[i] < utf8.RuneSelf {
			i++ // scanName let through ASCII name characters only
		}
		return i == len(b) || isNameRunes(b[i:], false)
	}
	return isNameRunes(b, true)
}

// isNameRunes checks the characters of b, the first one as a name start
// when first is set.
func isNameRunes(b []byte, first bool) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if first && !isNameStartRune(r) || !first && !isNameRune(r) {
			return false
		}
		first = false
		b = b[n:]
	}
	return true
}

// isNameStartRune is the NameStartChar production of XML 1.0, fifth edition.
func isNameStartRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return nameStartByte[r]
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

// isNameRune is the NameChar production of XML 1.0, fifth edition.
func isNameRune(r rune) bool {
	if r < utf8.RuneSelf {
		return nameByte[r]
	}
	return isNameStartRune(r) || r == 0xB7 || 0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040
}

// isChar reports whether r is an XML 1.0 character.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || 0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF
}
