package acl

import (
	"math"
	"strings"
)

// Describe returns the user's rules in the form ACL LIST, ACL SAVE and
// CONFIG REWRITE write them (without the leading "user <name> "): flags,
// password hashes, the root selector, then each selector in parentheses.
func (u *User) Describe() string {
	if u.descr != "" {
		return u.descr
	}
	var b strings.Builder
	if u.enabled {
		b.WriteString("on ")
	} else {
		b.WriteString("off ")
	}
	if u.nopass {
		b.WriteString("nopass ")
	}
	switch u.sanitize {
	case sanitizeSkip:
		b.WriteString("skip-sanitize-payload ")
	case sanitizeYes:
		b.WriteString("sanitize-payload ")
	}
	for _, p := range u.passwords {
		b.WriteByte('#')
		b.WriteString(p)
		b.WriteByte(' ')
	}
	for _, s := range u.selectors {
		if s.root {
			b.WriteString(s.describe())
		} else {
			b.WriteString(" (")
			b.WriteString(s.describe())
			b.WriteByte(')')
		}
	}
	u.descr = b.String()
	return u.descr
}

func (p keyPattern) String() string {
	switch p.perm {
	case permRead:
		return "%R~" + p.pattern
	case permWrite:
		return "%W~" + p.pattern
	}
	return "~" + p.pattern
}

func (s *selector) describe() string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, p := range s.keys {
			b.WriteString(p.String())
			b.WriteByte(' ')
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteByte('&')
			b.WriteString(c)
			b.WriteByte(' ')
		}
	}
	b.WriteString(s.describeCommands())
	return b.String()
}

// keysString is the "keys" field of ACL GETUSER.
func (s *selector) keysString() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, p := range s.keys {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}

// channelsString is the "channels" field of ACL GETUSER.
func (s *selector) channelsString() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// describeCommands rebuilds the command bitmap as rules, the way Redis
// does so that its output is the same: start from +@all or -@all, then
// greedily add (or remove) the category that best fits the remaining
// difference, and finish with single commands (and first args). Redis
// emits the single commands in the random order of its command hash
// table; we use name order.
func (s *selector) describeCommands() string {
	u := theUniverse()
	var b strings.Builder
	fake := &selector{allowed: make([]uint64, u.words)}
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
		fake.setAll(false)
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	temp := &selector{allowed: append([]uint64(nil), s.allowed...)}
	cats := categoryList()
	applied := make([]bool, len(cats))
	for {
		best := -1
		minDiff, maxSame := math.MaxInt, 0
		for j, c := range cats {
			if applied[j] {
				continue
			}
			on, off := 0, 0
			for _, e := range u.all {
				if e.spec.Categories&c.cat == 0 {
					continue
				}
				if temp.bit(e.id) {
					on++
				} else {
					off++
				}
			}
			diff, same := off, on
			if !additive {
				diff, same = on, off
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		c := cats[best]
		fake.changeCategory(c.cat, additive)
		temp.changeCategory(c.cat, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(c.name)
		b.WriteByte(' ')
		applied[best] = true
	}
	var single func(list []*cmdEntry)
	single = func(list []*cmdEntry) {
		for _, e := range list {
			userBit, fakeBit := s.bit(e.id), fake.bit(e.id)
			if userBit != fakeBit {
				if userBit {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
				b.WriteString(e.name)
				b.WriteByte(' ')
				fake.changePerm(e, userBit)
			}
			single(e.subs)
			if !userBit {
				for _, a := range s.firstArgs[e.id] {
					b.WriteByte('+')
					b.WriteString(e.name)
					b.WriteByte('|')
					b.WriteString(a)
					b.WriteByte(' ')
				}
			}
		}
	}
	single(u.top)
	out := b.String()
	return out[:len(out)-1]
}
