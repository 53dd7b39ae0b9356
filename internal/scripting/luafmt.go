package scripting

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Number and string formatting as Lua 5.1 does it with C's printf.

// fmtNumber is Lua 5.1's number to string conversion, printf's %.14g.
func fmtNumber(f float64) string {
	return string(appendG(nil, f, 14))
}

// appendG appends f formatted with C's %.<prec>g.
func appendG(dst []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 && prec >= 15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', prec, 64)
}

func itoa(n int) string { return strconv.Itoa(n) }

// argError raises Lua 5.1's "bad argument" error for argument n of the
// named library function.
func argError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

func typeName(v lua.LValue) string {
	if v == lua.LNil {
		return "nil"
	}
	return v.Type().String()
}

// checkNumber is luaL_checknumber: numbers and numeric strings.
func checkNumber(L *lua.LState, n int, fname string) float64 {
	v := L.Get(n)
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := str2number(string(v)); ok {
			return f
		}
	}
	if n > L.GetTop() {
		argError(L, n, fname, "number expected, got no value")
	}
	argError(L, n, fname, "number expected, got "+typeName(v))
	return 0
}

// checkInt is luaL_checkint: a number truncated to a C int.
func checkInt(L *lua.LState, n int, fname string) int {
	return int(int32(int64(checkNumber(L, n, fname))))
}

// checkString is luaL_checklstring: strings, and numbers converted.
func checkString(L *lua.LState, n int, fname string) string {
	v := L.Get(n)
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return fmtNumber(float64(v))
	}
	if n > L.GetTop() {
		argError(L, n, fname, "string expected, got no value")
	}
	argError(L, n, fname, "string expected, got "+typeName(v))
	return ""
}

