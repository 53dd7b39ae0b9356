package scripting

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/server"
	lua "github.com/yuin/gopher-lua"
)

// The redis.* API available to scripts.

// runCtx is the state of one script execution.
type runCtx struct {
	run  *server.ScriptRun
	resp int // protocol of redis.call replies (redis.setresp)
	// Scratch space for the arguments of redis.call, reused across calls.
	argv  [][]byte
	arena []byte
	offs  []int
}

// Log levels and replication flags, with Redis's values.
const (
	logDebug   = 0
	logVerbose = 1
	logNotice  = 2
	logWarning = 3

	replNone = 0
	replAOF  = 1
	replRepl = 2
	replAll  = replAOF | replRepl
)

// versionNum is REDIS_VERSION_NUM for the version we answer as.
var versionNum = func() int {
	parts := strings.Split(server.Version, ".")
	n := 0
	for _, p := range parts {
		v := 0
		for _, c := range p {
			if c >= '0' && c <= '9' {
				v = v*10 + int(c-'0')
			}
		}
		n = n<<8 | v
	}
	return n
}()

func registerVersion(r *lua.LTable) {
	r.RawSetString("REDIS_VERSION_NUM", lua.LNumber(versionNum))
	r.RawSetString("REDIS_VERSION", lua.LString(server.Version))
}

func (env *luaEnv) registerLog(r *lua.LTable) {
	r.RawSetString("log", env.L.NewFunction(env.redisLog))
	r.RawSetString("LOG_DEBUG", lua.LNumber(logDebug))
	r.RawSetString("LOG_VERBOSE", lua.LNumber(logVerbose))
	r.RawSetString("LOG_NOTICE", lua.LNumber(logNotice))
	r.RawSetString("LOG_WARNING", lua.LNumber(logWarning))
}

func (env *luaEnv) installRedisAPI() {
	L := env.L
	r := L.NewTable()
	fn := func(name string, f lua.LGFunction) { r.RawSetString(name, L.NewFunction(f)) }
	fn("call", func(L *lua.LState) int { return env.redisCall(L, true) })
	fn("pcall", func(L *lua.LState) int { return env.redisCall(L, false) })
	env.registerLog(r)
	registerVersion(r)
	fn("setresp", env.redisSetresp)
	fn("sha1hex", redisSha1hex)
	fn("error_reply", redisErrorReply)
	fn("status_reply", redisStatusReply)
	fn("set_repl", env.redisSetRepl)
	r.RawSetString("REPL_NONE", lua.LNumber(replNone))
	r.RawSetString("REPL_AOF", lua.LNumber(replAOF))
	r.RawSetString("REPL_SLAVE", lua.LNumber(replRepl))
	r.RawSetString("REPL_REPLICA", lua.LNumber(replRepl))
	r.RawSetString("REPL_ALL", lua.LNumber(replAll))
	fn("acl_check_cmd", env.redisACLCheckCmd)
	if !env.funcs {
		// EVAL only: the debugger hooks (inactive) and the pre-7.0 switch
		// to effects replication, which is now always on.
		fn("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
		fn("debug", func(L *lua.LState) int { return 0 })
		fn("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	}
	env.globals.RawSetString("redis", r)
}

// raise raises a Redis error table.
func raise(L *lua.LState, t *lua.LTable) {
	L.Error(t, 0)
}

// redisCall is redis.call (raise=true) and redis.pcall.
func (env *luaEnv) redisCall(L *lua.LState, raiseErrors bool) int {
	rc := env.cur
	if rc == nil {
		raise(L, errorTable(L, "redis.call/pcall can only be called inside a script invocation", false))
	}
	argc := L.GetTop()
	if argc == 0 {
		t := errorTable(L, "Please specify at least one argument for this redis lib call", false)
		if raiseErrors {
			raise(L, t)
		}
		L.Push(t)
		return 1
	}
	argv, ok := rc.args(L, argc)
	if !ok {
		t := errorTable(L, "Lua redis lib command arguments must be strings or integers", false)
		if raiseErrors {
			raise(L, t)
		}
		L.Push(t)
		return 1
	}
	reply, errText := rc.run.Call(argv, rc.resp)
	if errText != "" {
		t := errorTable(L, serverError(errText), true)
		if raiseErrors {
			raise(L, t)
		}
		L.Push(t)
		return 1
	}
	v, ok := replyToLua(L, reply)
	if !ok {
		v = errorTable(L, "ERR internal error: malformed reply", true)
	}
	if raiseErrors && len(reply) > 0 && reply[0] == '-' {
		if t, ok := v.(*lua.LTable); ok {
			raise(L, t)
		}
	}
	L.Push(v)
	return 1
}

// args converts the arguments of redis.call: strings as they are, numbers
// with %.17g (not Lua's %.14g, which loses precision), anything else is an
// error.
func (rc *runCtx) args(L *lua.LState, argc int) ([][]byte, bool) {
	rc.arena = rc.arena[:0]
	rc.offs = rc.offs[:0]
	for i := 1; i <= argc; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			rc.arena = append(rc.arena, v...)
		case lua.LNumber:
			rc.arena = appendG(rc.arena, float64(v), 17)
		default:
			return nil, false
		}
		rc.offs = append(rc.offs, len(rc.arena))
	}
	rc.argv = rc.argv[:0]
	start := 0
	for _, end := range rc.offs {
		rc.argv = append(rc.argv, rc.arena[start:end:end])
		start = end
	}
	return rc.argv, true
}

func (env *luaEnv) redisLog(L *lua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		raise(L, errorTable(L, "redis.log() requires two arguments or more.", false))
	}
	lv, ok := L.Get(1).(lua.LNumber)
	if !ok {
		if s, isStr := L.Get(1).(lua.LString); isStr {
			if f, ok2 := str2number(string(s)); ok2 {
				lv, ok = lua.LNumber(f), true
			}
		}
	}
	if !ok {
		raise(L, errorTable(L, "First argument must be a number (log level).", false))
	}
	level := int(lv)
	if level < logDebug || level > logWarning {
		raise(L, errorTable(L, "Invalid debug level.", false))
	}
	var b strings.Builder
	for j := 2; j <= argc; j++ {
		var s string
		switch v := L.Get(j).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = fmtNumber(float64(v))
		default:
			continue
		}
		if j != 2 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if env.e.srv == nil {
		return 0 // a bare engine (tests): no log
	}
	log := env.e.srv.Log()
	msg := b.String()
	switch level {
	case logDebug:
		log.Debugf("%s", msg)
	case logVerbose:
		log.Verbosef("%s", msg)
	case logNotice:
		log.Noticef("%s", msg)
	default:
		log.Warningf("%s", msg)
	}
	return 0
}

