package scripting

import (
	"errors"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// compileLua compiles a chunk with Lua 5.1's grammar and messages. name
// is the chunk's short name as messages show it ("user_script", or
// [string "..."]); level is the syntactic nesting already in use.
func compileLua(src, name string, level int) (*lua.FunctionProto, error) {
	chunk, err := parseLua(src, name, level)
	if err != nil {
		return nil, err
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		var ce *lua.CompileError
		if errors.As(err, &ce) {
			msg := ce.Message
			if strings.Contains(msg, "register overflow") {
				msg = "function or expression too complex"
			}
			return nil, errors.New(name + ":" + itoa(ce.Line) + ": " + msg)
		}
		return nil, err
	}
	// gopher-lua gives every vararg function Lua 5.0's implicit "arg"
	// table, built at each call. Lua 5.1 never gives one to a main chunk,
	// and a chunk runs at every EVAL: drop it.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, nil
}