// str2number is Lua 5.1's luaO_str2d: C's strtod over the whole string
// (hexadecimal, "inf" and "nan" included), surrounding whitespace allowed.
func str2number(s string) (float64, bool) {
	f, n := strtod(s)
	if n == 0 {
		return 0, false
	}
	for _, c := range []byte(s[n:]) {
		if !isCSpace(c) {
			return 0, false
		}
	}
	return f, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// strtod parses the longest prefix of s that C's strtod accepts and
// returns its value and length (0: no number).
func strtod(s string) (float64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := strings.ToLower(s[i:min(len(s), i+8)])
	switch {
	case strings.HasPrefix(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(rest, "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		nan := math.NaN()
		if neg {
			nan = math.Copysign(nan, -1)
		}
		return nan, j
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		j := i + 2
		digits := 0
		mant := []byte{}
		for j < len(s) && isHexDigit(s[j]) {
			mant = append(mant, s[j])
			j++
			digits++
		}
		if j < len(s) && s[j] == '.' {
			k := j + 1
			frac := []byte{}
			for k < len(s) && isHexDigit(s[k]) {
				frac = append(frac, s[k])
				k++
				digits++
			}
			if digits > 0 {
				j = k
				if len(frac) > 0 {
					mant = append(append(mant, '.'), frac...)
				}
			}
		}
		if digits == 0 {
			// "0x" without digits: the number is the 0.
			return sign(0), i + 1
		}
		exp := "p0"
		if j < len(s) && (s[j] == 'p' || s[j] == 'P') {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			ks := k
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if k > ks {
				exp = "p" + s[j+1:k]
				j = k
			}
		}
		if len(mant) > 0 && mant[0] == '.' {
			mant = append([]byte{'0'}, mant...)
		}
		f, err := strconv.ParseFloat("0x"+string(mant)+exp, 64)
		if err != nil && !isRangeErr(err) {
			return 0, 0
		}
		return sign(f), j
	}
	j := i
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
			digits++
		}
		if digits > 0 {
			j = k
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		ks := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > ks {
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[start:j], 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0
	}
	return f, j
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// strFormat is Lua 5.1's string.format, with C printf semantics.
func strFormat(L *lua.LState) int {
	const fname = "format"
	fs := checkString(L, 1, fname)
	top := L.GetTop()
	arg := 1
	var out []byte
	for i := 0; i < len(fs); i++ {
		c := fs[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(fs) {
			// A lone '%' at the end: the option is the string's NUL.
			L.RaiseError("%s", "invalid option '%' to 'format'")
		}
		if fs[i] == '%' {
			out = append(out, '%')
			continue
		}
		// Scan the format spec: flags, width (2 digits), precision.
		start := i
		for i < len(fs) && strings.IndexByte("-+ #0", fs[i]) >= 0 {
			i++
		}
		if i-start >= len("-+ #0")+1 {
			L.RaiseError("invalid format (repeated flags)")
		}
		flags := fs[start:i]
		width, prec := -1, -1
		if i < len(fs) && isDigit(fs[i]) {
			width = int(fs[i] - '0')
			i++
			if i < len(fs) && isDigit(fs[i]) {
				width = width*10 + int(fs[i]-'0')
				i++
			}
		}
		if i < len(fs) && fs[i] == '.' {
			i++
			prec = 0
			if i < len(fs) && isDigit(fs[i]) {
				prec = int(fs[i] - '0')
				i++
				if i < len(fs) && isDigit(fs[i]) {
					prec = prec*10 + int(fs[i]-'0')
					i++
				}
			}
		}
		if i < len(fs) && isDigit(fs[i]) {
			L.RaiseError("invalid format (width or precision too long)")
		}
		if i >= len(fs) {
			L.RaiseError("%s", "invalid option '%' to 'format'")
		}
		conv := fs[i]
		arg++
		if arg > top {
			argError(L, arg, fname, "no value")
		}
		spec := cSpec{flags: flags, width: width, prec: prec}
		switch conv {
		case 'c':
			n := checkNumber(L, arg, fname)
			out = spec.pad(out, []byte{byte(int32(int64(n)))}, false)
		case 'd', 'i':
			n := int64(cLong(checkNumber(L, arg, fname)))
			out = spec.formatInt(out, n)
		case 'o', 'u', 'x', 'X':
			n := uint64(cLong(checkNumber(L, arg, fname)))
			out = spec.formatUint(out, n, conv)
		case 'e', 'E', 'f', 'g', 'G':
			out = spec.formatFloat(out, checkNumber(L, arg, fname), conv)
		case 'q':
			out = appendQuoted(out, checkString(L, arg, fname))
		case 's':
			s := checkString(L, arg, fname)
			if prec < 0 && len(s) >= 100 {
				out = append(out, s...)
				continue
			}
			s = cstr(s)
			if prec >= 0 && len(s) > prec {
				s = s[:prec]
			}
			out = spec.pad(out, []byte(s), false)
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cLong converts a double to a C long the way x86-64 does: truncation,
// and the "integer indefinite" value for NaN and out-of-range values.
func cLong(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

type cSpec struct {
	flags       string
	width, prec int
}

func (s cSpec) has(c byte) bool { return strings.IndexByte(s.flags, c) >= 0 }

// pad applies the width: left-justified with '-', zero-padded with '0'
// for numbers (after the sign or 0x prefix), spaces otherwise.
func (s cSpec) pad(dst, body []byte, numeric bool) []byte {
	n := s.width - len(body)
	if n <= 0 {
		return append(dst, body...)
	}
	if s.has('-') {
		dst = append(dst, body...)
		return append(dst, strings.Repeat(" ", n)...)
	}
	if numeric && s.has('0') {
		// Zeros go after any sign and radix prefix.
		pre := 0
		if len(body) > 0 && (body[0] == '-' || body[0] == '+' || body[0] == ' ') {
			pre = 1
		}
		if len(body) > pre+1 && body[pre] == '0' && (body[pre+1] == 'x' || body[pre+1] == 'X') {
			pre += 2
		}
		dst = append(dst, body[:pre]...)
		dst = append(dst, strings.Repeat("0", n)...)
		return append(dst, body[pre:]...)
	}
	dst = append(dst, strings.Repeat(" ", n)...)
	return append(dst, body...)
}

func (s cSpec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case s.has('+'):
		return "+"
	case s.has(' '):
		return " "
	}
	return ""
}

func (s cSpec) formatInt(dst []byte, n int64) []byte {
	var digits string
	if n < 0 {
		digits = strconv.FormatUint(uint64(-n), 10)
	} else {
		digits = strconv.FormatInt(n, 10)
	}
	if s.prec >= 0 {
		if s.prec == 0 && n == 0 {
			digits = ""
		}
		for len(digits) < s.prec {
			digits = "0" + digits
		}
		s.flags = strings.ReplaceAll(s.flags, "0", "")
	}
	return s.pad(dst, []byte(s.sign(n < 0)+digits), true)
}

func (s cSpec) formatUint(dst []byte, n uint64, conv byte) []byte {
	var digits, prefix string
	switch conv {
	case 'o':
		digits = strconv.FormatUint(n, 8)
	case 'u':
		digits = strconv.FormatUint(n, 10)
	case 'x':
		digits = strconv.FormatUint(n, 16)
	case 'X':
		digits = strings.ToUpper(strconv.FormatUint(n, 16))
	}
	if s.prec >= 0 {
		if s.prec == 0 && n == 0 {
			digits = ""
		}
		for len(digits) < s.prec {
			digits = "0" + digits
		}
		s.flags = strings.ReplaceAll(s.flags, "0", "")
	}
	if s.has('#') {
		switch {
		case conv == 'o' && !strings.HasPrefix(digits, "0"):
			digits = "0" + digits
		case conv == 'x' && n != 0:
			prefix = "0x"
		case conv == 'X' && n != 0:
			prefix = "0X"
		}
	}
	return s.pad(dst, []byte(prefix+digits), true)
}

func (s cSpec) formatFloat(dst []byte, f float64, conv byte) []byte {
	neg := math.Signbit(f) && !math.IsNaN(f)
	a := math.Abs(f)
	upper := conv == 'E' || conv == 'G'
	var body string
	switch {
	case math.IsInf(f, 0):
		body = "inf"
	case math.IsNaN(f):
		body = "nan"
		neg = math.Signbit(f)
	default:
		prec := s.prec
		if prec < 0 {
			prec = 6
		}
		switch conv {
		case 'e', 'E':
			body = strconv.FormatFloat(a, 'e', prec, 64)
			if s.has('#') && prec == 0 {
				body = strings.Replace(body, "e", ".e", 1)
			}
		case 'f':
			body = strconv.FormatFloat(a, 'f', prec, 64)
			if s.has('#') && prec == 0 {
				body += "."
			}
		default:
			if prec == 0 {
				prec = 1
			}
			body = formatCG(a, prec, s.has('#'))
		}
	}
	if upper {
		body = strings.ToUpper(body)
	}
	numeric := !math.IsInf(f, 0) && !math.IsNaN(f)
	return s.pad(dst, []byte(s.sign(neg)+body), numeric)
}

// formatCG is C's %g for a non-negative finite value.
func formatCG(a float64, prec int, alt bool) string {
	if a == 0 {
		if alt {
			return "0." + strings.Repeat("0", prec-1)
		}
		return "0"
	}
	// The exponent after rounding to prec significant digits decides.
	e := strconv.FormatFloat(a, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	var body string
	if exp < -4 || exp >= prec {
		body = e
		if !alt {
			mant, rest, _ := strings.Cut(body, "e")
			if strings.Contains(mant, ".") {
				mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
			}
			body = mant + "e" + rest
		}
		return body
	}
	body = strconv.FormatFloat(a, 'f', prec-1-exp, 64)
	if !alt && strings.Contains(body, ".") {
		body = strings.TrimRight(strings.TrimRight(body, "0"), ".")
	}
	return body
}

// appendQuoted is %q: a Lua string literal that reads back the same.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', '\n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case 0:
			dst = append(dst, '\\', '0', '0', '0')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// maxStringSize bounds strings built by string.rep, as running out of
// memory would in Redis (there the allocation fails with "not enough
// memory"; here we refuse it before trying).
const maxStringSize = 512 << 20

func strRep(L *lua.LState) int {
	s := checkString(L, 1, "rep")
	n := checkInt(L, 2, "rep")
	if n <= 0 || len(s) == 0 {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s))*int64(n) > maxStringSize {
		L.RaiseError("not enough memory")
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// lrand48 is the 48-bit linear congruential generator behind Redis's
// math.random (the same sequence on every platform).
type lrand48 struct{ x uint64 }

const (
	lrandA    = 0x5DEECE66D
	lrandC    = 0xB
	lrandMask = 1<<48 - 1
	lrandMax  = math.MaxInt32
)

func (r *lrand48) seed(v int32) {
	r.x = uint64(uint32(v))<<16 | 0x330E
}

func (r *lrand48) next() int32 {
	r.x = (lrandA*r.x + lrandC) & lrandMask
	return int32(r.x >> 17)
}

func (env *luaEnv) mathRandom(L *lua.LState) int {
	if env.cur == nil {
		L.RaiseError("math.random can only be called inside a script invocation")
	}
	r := float64(env.rnd.next()%lrandMax) / float64(lrandMax)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := checkInt(L, 1, "random")
		if u < 1 {
			argError(L, 1, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l := checkInt(L, 1, "random")
		u := checkInt(L, 2, "random")
		if l > u {
			argError(L, 2, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (env *luaEnv) mathRandomseed(L *lua.LState) int {
	if env.cur == nil {
		L.RaiseError("math.randomseed can only be called inside a script invocation")
	}
	env.rnd.seed(int32(checkInt(L, 1, "randomseed")))
	return 0
}

// gopher-lua words some messages differently from Lua 5.1; the ones with
// a mechanical translation are rewritten before they reach a client.
var badArgRe = regexp.MustCompile(`bad argument #(\d+) to ([^ '(][^ ]*) \(`)

func luaMessage(s string) string {
	if strings.Contains(s, "bad argument #") {
		s = badArgRe.ReplaceAllStringFunc(s, func(m string) string {
			sub := badArgRe.FindStringSubmatch(m)
			name := sub[2]
			if name == "(anonymous)" {
				name = "?"
			}
			return "bad argument #" + sub[1] + " to '" + name + "' ("
		})
	}
	return s
}
