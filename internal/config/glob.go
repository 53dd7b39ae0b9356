package config

// globMatch matches s against a Redis glob pattern: '*' any run of bytes,
// '?' one byte, '[abc]' '[a-z]' '[^a]' classes (an unclosed class runs to
// the end of the pattern), and '\' to take the next byte literally. With
// nocase, ASCII letters compare case-insensitively. CONFIG GET uses it with
// nocase set.
//
// The matcher backtracks only to the most recent '*', so its cost is
// bounded by len(pattern)*len(s) whatever the pattern (a client-supplied
// pattern full of stars cannot make it explode).
func globMatch(pattern, s string, nocase bool) bool {
	if s == "" {
		// As in Redis, nothing is matched against an empty subject, so
		// only the empty pattern matches it.
		return pattern == ""
	}
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) && pattern[p] == '*' {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			if p == len(pattern) {
				return true
			}
			starP, starI = p, i
			continue
		}
		if p < len(pattern) {
			if n, ok := globToken(pattern[p:], s[i], nocase); ok {
				p += n
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star swallow one more byte and retry from there.
		starI++
		p, i = starP, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// globToken matches byte c against the single-byte token at the start of
// pat ('?', a class, an escape or a literal) and returns the token length.
func globToken(pat string, c byte, nocase bool) (int, bool) {
	lower := func(b byte) byte {
		if nocase && b >= 'A' && b <= 'Z' {
			return b + 'a' - 'A'
		}
		return b
	}
	switch pat[0] {
	case '?':
		return 1, true
	case '\\':
		if len(pat) >= 2 {
			return 2, lower(pat[1]) == lower(c)
		}
		return 1, lower('\\') == lower(c)
	case '[':
		p := 1
		negate := p < len(pat) && pat[p] == '^'
		if negate {
			p++
		}
		match := false
		for p < len(pat) && pat[p] != ']' {
			switch {
			case pat[p] == '\\' && p+1 < len(pat):
				p++
				if pat[p] == c {
					match = true
				}
			case p+2 < len(pat) && pat[p+1] == '-':
				lo, hi := lower(pat[p]), lower(pat[p+2])
				if lo > hi {
					lo, hi = hi, lo
				}
				if ch := lower(c); ch >= lo && ch <= hi {
					match = true
				}
				p += 2
			default:
				if lower(pat[p]) == lower(c) {
					match = true
				}
			}
			p++
		}
		if p < len(pat) {
			p++ // the closing ']'
		}
		return p, match != negate
	}
	return 1, lower(pat[0]) == lower(c)
}
