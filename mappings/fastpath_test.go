package mappings

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// bigSum is the reference: big.Rat, rounded to 6 digits, normalized.
func bigSum(t *testing.T, nums []string) string {
	t.Helper()
	total := new(big.Rat)
	for _, n := range nums {
		x, ok := new(big.Rat).SetString(n)
		if !ok {
			t.Fatalf("reference cannot read %q", n)
		}
		total.Add(total, x)
	}
	out, err := normalizeNumber(total.FloatString(6))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSumDecimalsMatchesBigRat(t *testing.T) {
	cases := [][]string{
		{"1", "2"}, {"0.1", "0.2"}, {"-0.5"}, {"-1.25", "1.25"}, {"5.", ".5"}, {"+3", "-0.000001"},
		{"99999999999.999999"}, {"12.5", "-100", "0.333333"}, {}, {"0"}, {"-0"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var nums []string
		for range rng.IntN(25) {
			v := (rng.Float64() - 0.3) * float64(rng.IntN(1_000_000))
			nums = append(nums, strconv.FormatFloat(v, 'f', rng.IntN(7), 64))
		}
		cases = append(cases, nums)
	}
	for _, nums := range cases {
		got, ok := sumDecimals(nums)
		if !ok {
			t.Fatalf("sumDecimals(%q) refused plain decimals", nums)
		}
		if want := bigSum(t, nums); got != want {
			t.Fatalf("sumDecimals(%q) = %q, big.Rat gives %q", nums, got, want)
		}
	}
}

func TestSumDecimalsRefusesWhatItCannotAddExactly(t *testing.T) {
	for _, nums := range [][]string{
		{"0.1234567"}, // finer than 6 digits: big.Rat rounds
		{"1e5"}, {"1.2.3"}, {"."}, {""}, {"-"}, {"12a"}, {"1,5"},
		{"100000000000"},                   // 10^11 is 10^17 in millionths: out of range
		{"99999999999", "99999999999"},     // each fits, the total does not
		{"123456789012345678901234567890"}, // long digit runs stop early
	} {
		if got, ok := sumDecimals(nums); ok {
			t.Errorf("sumDecimals(%q) = %q, want refused", nums, got)
		}
	}
}

// numberLike returns n random strings of digits, minus signs, points and
// commas, 1 to maxLen bytes long, the same for the same seed.
func numberLike(seed uint64, n, maxLen int) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	const alphabet = "0123456789-.,0"
	out := make([]string, n)
	for k := range out {
		b := make([]byte, 1+rng.IntN(maxLen))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		out[k] = string(b)
	}
	return out
}

// TestPlainNumberAgreesWithTheGeneralPath: wherever the fast path answers,
// it answers as the general path does.
func TestPlainNumberAgreesWithTheGeneralPath(t *testing.T) {
	inputs := []string{"0", "-0", "0,00", "-0,00", "12", "-12", "12,50", "12.50", ".5", "5.", ",5", "-,5",
		"00012", "1,234", "1.234", "100", "100,0", "9.834,65", "1,234.50", "1.234.567,8", "1,234,567.0", "1.2.3,4,5", "-1.000,00", "-", ".", ",", "", "1 234", "1.234,5", "1e5", "--1", "1-"}
	inputs = append(inputs, numberLike(3, 20000, 7)...)
	fast := 0
	for _, in := range inputs {
		got, ok := plainNumber(in)
		if !ok {
			continue
		}
		fast++
		want, err := generalNumber(in)
		if err != nil || got != want {
			t.Fatalf("plainNumber(%q) = %q; the general path gives %q, %v", in, got, want, err)
		}
	}
	if fast < 1000 {
		t.Fatalf("the fast path answered only %d inputs", fast)
	}
}

func TestCollapseSpaceAgreesWithFields(t *testing.T) {
	inputs := []string{"", " ", "a", " a", "a ", "a b", "a  b", "a\tb", "Kovács  Anna", "Kovács Anna", "Ana\u00a0Pop", "x\u2003y", "\n", "é é"}
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []rune{'a', 'é', 'ő', ' ', ' ', '\t', '\n', '\u0085', '\u00a0', '\u1680', '\u2003', '\u202f', '\u3000', '\u30a2', 'Z'}
	for range 20000 {
		r := make([]rune, rng.IntN(8))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(r))
	}
	for _, in := range inputs {
		if got, want := collapseSpace(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWhiteSpaceLeadBytes checks what collapseSpace relies on: every white
// space character beyond ASCII is encoded starting with 0xc2, 0xe1, 0xe2
// or 0xe3.
func TestWhiteSpaceLeadBytes(t *testing.T) {
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if !unicode.IsSpace(r) {
			continue
		}
		if b := utf8.AppendRune(nil, r)[0]; b != 0xc2 && (b < 0xe1 || b > 0xe3) {
			t.Errorf("U+%04X is white space and starts with 0x%02x", r, b)
		}
	}
}

// TestDateLayoutOrderChangesNothing reads dates of every layout in two
// orders: trying the last layout first must not change a result.
func TestDateLayoutOrderChangesNothing(t *testing.T) {
	values := []string{"2026.11.18 10:30:00", "2026.11.18. 10:30:00", "2026.11.18 10:30", "2026.11.18.", "2026.11.18",
		"2026-11-18 10:30:00", "2026-11-18 10:30", "2026-11-18", "18.11.2026 10:30:00", "18.11.2026 10:30", "18.11.2026",
		"2026-11-18T10:30:00+01:00", "1763458200", "2026.13.45."}
	read := func(vs []string) map[string]string {
		out := map[string]string{}
		for _, v := range vs {
			s, err := localDateTime(v, "Europe/Bucharest")
			out[v] = fmt.Sprint(s, err)
		}
		return out
	}
	forward := read(values)
	reversed := slices.Clone(values)
	slices.Reverse(reversed)
	backward := read(reversed)
	for _, v := range values {
		if forward[v] != backward[v] {
			t.Errorf("%q reads %s after some layouts, %s after others", v, forward[v], backward[v])
		}
	}
	if forward["2026.11.18."] != "2026-11-18T00:00:00+02:00<nil>" {
		t.Errorf("2026.11.18. = %s", forward["2026.11.18."])
	}
}

// TestPlainDecimalReadsWhatPlainNumberWrites: the sum's fast path reads a
// raw value as parseDecimal reads plainNumber's result, or refuses it.
func TestPlainDecimalReadsWhatPlainNumberWrites(t *testing.T) {
	inputs := []string{"0", "-0", "0,00", "-0,00", "12,50", "-12.50", ",5", "-,5", "5.", "1.234.567,8", "1,234,567.0",
		"7500.0000", "0,0000001", "1,2345678", "99999999999,999999", "100000000000000000", "1 234", "", "-", "1e5"}
	inputs = append(inputs, numberLike(7, 20000, 12)...)
	fast := 0
	for _, in := range inputs {
		mant, scale, ok := plainDecimal(in)
		var wantMant int64
		var wantScale int
		wantOK := false
		if s, plain := plainNumber(in); plain {
			wantMant, wantScale, wantOK = parseDecimal(s)
		}
		switch {
		case ok && (!wantOK || mant != wantMant || scale != wantScale):
			t.Fatalf("plainDecimal(%q) = %d, %d; parseDecimal(plainNumber) = %d, %d, %v", in, mant, scale, wantMant, wantScale, wantOK)
		case ok:
			fast++
		case wantOK && len(in) < 15:
			t.Fatalf("plainDecimal(%q) refused what parseDecimal(plainNumber) reads as %d, %d", in, wantMant, wantScale)
		}
	}
	if fast < 1000 {
		t.Fatalf("the fast path answered only %d inputs", fast)
	}
}

// TestPlainDateAgreesWithTheGeneralPath: the date transform's fast path
// answers as localDateTime does, and refuses what it cannot read.
func TestPlainDateAgreesWithTheGeneralPath(t *testing.T) {
	inputs := []string{"2026.11.18.", "2026.11.18", "2026-11-18", "18.11.2026", "2024.02.29.", "2026.02.29.", "2026-04-31",
		"31.12.1999", "0001-01-01", "0000-01-01", "2026-1-18", "2026.11.18. 10:30", "18-11-2026", "2026/11/18", "2026-11-18T10:30:00+01:00"}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		y, m, d := 1+rng.IntN(2100), rng.IntN(14), rng.IntN(33)
		switch rng.IntN(4) {
		case 0:
			inputs = append(inputs, fmt.Sprintf("%04d.%02d.%02d.", y, m, d))
		case 1:
			inputs = append(inputs, fmt.Sprintf("%04d.%02d.%02d", y, m, d))
		case 2:
			inputs = append(inputs, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
		default:
			inputs = append(inputs, fmt.Sprintf("%02d.%02d.%04d", d, m, y))
		}
	}
	fast := 0
	for _, in := range inputs {
		got, ok := plainDate(in)
		general, err := localDateTime(in, "Europe/Bucharest")
		switch {
		case ok && (err != nil || general[:10] != got):
			t.Fatalf("plainDate(%q) = %s; the general path gives %q, %v", in, got, general, err)
		case ok:
			fast++
		case err == nil && general != "" && !strings.Contains(in, ":") && !strings.HasPrefix(in, "0000"):
			t.Fatalf("plainDate(%q) refused a date the general path reads as %s", in, general)
		}
	}
	if fast < 10000 {
		t.Fatalf("the fast path answered only %d inputs", fast)
	}
}
