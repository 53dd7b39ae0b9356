package scripting

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// FUNCTION and FCALL.

// library is one function library: its code (shebang line included, as
// loaded) and the functions it registered.
type library struct {
	name      string
	code      string
	functions map[string]*libFunction // by exact name
	order     []*libFunction          // registration order
}

type libFunction struct {
	name    string
	desc    string
	hasDesc bool
	fn      *lua.LFunction
	flags   scriptFlags
	lib     *library
}

// loadCtx is the state of a library being loaded.
type loadCtx struct {
	lib *library
}

// libSet is a set of libraries with the index of their functions (function
// names are unique across libraries, compared without case).
type libSet struct {
	libs map[string]*library
	fns  map[string]*libFunction
}

func newLibSet() *libSet {
	return &libSet{libs: map[string]*library{}, fns: map[string]*libFunction{}}
}

func (ls *libSet) link(lib *library) {
	ls.libs[lib.name] = lib
	for _, f := range lib.order {
		ls.fns[strings.ToLower(f.name)] = f
	}
}

func (ls *libSet) unlink(lib *library) {
	delete(ls.libs, lib.name)
	for _, f := range lib.order {
		delete(ls.fns, strings.ToLower(f.name))
	}
}

// sorted returns the libraries in name order (Redis lists them in hash
// table order, which is arbitrary).
func (ls *libSet) sorted() []*library {
	out := make([]*library, 0, len(ls.libs))
	for _, l := range ls.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// loadTimeout is FUNCTION LOAD's limit on the time a library's top-level
// code may run.
const loadTimeout = 500 * time.Millisecond

const errBadLibName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// libraryMeta parses the "#!<engine> name=<name>" line of library code.
// body is the code after the line (starting with its newline).
func libraryMeta(code string) (engine, name, body, errText string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "", "Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "", "Invalid library metadata"
	}
	parts, err := resp.SplitArgs([]byte(code[:end]), nil)
	if err != nil || len(parts) == 0 {
		return "", "", "", "Invalid library metadata"
	}
	engine = cstr(string(parts[0][2:]))
	named := false
	for _, p := range parts[1:] {
		part := string(p)
		if len(part) >= 5 && strings.EqualFold(part[:5], "name=") {
			if named {
				return "", "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name, named = part[5:], true
			continue
		}
		return "", "", "", "Invalid metadata value given: " + cstr(part)
	}
	if !named {
		return "", "", "", "Library name was not given"
	}
	return engine, name, code[end:], ""
}

// createLibrary loads code into set (functionsCreateWithLibraryCtx). It
// returns the library name, or the error text (without code).
func (e *Engine) createLibrary(set *libSet, code string, replace bool, timeout time.Duration) (string, string) {
	engine, name, body, errText := libraryMeta(code)
	if errText != "" {
		return "", errText
	}
	if !validName(name) {
		return "", errBadLibName
	}
	if !strings.EqualFold(engine, "LUA") {
		return "", "Engine '" + engine + "' not found"
	}
	old := set.libs[name]
	if old != nil && !replace {
		return "", "Library '" + name + "' already exists"
	}
	if old != nil {
		set.unlink(old)
	}
	lib, errText := e.fn.loadLibrary(name, code, body, timeout)
	if errText == "" && len(lib.order) == 0 {
		errText = "No functions registered"
	}
	if errText == "" {
		for _, f := range lib.order {
			if set.fns[strings.ToLower(f.name)] != nil {
				errText = "Function " + f.name + " already exists"
				break
			}
		}
	}
	if errText != "" {
		if old != nil {
			set.link(old)
		}
		return "", errText
	}
	set.link(lib)
	return name, ""
}

// loadLibrary compiles and runs a library's code with the load-time API,
// collecting the functions it registers.
func (env *luaEnv) loadLibrary(name, code, body string, timeout time.Duration) (*library, string) {
	proto, err := compileLua(body, functionChunk, 0)
	if err != nil {
		return nil, "Error compiling function: " + err.Error()
	}
	L := env.L
	lib := &library{name: name, code: code, functions: map[string]*libFunction{}}
	env.load = &loadCtx{lib: lib}
	defer func() { env.load = nil }()
	fn := L.NewFunctionFromProto(proto)
	fn.Env = env.env
	start := time.Now()
	if timeout > 0 {
		env.hook.start(func() error {
			if time.Since(start) > timeout {
				return errLoadTimeout
			}
			return nil
		})
		defer env.hook.stop()
	}
	var perr error
	env.withLibraryAPI(func() {
		L.Push(fn)
		perr = L.PCall(0, 0, env.msgh)
	})
	if perr != nil {
		msg := ""
		var obj lua.LValue = lua.LString(perr.Error())
		var aerr *lua.ApiError
		if errors.As(perr, &aerr) {
			obj = aerr.Object
		}
		if stop := env.hook.stopped(); stop != nil {
			obj = errorTable(L, stop.Error(), false)
		}
		switch v := obj.(type) {
		case lua.LString:
			msg = "ERR " + luaMessage(string(v))
		case lua.LNumber:
			msg = "ERR " + fmtNumber(float64(v))
		case *lua.LTable:
			if s, ok := luaString(v.RawGetString("err")); ok {
				msg = s
			}
		}
		return nil, "Error registering functions: " + msg
	}
	return lib, ""
}

// registerFunction is redis.register_function, available while a library
// loads.
func (env *luaEnv) registerFunction(L *lua.LState) int {
	ld := env.load
	if ld == nil {
		raise(L, errorTable(L, "redis.register_function can only be called on FUNCTION LOAD command", false))
	}
	fail := func(msg string) { raise(L, errorTable(L, msg, false)) }
	argc := L.GetTop()
	if argc < 1 || argc > 2 {
		fail("wrong number of arguments to redis.register_function")
	}
	var (
		name, desc       string
		hasName, hasDesc bool
		callback         *lua.LFunction
		flags            scriptFlags
	)
	if argc == 1 {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			fail("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		k, v := t.Next(lua.LNil)
		for k != lua.LNil {
			key, ok := luaString(k)
			if !ok {
				fail("named argument key given to redis.register_function is not a string")
			}
			switch strings.ToLower(key) {
			case "function_name":
				if name, hasName = luaStringRaw(v); !hasName {
					fail("function_name argument given to redis.register_function must be a string")
				}
			case "description":
				if desc, hasDesc = luaStringRaw(v); !hasDesc {
					fail("description argument given to redis.register_function must be a string")
				}
			case "callback":
				f, ok := v.(*lua.LFunction)
				if !ok {
					fail("callback argument given to redis.register_function must be a function")
				}
				callback = f
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					fail("flags argument to redis.register_function must be a table representing function flags")
				}
				var okFlags bool
				flags, okFlags = readFunctionFlags(ft)
				if !okFlags {
					fail("unknown flag given")
				}
			default:
				fail("unknown argument given to redis.register_function")
			}
			k, v = t.Next(k)
		}
		if !hasName {
			fail("redis.register_function must get a function name argument")
		}
		if callback == nil {
			fail("redis.register_function must get a callback argument")
		}
	} else {
		var ok bool
		if name, ok = luaStringRaw(L.Get(1)); !ok {
			fail("first argument to redis.register_function must be a string")
		}
		f, isFn := L.Get(2).(*lua.LFunction)
		if !isFn {
			fail("second argument to redis.register_function must be a function")
		}
		callback = f
	}
	if !validName(name) {
		fail(errBadLibName)
	}
	lib := ld.lib
	if lib.functions[name] != nil {
		fail("Function already exists in the library")
	}
	f := &libFunction{name: name, desc: desc, hasDesc: hasDesc, fn: callback, flags: flags, lib: lib}
	lib.functions[name] = f
	lib.order = append(lib.order, f)
	return 0
}

// luaStringRaw is lua_isstring + lua_tolstring without the C string cut.
func luaStringRaw(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return fmtNumber(float64(v)), true
	}
	return "", false
}

