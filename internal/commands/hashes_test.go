package commands_test

import "testing"

// TestHashPropagation checks that HINCRBYFLOAT propagates as HSET with the
// result (float formatting must not make replicas diverge) and that
// commands that change nothing propagate nothing.
func TestHashPropagation(t *testing.T) {
	h := hsStart(t)
	h.do("HINCRBYFLOAT", "h", "f", "1.5")
	h.expect("HINCRBYFLOAT new", "HSET h f 1.5")
	h.do("HINCRBYFLOAT", "h", "f", "0.1")
	h.expect("HINCRBYFLOAT", "HSET h f 1.6")
	h.do("HINCRBYFLOAT", "h", "f", "1e1")
	h.expect("HINCRBYFLOAT exponent", "HSET h f 11.6")
	h.do("HINCRBY", "h", "n", 5)
	h.expect("HINCRBY", "HINCRBY h n 5")
	h.do("HSET", "h", "a", 1)
	h.do("HMSET", "h", "a", 2)
	h.do("HSETNX", "h", "a", 3)
	h.expect("HSET", "HSET h a 1", "HMSET h a 2")
	h.do("HDEL", "h", "zz")
	h.do("HGET", "h", "a")
	h.do("HGETALL", "h")
	h.do("HRANDFIELD", "h", -3, "WITHVALUES")
	h.do("HSCAN", "h", 0)
	h.expect("reads and no-ops")
	h.do("HDEL", "h", "a", "f", "n")
	h.expect("HDEL", "HDEL h a f n")
	if n := h.do("EXISTS", "h").(int64); n != 0 {
		t.Fatalf("hash not deleted when emptied")
	}
}

// TestHashRandFieldDistinct checks HRANDFIELD with a positive count
// returns distinct fields through every pick strategy and encoding.
func TestHashRandFieldDistinct(t *testing.T) {
	h := hsStart(t)
	for _, n := range []int{3, 20, 600} {
		h.do("DEL", "h")
		args := []any{"HSET", "h"}
		for i := 0; i < n; i++ {
			args = append(args, i, i*2)
		}
		h.do(args...)
		for _, count := range []int{1, 2, n / 3, n/2 + 1, n - 1, n, n + 5} {
			got := strs(h.do("HRANDFIELD", "h", count))
			checkDistinct(t, got, min(max(count, 0), n))
			pairs := strs(h.do("HRANDFIELD", "h", count, "WITHVALUES"))
			var fields []string
			for i := 0; i < len(pairs); i += 2 {
				fields = append(fields, pairs[i])
				if v := h.do("HGET", "h", pairs[i]); v != pairs[i+1] {
					t.Fatalf("HRANDFIELD WITHVALUES paired %s with %s, HGET says %v", pairs[i], pairs[i+1], v)
				}
			}
			checkDistinct(t, fields, min(count, n))
		}
	}
}