func (env *luaEnv) redisSetresp(L *lua.LState) int {
	rc := env.cur
	if rc == nil {
		raise(L, errorTable(L, "redis.setresp can only be called inside a script invocation", false))
	}
	if L.GetTop() != 1 {
		raise(L, errorTable(L, "redis.setresp() requires one argument.", false))
	}
	n := int(luaToNumber(L.Get(1)))
	if n != 2 && n != 3 {
		raise(L, errorTable(L, "RESP version must be 2 or 3.", false))
	}
	rc.resp = n
	return 0
}

// luaToNumber is lua_tonumber: numbers and numeric strings, 0 otherwise.
func luaToNumber(v lua.LValue) float64 {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := str2number(string(v)); ok {
			return f
		}
	}
	return 0
}

func redisSha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, errorTable(L, "wrong number of arguments", false))
	}
	var s string
	switch v := L.Get(1).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		s = fmtNumber(float64(v))
	}
	L.Push(lua.LString(sha1hex(s)))
	return 1
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// redisErrorReply is redis.error_reply: the error table for a message,
// with ERR added when the message has no code.
func redisErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments", false))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errorTable(L, msg, false))
	return 1
}

func redisStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments", false))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

// redisSetRepl is redis.set_repl. Effects always propagate as one
// MULTI/EXEC block here; the flags are validated as Redis does and
// otherwise accepted.
func (env *luaEnv) redisSetRepl(L *lua.LState) int {
	if env.cur == nil {
		raise(L, errorTable(L, "redis.set_repl can only be called inside a script invocation", false))
	}
	if L.GetTop() != 1 {
		raise(L, errorTable(L, "redis.set_repl() requires two arguments.", false))
	}
	flags := int(int32(cLong(luaToNumber(L.Get(1)))))
	if flags&^replAll != 0 {
		raise(L, errorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.", false))
	}
	return 0
}

// redisACLCheckCmd is redis.acl_check_cmd: whether the caller may run the
// given command (the checks registered for scripts, ACL among them).
func (env *luaEnv) redisACLCheckCmd(L *lua.LState) int {
	rc := env.cur
	if rc == nil {
		raise(L, errorTable(L, "redis.acl_check_cmd can only be called inside a script invocation", false))
	}
	argc := L.GetTop()
	if argc == 0 {
		raise(L, errorTable(L, "Please specify at least one argument for this redis lib call", false))
	}
	argv, ok := rc.args(L, argc)
	if !ok {
		raise(L, errorTable(L, "Lua redis lib command arguments must be strings or integers", false))
	}
	known, allowed := rc.run.Permitted(argv)
	if !known {
		raise(L, errorTable(L, "Invalid command passed to redis.acl_check_cmd()", false))
	}
	L.Push(lua.LBool(allowed))
	return 1
}