func readFunctionFlags(t *lua.LTable) (scriptFlags, bool) {
	var flags scriptFlags
	for j := 1; ; j++ {
		v := t.RawGetInt(j)
		if v == lua.LNil {
			return flags, true
		}
		s, ok := luaString(v)
		if !ok {
			return 0, false
		}
		found := false
		for _, f := range scriptFlagNames {
			if strings.EqualFold(s, f.name) {
				flags |= f.flag
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
}

func (e *Engine) cmdFunctionLoad(ctx *command.Ctx) {
	replace := false
	pos := 2
	for pos < len(ctx.Args)-1 {
		if ctx.Is(pos, "replace") {
			replace = true
			pos++
			continue
		}
		ctx.Error("ERR Unknown option given: " + cstr(string(ctx.Args[pos])))
		return
	}
	if pos >= len(ctx.Args) {
		ctx.Error("ERR Function code is missing")
		return
	}
	name, errText := e.createLibrary(e.libs(), string(ctx.Args[pos]), replace, loadTimeout)
	if errText != "" {
		ctx.Error("ERR " + errText)
		return
	}
	ctx.Dirty(1)
	ctx.W.BulkString(name)
}

func (e *Engine) cmdFunctionDelete(ctx *command.Ctx) {
	set := e.libs()
	lib := set.libs[string(ctx.Args[2])]
	if lib == nil {
		ctx.Error("ERR Library not found")
		return
	}
	set.unlink(lib)
	ctx.Dirty(1)
	ctx.W.OK()
}

func (e *Engine) cmdFunctionFlush(ctx *command.Ctx) {
	switch {
	case len(ctx.Args) > 3:
		subcommandSyntaxError(ctx)
		return
	case len(ctx.Args) == 2:
	case ctx.Is(2, "sync"), ctx.Is(2, "async"):
	default:
		ctx.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	e.FlushFunctions()
	ctx.Dirty(1)
	ctx.W.OK()
}

// FlushFunctions deletes every library (FUNCTION FLUSH).
func (e *Engine) FlushFunctions() {
	e.functions = newLibSet()
}

// FlushLibraries implements server.Scripting.
func (e *Engine) FlushLibraries() { e.FlushFunctions() }

func subcommandSyntaxError(ctx *command.Ctx) {
	ctx.Error("ERR unknown subcommand or wrong number of arguments for '" + cstr(string(ctx.Args[1])) +
		"'. Try " + strings.ToUpper(string(ctx.Args[0])) + " HELP.")
}

func (e *Engine) cmdFunctionList(ctx *command.Ctx) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(ctx.Args); i++ {
		if !withCode && ctx.Is(i, "withcode") {
			withCode = true
			continue
		}
		if !hasPattern && ctx.Is(i, "libraryname") {
			if i >= len(ctx.Args)-1 {
				ctx.Error("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = ctx.Args[i], true
			continue
		}
		ctx.Error("ERR Unknown argument " + cstr(string(ctx.Args[i])))
		return
	}
	var libs []*library
	for _, lib := range e.libs().sorted() {
		if hasPattern && !keyspace.Match(pattern, []byte(lib.name), true) {
			continue
		}
		libs = append(libs, lib)
	}
	w := ctx.W
	w.ArrayLen(len(libs))
	for _, lib := range libs {
		if withCode {
			w.MapLen(4)
		} else {
			w.MapLen(3)
		}
		w.BulkString("library_name")
		w.BulkString(lib.name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		w.ArrayLen(len(lib.order))
		for _, f := range lib.order {
			w.MapLen(3)
			w.BulkString("name")
			w.BulkString(f.name)
			w.BulkString("description")
			if f.hasDesc {
				w.BulkString(f.desc)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			n := 0
			for _, fl := range scriptFlagNames {
				if f.flags.has(fl.flag) {
					n++
				}
			}
			w.SetLen(n)
			for _, fl := range scriptFlagNames {
				if f.flags.has(fl.flag) {
					w.Status(fl.name)
				}
			}
		}
		if withCode {
			w.BulkString("library_code")
			w.BulkString(lib.code)
		}
	}
}

func (e *Engine) cmdFunctionDump(ctx *command.Ctx) {
	ctx.W.Bulk(e.dumpPayload())
}

func (e *Engine) cmdFunctionRestore(ctx *command.Ctx) {
	if len(ctx.Args) > 4 {
		subcommandSyntaxError(ctx)
		return
	}
	policy := "append"
	if len(ctx.Args) == 4 {
		switch {
		case ctx.Is(3, "append"):
		case ctx.Is(3, "replace"):
			policy = "replace"
		case ctx.Is(3, "flush"):
			policy = "flush"
		default:
			ctx.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	codes, errText := parsePayload(ctx.Args[2])
	if errText != "" {
		ctx.Error("ERR " + errText)
		return
	}
	if errText := e.restore(codes, policy); errText != "" {
		ctx.Error("ERR " + errText)
		return
	}
	ctx.Dirty(1)
	ctx.W.OK()
}

// restore loads library codes into a fresh set, then merges it with the
// current libraries according to policy ("append", "replace", "flush").
func (e *Engine) restore(codes []string, policy string) string {
	fresh := newLibSet()
	for _, code := range codes {
		if _, errText := e.createLibrary(fresh, code, false, 0); errText != "" {
			return errText
		}
	}
	if policy == "flush" {
		e.functions = fresh
		return ""
	}
	cur := e.libs()
	replace := policy == "replace"
	var replaced []*library
	undo := func() {
		for _, old := range replaced {
			cur.link(old)
		}
	}
	for _, lib := range fresh.sorted() {
		if old := cur.libs[lib.name]; old != nil {
			if !replace {
				undo()
				return "Library " + lib.name + " already exists"
			}
			cur.unlink(old)
			replaced = append(replaced, old)
		}
	}
	for _, lib := range fresh.sorted() {
		for _, f := range lib.order {
			if cur.fns[strings.ToLower(f.name)] != nil {
				undo()
				return "Function " + f.name + " already exists"
			}
		}
	}
	for _, lib := range fresh.sorted() {
		cur.link(lib)
	}
	return ""
}

func (e *Engine) cmdFunctionStats(ctx *command.Ctx) {
	if r := e.running; r != nil && r.eval {
		ctx.Error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
		return
	}
	w := ctx.W
	w.MapLen(2)
	w.BulkString("running_script")
	if r := e.running; r == nil {
		w.Null()
	} else {
		w.MapLen(3)
		w.BulkString("name")
		w.BulkString(r.name)
		w.BulkString("command")
		w.BulkArray(r.args)
		w.BulkString("duration_ms")
		w.Int(time.Since(r.start).Milliseconds())
	}
	set := e.libs()
	w.BulkString("engines")
	w.MapLen(1)
	w.BulkString("LUA")
	w.MapLen(2)
	w.BulkString("libraries_count")
	w.Int(int64(len(set.libs)))
	w.BulkString("functions_count")
	w.Int(int64(len(set.fns)))
}

func (e *Engine) cmdFunctionKill(ctx *command.Ctx) { e.kill(ctx, true) }

var functionHelp = []string{
	"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"LOAD [REPLACE] <FUNCTION CODE>",
	"    Create a new library with the given library name and code.",
	"DELETE <LIBRARY NAME>",
	"    Delete the given library.",
	"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
	"    Return general information on all the libraries:",
	"    * Library name",
	"    * The engine used to run the Library",
	"    * Library description",
	"    * Functions list",
	"    * Library code (if WITHCODE is given)",
	"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
	"STATS",
	"    Return information about the current function running:",
	"    * Function name",
	"    * Command used to run the function",
	"    * Duration in MS that the function is running",
	"    If no function is running, return nil",
	"    In addition, returns a list of available engines.",
	"KILL",
	"    Kill the current running function.",
	"FLUSH [ASYNC|SYNC]",
	"    Delete all the libraries.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the libraries.",
	"    * SYNC: Synchronously flush the libraries.",
	"DUMP",
	"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
	"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
	"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
	"    control how to handle existing libraries (default APPEND):",
	"    * FLUSH: delete all existing libraries.",
	"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
	"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
	"      libraries with the new libraries (notice that even on this option there is a chance of failure",
	"      in case of functions name collision with another library).",
	"HELP",
	"    Prints this help.",
}

func (e *Engine) cmdFunctionHelp(ctx *command.Ctx) { writeHelp(ctx, functionHelp) }

func (e *Engine) cmdFcall(ctx *command.Ctx, ro bool) {
	e.srv.FeedMonitors(ctx)
	f := e.libs().fns[strings.ToLower(string(ctx.Args[1]))]
	if f == nil {
		ctx.Error("ERR Function not found")
		return
	}
	numkeys, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error("ERR Bad number of keys provided")
		return
	}
	if numkeys > int64(len(ctx.Args)-3) {
		ctx.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	if numkeys < 0 {
		ctx.Error("ERR Number of keys can't be negative")
		return
	}
	if !e.prepareRun(ctx, f.flags, ro) {
		return
	}
	keys := ctx.Args[3 : 3+numkeys]
	args := ctx.Args[3+numkeys:]
	e.callScript(ctx, e.fn, f.fn, f.name, f.flags, ro, keys, args)
}

// Libraries returns the code of every library, for RDB files and AOF
// rewrites (server.Scripting).
func (e *Engine) Libraries() []string {
	libs := e.libs().sorted()
	out := make([]string, len(libs))
	for i, l := range libs {
		out[i] = l.code
	}
	return out
}

// LoadLibrary loads one library from an RDB file or AOF: like FUNCTION
// LOAD, without the time limit. replace allows overwriting a library of
// the same name.
func (e *Engine) LoadLibrary(code string, replace bool) error {
	if _, errText := e.createLibrary(e.libs(), code, replace, 0); errText != "" {
		return errors.New(errText)
	}
	return nil
}
