package config

import (
	"math"
	"strings"
	"testing"
)

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"4096", 4096, true}, {"10b", 10, true}, {"10B", 10, true},
		{"1k", 1000, true}, {"1K", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true}, {"1Kb", 1024, true},
		{"100m", 100e6, true}, {"100mb", 100 << 20, true}, {"1g", 1e9, true}, {"1gb", 1 << 30, true},
		{"", 0, true}, {"kb", 0, true}, // memtoull quirks
		{"18446744073709551615", math.MaxUint64, true}, {"99999999999999999999", math.MaxUint64, true},
		{"-1", 0, false}, {"1tb", 0, false}, {"1.5gb", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"+1", 0, false},
		{"0x10", 0, false}, {strings.Repeat("1", 128), 0, false},
	}
	for _, tc := range tests {
		got, ok := parseMemory(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatMemory(t *testing.T) {
	for in, want := range map[uint64]string{
		0: "0", 1: "1", 1000: "1000", 1024: "1kb", 1536: "1536", 1 << 20: "1mb", 3 << 20: "3mb",
		1 << 30: "1gb", 5 << 30: "5gb", (1 << 30) + 1024: "1048577kb", 4096: "4kb",
	} {
		if got := formatMemory(in); got != want {
			t.Errorf("formatMemory(%d) = %q, want %q", in, got, want)
		}
		if back, ok := parseMemory(want); !ok || back != in {
			t.Errorf("parseMemory(formatMemory(%d)) = %d", in, back)
		}
	}
}

func TestParseStrictInt(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64, "123": 123}
	for in, want := range good {
		if got, ok := parseStrictInt(in); !ok || got != want {
			t.Errorf("parseStrictInt(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "1.0", "9223372036854775808", "-9223372036854775809", "1e3", "0x1"} {
		if _, ok := parseStrictInt(in); ok {
			t.Errorf("parseStrictInt(%q) accepted", in)
		}
	}
}

func TestParseCInt(t *testing.T) {
	tests := []struct {
		in       string
		base     int
		want     int64
		ok, over bool
	}{
		{"12", 10, 12, true, false}, {" 12", 10, 12, true, false}, {"+12", 10, 12, true, false}, {"-12", 10, -12, true, false},
		{"", 10, 0, true, false}, {" ", 10, 0, false, false}, {"+", 10, 0, false, false}, {"12 ", 10, 0, false, false},
		{"0x1", 10, 0, false, false}, {"777", 8, 511, true, false}, {"0777", 8, 511, true, false}, {"8", 8, 0, false, false},
		{"99999999999999999999", 10, math.MaxInt64, true, true}, {"-99999999999999999999", 10, math.MinInt64, true, true},
	}
	for _, tc := range tests {
		got, ok, over := parseCInt(tc.in, tc.base)
		if ok != tc.ok || over != tc.over || (ok && got != tc.want) {
			t.Errorf("parseCInt(%q, %d) = %d, %v, %v", tc.in, tc.base, got, ok, over)
		}
	}
}

func TestKeyspaceEvents(t *testing.T) {
	tests := []struct{ in, out string }{
		{"", ""}, {"KEA", "AKE"}, {"Ex", "xE"}, {"g$lshzxetd", "A"}, {"AKEm", "AKEm"}, {"An", "A"}, // like Redis, A hides n
		{"Kg$", "g$K"}, {"nmKE", "nKEm"}, {"AAAA", "A"},
	}
	for _, tc := range tests {
		f, ok := ParseKeyspaceEvents(tc.in)
		if !ok || f.String() != tc.out {
			t.Errorf("ParseKeyspaceEvents(%q) = %q, %v; want %q", tc.in, f.String(), ok, tc.out)
		}
	}
	if _, ok := ParseKeyspaceEvents("KEQ"); ok {
		t.Error("Q accepted")
	}
	f, _ := ParseKeyspaceEvents("Kx")
	if !f.Has(EventKeyspace|EventExpired) || f.Has(EventKeyevent) {
		t.Error("Has")
	}
}

func TestEnums(t *testing.T) {
	if v, ok := enumValue(enumOOMScoreAdj, []string{"RELATIVE"}, false); !ok || enumName(enumOOMScoreAdj, v, false) != "yes" {
		t.Error("alias words report the first name")
	}
	if _, ok := enumValue(enumLoglevel, []string{"notice", "debug"}, false); ok {
		t.Error("two words for a plain enum")
	}
	v, ok := enumValue(enumShutdownOnSig, []string{"force", "now", "save"}, true)
	if !ok || enumName(enumShutdownOnSig, v, true) != "save now force" {
		t.Errorf("flags: %d %q", v, enumName(enumShutdownOnSig, v, true))
	}
	if enumName(enumShutdownOnSig, 0, true) != "default" {
		t.Error("zero flags")
	}
	if !AllowProtected("yes", false) || AllowProtected("local", false) || !AllowProtected("local", true) || AllowProtected("no", true) {
		t.Error("AllowProtected")
	}
}

func TestFormatPercentile(t *testing.T) {
	for in, want := range map[float64]string{50: "50", 99.9: "99.9", 99.99999: "99.99999", 0.0000001: "0", 100: "100", 0.5: "0.5"} {
		if got := formatPercentile(in); got != want {
			t.Errorf("formatPercentile(%v) = %q, want %q", in, got, want)
		}
	}
	if f, ok := parseFloatStrict("0x10"); !ok || f != 16 {
		t.Error("hex float")
	}
	for _, s := range []string{"", " 1", "1 ", "nan", "abc"} {
		if _, ok := parseFloatStrict(s); ok {
			t.Errorf("parseFloatStrict(%q) accepted", s)
		}
	}
}

// sampleValues gives, per value type, inputs that must survive a trip
// through CONFIG SET -> CONFIG GET -> CONFIG SET and through a rewrite.
func sampleValues(d Directive) []string {
	switch d.Name {
	case "save":
		return []string{"", "900 1", "1 0 2 3"}
	case "bind":
		return []string{"", "127.0.0.1", "127.0.0.1 -::1", "* -::*"}
	case "client-output-buffer-limit":
		return []string{"normal 1mb 2kb 3", "slave 1 2 3 pubsub 4 5 6"}
	case "oom-score-adj-values":
		return []string{"-2000 0 2000"}
	case "notify-keyspace-events":
		return []string{"", "KEA", "Egx$", "nm"}
	case "replicaof":
		return []string{"10.0.0.1 6380", "no one"}
	case "latency-tracking-info-percentiles":
		return []string{"", "50", "0.5 99.999"}
	case "dir":
		return []string{"/tmp"}
	case "shutdown-on-sigint", "shutdown-on-sigterm":
		return []string{"save now", "nosave force"}
	case "proc-title-template":
		return []string{"{title} {port}", "x {{"}
	case "cluster-announce-hostname":
		return []string{"", "host.example-1"}
	case "appendfilename", "appenddirname", "dbfilename":
		return []string{"x y", "q\"uote\n\x01"}
	case "activedefrag":
		return []string{"no"}
	}
	switch d.Type {
	case "bool":
		return []string{"yes", "no"}
	case "int":
		return []string{d.Default, "1000"}
	case "memory":
		return []string{"2048", "3mb", "1gb", "1000000"}
	case "percent":
		return []string{"10%", "2mb", "0"}
	case "octal":
		return []string{"755", "0"}
	case "enum":
		return nil // all words are tried below
	case "string":
		return []string{"", "plain", "with space", "q\"uote\\\n\x01"}
	}
	return nil
}

// TestValueRoundTrip sets every directive to sample values (and every enum
// word) through the loader, then checks that its CONFIG GET output loads
// back to the same value, and that a rewritten file does too.
func TestValueRoundTrip(t *testing.T) {
	for _, d := range Directives() {
		vals := sampleValues(d)
		if d.Type == "enum" {
			vals = enumWords(d.Name)
		}
		if len(vals) == 0 && d.Type != "enum" {
			t.Errorf("%s (%s): no sample values", d.Name, d.Type)
		}
		for _, v := range vals {
			c := Default()
			line := d.Name + " " + Quote(v)
			if err := (&loader{c: c}).line(line, "t", 1, 0); err != nil {
				if strings.Contains(err.Error(), "argument must be between") {
					continue // sample outside this directive's bounds
				}
				t.Errorf("%s: loading %q: %v", d.Name, line, err)
				continue
			}
			got, _ := c.Value(d.Name)
			// CONFIG GET output fed to CONFIG SET (multi-word values are split
			// on spaces) gives the same value.
			c2 := Default()
			dd := lookup(d.Name)
			if d.Name == "replicaof" && got == "" {
				// "no one" reads back as "", which only means "not a replica".
			} else if err := dd.set(c2, setArgs(dd, got), &setCtx{}); err != nil {
				t.Errorf("%s: setting GET output %q: %v", d.Name, got, err)
			} else if again := dd.get(c2); again != got {
				t.Errorf("%s: %q -> GET %q -> SET/GET %q", d.Name, v, got, again)
			}
			// The rewritten form loads back to the same value.
			st := &rewriteState{optionLines: map[string][]int{}, processed: map[string]bool{}}
			dd.rewriteInto(c, st)
			c3 := Default()
			l3 := &loader{c: c3}
			for _, rl := range st.lines {
				if rl == rewriteSignature {
					continue
				}
				if err := l3.line(rl, "rewritten", 1, 0); err != nil {
					t.Errorf("%s: rewritten line %q: %v", d.Name, rl, err)
				}
			}
			if back := dd.get(c3); back != got {
				t.Errorf("%s: value %q rewritten as %q loads back as %q", d.Name, got, st.lines, back)
			}
		}
	}
}

func setArgs(d *directive, v string) []string {
	if d.flags&fMultiArg != 0 {
		return splitSpaces(v)
	}
	return []string{v}
}

func enumWords(name string) []string {
	all := map[string][]enumItem{
		"supervised": enumSupervised, "syslog-facility": enumSyslogFacility, "repl-diskless-load": enumReplDisklessLoad,
		"loglevel": enumLoglevel, "maxmemory-policy": enumMaxmemoryPolicy, "appendfsync": enumAppendfsync,
		"oom-score-adj": enumOOMScoreAdj, "acl-pubsub-default": enumACLPubsub, "sanitize-dump-payload": enumSanitizePayload,
		"enable-protected-configs": enumProtected, "enable-debug-command": enumProtected, "enable-module-command": enumProtected,
		"cluster-preferred-endpoint-type": enumEndpointType, "propagation-error-behavior": enumPropagationError,
		"tls-auth-clients": enumTLSAuthClients,
	}
	var words []string
	for _, it := range all[name] {
		words = append(words, it.name, strings.ToUpper(it.name))
	}
	return words
}
