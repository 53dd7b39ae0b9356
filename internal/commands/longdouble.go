package commands

import (
	"math/big"
	"strings"
)

// INCRBYFLOAT and HINCRBYFLOAT compute in C's long double, which on x86
// is the 80-bit extended format: a 64-bit significand and a 15-bit
// exponent. float64 gives visibly different results (10 + 0.1 prints as
// 10.09999999999999964 instead of 10.1), so we emulate the format with
// big.Float at 64 bits of precision, rounding to nearest even as the x87
// unit does, and treat the format's exponent range as the overflow limit.

const ldPrec = 64

// ldMaxExp is the binary exponent at which long double overflows to inf
// (big.Float's mantissa is in [0.5, 1), so 2^16384 has MantExp 16385).
const ldMaxExp = 16384

// ldOverflows reports whether x is beyond long double's finite range.
func ldOverflows(x *big.Float) bool {
	if x.IsInf() {
		return true
	}
	return x.MantExp(nil) > ldMaxExp
}

// parseLongDouble parses s the way Redis's string2ld does with strtold:
// leading white space is refused, the whole string must be consumed, NaN
// is refused, and so are values that overflow. It returns ok=false on any
// failure. Infinity is accepted (the caller rejects an infinite result).
func parseLongDouble(b []byte) (v *big.Float, ok bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isCSpace(b[0]) {
		return nil, false
	}
	s := string(b)
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	low := strings.ToLower(body)
	switch low {
	case "inf", "infinity":
		return new(big.Float).SetInf(neg), true
	case "nan":
		return nil, false
	}
	if strings.HasPrefix(low, "nan(") {
		return nil, false
	}
	if !validFloatSyntax(low) {
		return nil, false
	}
	f, _, err := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Parse(s, 0)
	if err != nil {
		return nil, false
	}
	if ldOverflows(f) {
		return nil, false // strtold reports ERANGE with HUGE_VALL
	}
	if f.Sign() == 0 && hasNonZeroDigit(low) || underflowsToZero(f) {
		return nil, false // underflow to zero is ERANGE too
	}
	return f, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func hasNonZeroDigit(s string) bool {
	if strings.HasPrefix(s, "0x") {
		s = s[2:]
		if i := strings.IndexByte(s, 'p'); i >= 0 {
			s = s[:i]
		}
	} else if i := strings.IndexByte(s, 'e'); i >= 0 {
		s = s[:i]
	}
	for _, c := range s {
		if c >= '1' && c <= '9' || c >= 'a' && c <= 'f' {
			return true
		}
	}
	return false
}

// validFloatSyntax accepts what strtold accepts after the sign: decimal
// digits with an optional point and exponent, or a hexadecimal float
// (0x digits, optional point, optional p exponent). big.Float's parser is
// more lenient (underscores, a 0b prefix), so we check first.
func validFloatSyntax(s string) bool {
	if strings.HasPrefix(s, "0x") {
		rest := s[2:]
		mant, exp, hasExp := strings.Cut(rest, "p")
		if !digitsWithPoint(mant, true) {
			return false
		}
		return !hasExp || expDigits(exp)
	}
	mant, exp, hasExp := strings.Cut(s, "e")
	if !digitsWithPoint(mant, false) {
		return false
	}
	return !hasExp || expDigits(exp)
}

func digitsWithPoint(s string, hex bool) bool {
	seenDigit, seenPoint := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', hex && c >= 'a' && c <= 'f':
			seenDigit = true
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			return false
		}
	}
	return seenDigit
}

func expDigits(s string) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatLongDouble renders v like Redis's ld2string in human mode:
// printf("%.17Lf") with trailing zeros (and a trailing point) removed,
// and "-0" turned into "0".
func formatLongDouble(v *big.Float) string {
	s := v.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// addLongDouble returns a+b rounded to long double precision, and false
// when the result is infinite (NaN cannot arise from two finite values;
// inf + -inf panics in big.Float, so it is checked first).
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	sum := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Add(a, b)
	if ldOverflows(sum) {
		return nil, false
	}
	return sum, true
}

func zeroLD() *big.Float { return new(big.Float).SetPrec(ldPrec) }

// underflowsToZero reports whether x rounds to zero in long double: the
// smallest subnormal is 2^-16445, so anything below half of it, and half
// of it exactly (a tie that rounds to even), becomes zero.
func underflowsToZero(x *big.Float) bool {
	if x.Sign() == 0 || x.IsInf() {
		return false
	}
	var m big.Float
	e := x.MantExp(&m)
	return e < -16445 || e == -16445 && (m.Cmp(big.NewFloat(0.5)) == 0 || m.Cmp(big.NewFloat(-0.5)) == 0)
}
