package keyspace

// Match reports whether s matches the glob pattern with Redis's rules:
// * matches any run, ? any byte, [abc] [^abc] [a-z] sets (a reversed range
// works too), and a backslash makes the next byte literal. Redis's matcher
// is C code over NUL-terminated strings and signed chars; the quirks that
// follow from that (a '[' left open to the end of the pattern, ranges over
// bytes above 0x7f) are reproduced so KEYS and SCAN select the same keys.
func Match(pattern, s []byte, nocase bool) bool {
	skip := false
	return match(pattern, s, nocase, &skip)
}

// MatchString is Match for string operands.
func MatchString(pattern, s string, nocase bool) bool {
	return Match([]byte(pattern), []byte(s), nocase)
}

// at reads pattern[i], or the terminating NUL the C code would see.
func at(p []byte, i int) byte {
	if i < len(p) {
		return p[i]
	}
	return 0
}

func lower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// signed mirrors C's char on x86, which is signed.
func signed(c byte) int { return int(int8(c)) }

func match(p, s []byte, nocase bool, skipLonger *bool) bool {
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && at(p, 1) == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			// Once the rest failed against every suffix, a longer match
			// attempt by an outer '*' cannot succeed either.
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := at(p, 0) == '^'
			if not {
				p = p[1:]
			}
			matched := false
			for {
				c0 := at(p, 0)
				if c0 == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if c0 == ']' {
					break
				} else if len(p) == 0 {
					// Unterminated: the set simply ends with the pattern.
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end, c := signed(p[0]), signed(p[2]), signed(s[0])
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lower(start), lower(end), lower(c)
					}
					p = p[2:]
					if c >= start && c <= end {
						matched = true
					}
				} else if nocase {
					if lower(int(p[0])) == lower(int(s[0])) {
						matched = true
					}
				} else if p[0] == s[0] {
					matched = true
				}
				p = p[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if nocase {
				if lower(int(p[0])) != lower(int(s[0])) {
					return false
				}
			} else if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		if len(p) > 0 {
			p = p[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
