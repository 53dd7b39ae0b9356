package redismanager

import (
	"fmt"
	"strings"
)

// Tag queries: tags combined with AND / OR (or & / |) and parentheses,
// AND binding tighter than OR. A tag is any identifier valid in a key.

type tagExpr struct {
	tag   string     // leaf when op == ""
	op    string     // "and" or "or"
	items []*tagExpr // operands
}

func parseTagQuery(q string) (*tagExpr, error) {
	toks, err := lexTags(q)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty tag query")
	}
	p := &tagParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("tag query %q: unexpected %q", q, p.toks[p.i])
	}
	return e, nil
}

func lexTags(q string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '&' || c == '|':
			if i+1 < len(q) && q[i+1] == c {
				i++ // && and || too
			}
			if c == '&' {
				toks = append(toks, "AND")
			} else {
				toks = append(toks, "OR")
			}
			i++
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\n()&|", rune(q[j])) {
				j++
			}
			w := q[i:j]
			switch strings.ToUpper(w) {
			case "AND", "OR":
				w = strings.ToUpper(w)
			default:
				if err := checkID("tag", w); err != nil {
					return nil, err
				}
			}
			toks = append(toks, w)
			i = j
		}
	}
	return toks, nil
}

type tagParser struct {
	toks []string
	i    int
}

func (p *tagParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *tagParser) or() (*tagExpr, error) { return p.chain("OR", "or", p.and) }

func (p *tagParser) and() (*tagExpr, error) { return p.chain("AND", "and", p.atom) }

// chain parses operands joined by the keyword (AND binds tighter than OR
// because or's operands are and-chains); a single operand is returned as
// it is.
func (p *tagParser) chain(keyword, op string, operand func() (*tagExpr, error)) (*tagExpr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	e := &tagExpr{op: op, items: []*tagExpr{first}}
	for p.peek() == keyword {
		p.i++
		next, err := operand()
		if err != nil {
			return nil, err
		}
		e.items = append(e.items, next)
	}
	if len(e.items) == 1 {
		return first, nil
	}
	return e, nil
}

func (p *tagParser) atom() (*tagExpr, error) {
	switch t := p.peek(); t {
	case "":
		return nil, fmt.Errorf("tag query ends too early")
	case "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("tag query: missing )")
		}
		p.i++
		return e, nil
	case ")", "AND", "OR":
		return nil, fmt.Errorf("tag query: unexpected %q", t)
	default:
		p.i++
		return &tagExpr{tag: t}, nil
	}
}

// tags lists the distinct tags of the expression.
func (e *tagExpr) tags(acc []string) []string {
	if e.op == "" {
		for _, t := range acc {
			if t == e.tag {
				return acc
			}
		}
		return append(acc, e.tag)
	}
	for _, it := range e.items {
		acc = it.tags(acc)
	}
	return acc
}

// eval computes the matching ids from each tag's members.
func (e *tagExpr) eval(members map[string]map[string]bool) map[string]bool {
	if e.op == "" {
		out := map[string]bool{}
		for id := range members[e.tag] {
			out[id] = true
		}
		return out
	}
	acc := e.items[0].eval(members)
	for _, it := range e.items[1:] {
		s := it.eval(members)
		if e.op == "or" {
			for id := range s {
				acc[id] = true
			}
		} else {
			for id := range acc {
				if !s[id] {
					delete(acc, id)
				}
			}
		}
	}
	return acc
}
