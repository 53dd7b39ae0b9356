package scripting

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// Fuzz targets for the layers that take untrusted input: the reply
// conversion (server replies are trusted, but a malformed one must not
// crash), FUNCTION RESTORE payloads, the Lua parser, and scripts run in a
// bare engine with their results converted to replies.

func FuzzReplyToLua(f *testing.F) {
	for _, s := range []string{
		":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n", "+OK\r\n", "-ERR x\r\n",
		"*2\r\n:1\r\n$1\r\na\r\n", "%1\r\n$1\r\nk\r\n:1\r\n", "~2\r\n$1\r\na\r\n$1\r\nb\r\n",
		"_\r\n", "#t\r\n", ",1.5\r\n", ",inf\r\n", "(123\r\n", "=7\r\ntxt:abc\r\n",
		"|1\r\n+a\r\n+b\r\n:5\r\n", "!5\r\nERR x\r\n", ">1\r\n:1\r\n", "*3\r\n:1\r\n_\r\n:3\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		v, ok := replyToLua(L, b)
		if ok {
			// Whatever was parsed converts back to a reply.
			w := resp.NewWriter(3)
			luaToReply(w, v, 3)
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	f.Add([]byte("\xf5\xc3@\xba@\xf1\x1f#!lua name=mylib\nredis.register_\x0bfunction('my@\x0b\x02', @\x06`\x12\x13keys, args) return {@\x13\x02[1]\x80\x16 \x08\x05} end)\xe0\x0fU\x00{\xc0K\x00_`\x81\x02'ro _\x08callback=\xc0\x1c\x00(\xe0\x00^\x80\x9c@ \n('get','x')@a \x95\x1alags={'no-writes'}, descrip@\xad\x01='@\x0c\x01'}\n\x00\xf4\xc5_[r\xca>\xe8"))
	f.Add([]byte("\xf5\x05hello\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xf6\x01a\x03LUA\x00\x01b\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parsePayload(b)
		// The reader must also survive payloads whose checksum is right.
		r := payloadReader{b: b}
		for r.i < len(b) {
			before := r.i
			if _, ok := r.str(); !ok || r.i <= before {
				break
			}
		}
	})
}

var fuzzScriptSeeds = []string{
	"return 1", "return {1, 2, {3, 'x'}, false, nil}", "return {ok='fine'}", "return {err='bad'}",
	"return {map={a=1}}", "return {set={b=true}}", "return {double=1.5}", "return {big_number='12'}",
	"return {verbatim_string={format='txt', string='x'}}", "return cjson.encode({a={1,2}})",
	"return cjson.decode('[1,{\"a\":null}]')", "return cmsgpack.unpack(cmsgpack.pack({1,'a',{b=2}}))",
	"return struct.pack('>i2HBbs', 1, 2, 3, -4, 'hi')", "return bit.tohex(bit.bxor(5, 3))",
	"return string.format('%5.2f %q %x', 3.14159, 'a\\n', 255)", "return tostring(1/3) .. tonumber('0x10')",
	"error('x')", "error({err='E'})", "x = 1", "return undefined", "local t = {} t[1] = t return t",
	"return redis.call('ping')", "return redis.pcall('ping')", "return redis.sha1hex('abc')",
	"return loadstring('return 1 + 1')()", "return pcall(error, {err='a'})", "return ((((1))))",
	"return #'abc' .. -2^2 .. (1 < 2 and 'y' or 'n')", "local a, b = 1 return a, b",
	"return math.random()", "math.randomseed(3) return math.random(10)", "return setmetatable({}, {__index=string}).upper('x')",
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzScriptSeeds {
		f.Add(s)
	}
	f.Add("if x then elseif y then else end while false do end repeat until true for i = 1, 2 do end for k, v in pairs({}) do end")
	f.Add("local function f(a, ...) return ... end function t.a.b:c(x) return self end")
	f.Add("return [==[long]==] --[[ comment ]] .. 'a\\065\\z'")
	f.Fuzz(func(t *testing.T, src string) {
		proto, err := compileLua(src, evalChunk, 0)
		if err == nil && proto == nil {
			t.Fatal("no proto and no error")
		}
		var ce *luaCompileError
		if err != nil && !errors.As(err, &ce) && !strings.HasPrefix(err.Error(), evalChunk+":") {
			t.Fatalf("unexpected error form %q", err)
		}
	})
}

// FuzzRunScript runs scripts without loops or functions (so that they
// finish and stay small) in a bare EVAL environment and converts their
// results to replies in both protocols.
func FuzzRunScript(f *testing.F) {
	for _, s := range fuzzScriptSeeds {
		f.Add(s)
	}
	e := &Engine{scripts: map[string]*script{}, functions: newLibSet()}
	env := newLuaEnv(e, false)
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 400 {
			return
		}
		for _, w := range []string{"while", "repeat", "for", "function", "rep", "load", "gsub", "..", "setmetatable", "goto"} {
			if strings.Contains(src, w) {
				return
			}
		}
		proto, err := compileLua(src, evalChunk, 0)
		if err != nil {
			return
		}
		L := env.L
		fn := L.NewFunctionFromProto(proto)
		fn.Env = env.env
		env.globals.RawSetString("KEYS", L.NewTable())
		env.globals.RawSetString("ARGV", L.NewTable())
		checks := 0
		env.hook.start(func() error {
			checks++
			if checks > 64 {
				return errKilled
			}
			return nil
		})
		defer env.hook.stop()
		L.Push(fn)
		if err := L.PCall(0, 1, env.handler); err != nil {
			return
		}
		ret := L.Get(-1)
		L.Pop(1)
		for _, proto := range []int{2, 3} {
			w := resp.NewWriter(proto)
			luaToReply(w, ret, proto)
			if len(w.Bytes()) == 0 {
				t.Fatalf("empty reply for %q", src)
			}
		}
	})
}
