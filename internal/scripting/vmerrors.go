package scripting

import (
	"reflect"
	"regexp"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Runtime error messages in Lua 5.1's words. gopher-lua's interpreter
// reports type errors its own way ("attempt to index a non-table
// object(nil) with key 'x'", "cannot perform add operation between number
// and nil"); Lua names the variable involved ("attempt to index local 't'
// (a nil value)", "attempt to perform arithmetic on global 'x' (a nil
// value)"). When such an error reaches a handler, the failing instruction
// is still on the stack: the message is rebuilt the way Lua's ldebug.c
// builds it, by decoding that instruction and tracing which instruction
// last loaded the offending register (local, global, field, upvalue or
// method).
//
// The frame's program counter and registers are not part of gopher-lua's
// API; they are read by reflection. If gopher-lua's internals ever change
// shape, frameState fails and messages stay in gopher-lua's words (a test
// checks that the translation works with the version in go.mod).

// gopher-lua opcodes (Lua 5.1's, plus MOVEN, GETTABLEKS, SETTABLEKS, NOP).
const (
	opMove = iota
	opMoveN
	opLoadK
	opLoadBool
	opLoadNil
	opGetUpval
	opGetGlobal
	opGetTable
	opGetTableKS
	opSetGlobal
	opSetUpval
	opSetTable
	opSetTableKS
	opNewTable
	opSelf
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
	opUnm
	opNot
	opLen
	opConcat
	opJmp
	opEq
	opLt
	opLe
	opTest
	opTestSet
	opCall
	opTailCall
	opReturn
	opForLoop
	opForPrep
	opTForLoop
	opSetList
	opClose
	opClosure
	opVararg
	opNop
)

const (
	bitRK      = 1 << 8
	maxArgSbx  = (1<<18 - 1) >> 1
	lastOpcode = opNop
)

func instOp(i uint32) int { return int(i >> 26) }
func instA(i uint32) int  { return int(i>>18) & 0xff }
func instB(i uint32) int  { return int(i & 0x1ff) }
func instC(i uint32) int  { return int(i>>9) & 0x1ff }
func instBx(i uint32) int { return int(i & 0x3ffff) }
func instSbx(i uint32) int {
	return instBx(i) - maxArgSbx
}

// setsA lists the opcodes that write register A.
func setsA(op int) bool {
	switch op {
	case opMove, opMoveN, opLoadK, opLoadBool, opLoadNil, opGetUpval, opGetGlobal, opGetTable,
		opGetTableKS, opNewTable, opSelf, opAdd, opSub, opMul, opDiv, opMod, opPow, opUnm, opNot,
		opLen, opConcat, opTestSet, opCall, opTailCall, opForLoop, opForPrep, opClosure, opVararg:
		return true
	}
	return false
}

// frameInfo is what the translation needs of the failing frame.
type frameInfo struct {
	proto *lua.FunctionProto
	pc    int // the failing instruction
	regs  []lua.LValue
	base  int
}

func (f *frameInfo) reg(r int) (lua.LValue, bool) {
	i := f.base + r
	if i < 0 || i >= len(f.regs) {
		return nil, false
	}
	v := f.regs[i]
	if v == nil {
		v = lua.LNil
	}
	return v, true
}

// readable returns a usable copy of a reflected field reached through
// unexported fields.
func readable(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// frameState reads the failing frame of dbg: its function, program
// counter and the registers.
func frameState(L *lua.LState, dbg *lua.Debug) (fi *frameInfo, ok bool) {
	defer func() {
		if recover() != nil {
			fi, ok = nil, false
		}
	}()
	fv := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !fv.IsValid() || fv.Kind() != reflect.Pointer || fv.IsNil() {
		return nil, false
	}
	frame := fv.Elem()
	pcF, baseF, fnF := frame.FieldByName("Pc"), frame.FieldByName("LocalBase"), frame.FieldByName("Fn")
	if !pcF.IsValid() || !baseF.IsValid() || !fnF.IsValid() {
		return nil, false
	}
	fn, _ := readable(fnF).Interface().(*lua.LFunction)
	if fn == nil || fn.IsG || fn.Proto == nil {
		return nil, false
	}
	rv := reflect.ValueOf(L).Elem().FieldByName("reg")
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, false
	}
	arr := rv.Elem().FieldByName("array")
	if !arr.IsValid() {
		return nil, false
	}
	regs, _ := readable(arr).Interface().([]lua.LValue)
	pc := int(pcF.Int()) - 1
	if pc < 0 || pc >= len(fn.Proto.Code) {
		return nil, false
	}
	return &frameInfo{proto: fn.Proto, pc: pc, regs: regs, base: int(baseF.Int())}, true
}

// localName is luaF_getlocalname: the n-th local active at pc.
func localName(p *lua.FunctionProto, n, pc int) string {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc <= l.EndPc {
			n--
			if n == 0 {
				return l.Name
			}
		}
	}
	return ""
}

// symbexec returns the last instruction before lastpc that wrote reg,
// following forward jumps as Lua's symbolic execution does.
func symbexec(p *lua.FunctionProto, lastpc, reg int) (uint32, bool) {
	code := p.Code
	last := -1
	for pc := 0; pc < lastpc && pc < len(code); pc++ {
		i := code[pc]
		op := instOp(i)
		if op > lastOpcode {
			return 0, false
		}
		a := instA(i)
		if setsA(op) && a == reg {
			last = pc
		}
		switch op {
		case opLoadNil:
			if a <= reg && reg <= instB(i) {
				last = pc
			}
		case opSelf:
			if reg == a+1 {
				last = pc
			}
		case opTForLoop:
			if reg >= a+2 {
				last = pc
			}
		case opCall, opTailCall:
			if reg >= a {
				last = pc
			}
		case opJmp, opForLoop, opForPrep:
			dest := pc + 1 + instSbx(i)
			if pc < dest && dest <= lastpc {
				pc += instSbx(i)
			}
		case opClosure:
			// The pseudo-instructions that follow pass upvalues.
			if idx := instBx(i); idx < len(p.FunctionPrototypes) {
				pc += int(p.FunctionPrototypes[idx].NumUpvalues)
			}
		}
	}
	if last < 0 {
		return 0, false
	}
	return code[last], true
}

func constName(p *lua.FunctionProto, rk int) string {
	if rk&bitRK != 0 {
		if k := rk &^ bitRK; k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// objName is getobjname: how Lua names the value in register reg.
func objName(p *lua.FunctionProto, pc, reg int, depth int) (kind, name string) {
	if n := localName(p, reg+1, pc); n != "" {
		return "local", n
	}
	i, ok := symbexec(p, pc, reg)
	if !ok || depth > 16 {
		return "", ""
	}
	switch instOp(i) {
	case opGetGlobal:
		if k := instBx(i); k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return "global", string(s)
			}
		}
	case opMove, opMoveN:
		if a, b := instA(i), instB(i); b < a {
			return objName(p, pc, b, depth+1)
		}
	case opGetTable, opGetTableKS:
		return "field", constName(p, instC(i))
	case opGetUpval:
		if u := instB(i); u < len(p.DbgUpvalues) {
			return "upvalue", p.DbgUpvalues[u]
		}
		return "upvalue", "?"
	case opSelf:
		return "method", constName(p, instC(i))
	}
	return "", ""
}

// typeError is luaG_typeerror for the value in register reg (isReg false
// for a constant, which Lua never names).
func (f *frameInfo) typeError(op string, reg int, isReg bool, typ string) string {
	if isReg {
		if kind, name := objName(f.proto, f.pc, reg, 0); kind != "" {
			return "attempt to " + op + " " + kind + " '" + name + "' (a " + typ + " value)"
		}
	}
	return "attempt to " + op + " a " + typ + " value"
}

// rk returns the value of an RK operand and whether it is a register.
func (f *frameInfo) rk(x int) (lua.LValue, bool) {
	if x&bitRK != 0 {
		if k := x &^ bitRK; k < len(f.proto.Constants) {
			return f.proto.Constants[k], false
		}
		return lua.LNil, false
	}
	v, _ := f.reg(x)
	return v, true
}

func isNumberish(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, ok := str2number(string(v))
		return ok
	}
	return false
}

func isStringish(v lua.LValue) bool {
	switch v.(type) {
	case lua.LNumber, lua.LString:
		return true
	}
	return false
}

var (
	reIndex   = regexp.MustCompile(`^attempt to index a non-table object\((\w+)\) with key '.*'$`)
	reArith   = regexp.MustCompile(`^cannot perform (\w+) operation between (\w+) and (\w+)$`)
	reCompare = regexp.MustCompile(`^attempt to compare (\w+) with (\w+)$`)
)

// translateRuntimeError rewrites a runtime error message raised by the
// interpreter in the frame dbg (level 1 of the handler) into Lua 5.1's.
func translateRuntimeError(L *lua.LState, dbg *lua.Debug, msg string) string {
	prefix, body := splitPosition(msg)
	switch {
	case body == "for statement init must be a number":
		return prefix + "'for' initial value must be a number"
	case body == "for statement limit must be a number":
		return prefix + "'for' limit must be a number"
	case body == "for statement step must be a number":
		return prefix + "'for' step must be a number"
	}
	if m := reCompare.FindStringSubmatch(body); m != nil {
		if len(m[1]) > 2 && len(m[2]) > 2 && m[1][2] == m[2][2] {
			return prefix + "attempt to compare two " + m[1] + " values"
		}
		return msg
	}
	if !strings.HasPrefix(body, "attempt to index a non-table object(") &&
		!strings.HasPrefix(body, "cannot perform ") && body != "__unm undefined" &&
		body != "__len undefined" && body != "attempt to call a non-function object" {
		return msg
	}
	f, ok := frameState(L, dbg)
	if !ok {
		return msg
	}
	i := f.proto.Code[f.pc]
	op := instOp(i)
	var out string
	switch {
	case reIndex.MatchString(body):
		typ := reIndex.FindStringSubmatch(body)[1]
		var reg int
		switch op {
		case opGetTable, opGetTableKS, opSelf:
			reg = instB(i)
		case opSetTable, opSetTableKS:
			reg = instA(i)
		default:
			return msg
		}
		// Through __index chains the failing object may not be the
		// register's value; Lua then names nothing.
		if v, ok := f.reg(reg); ok && typeName(v) == typ {
			out = f.typeError("index", reg, true, typ)
		} else {
			out = "attempt to index a " + typ + " value"
		}
	case strings.HasPrefix(body, "cannot perform concat operation"):
		if op != opConcat {
			return msg
		}
		b, c := instB(i), instC(i)
		// Lua concatenates from the right; the first pair with a value
		// that is neither string nor number fails.
		culprit := -1
		if v, _ := f.reg(c - 1); !isStringish(v) {
			culprit = c - 1
		} else if v, _ := f.reg(c); !isStringish(v) {
			culprit = c
		} else {
			for r := c - 2; r >= b; r-- {
				if v, _ := f.reg(r); !isStringish(v) {
					culprit = r
					break
				}
			}
		}
		if culprit < 0 {
			return msg
		}
		v, _ := f.reg(culprit)
		out = f.typeError("concatenate", culprit, true, typeName(v))
	case reArith.MatchString(body):
		if op < opAdd || op > opPow {
			return msg
		}
		lhs, lreg := f.rk(instB(i))
		rhs, rreg := f.rk(instC(i))
		if !isNumberish(lhs) {
			out = f.typeError("perform arithmetic on", instB(i), lreg, typeName(lhs))
		} else {
			out = f.typeError("perform arithmetic on", instC(i), rreg, typeName(rhs))
		}
	case body == "__unm undefined":
		if op != opUnm {
			return msg
		}
		v, isReg := f.rk(instB(i))
		out = f.typeError("perform arithmetic on", instB(i), isReg, typeName(v))
	case body == "__len undefined":
		if op != opLen {
			return msg
		}
		v, isReg := f.rk(instB(i))
		out = f.typeError("get length of", instB(i), isReg, typeName(v))
	case body == "attempt to call a non-function object":
		switch op {
		case opCall, opTailCall:
			v, _ := f.reg(instA(i))
			out = f.typeError("call", instA(i), true, typeName(v))
		case opTForLoop:
			v, _ := f.reg(instA(i))
			out = "attempt to call a " + typeName(v) + " value"
		default:
			return msg
		}
	default:
		return msg
	}
	return prefix + out
}

// splitPosition separates the "chunk:line: " prefix of a message.
func splitPosition(msg string) (prefix, body string) {
	// The chunk name may contain colons ([string "a:b"]); the position is
	// the first ":<digits>: " sequence.
	for i := 0; i < len(msg); i++ {
		if msg[i] != ':' {
			continue
		}
		j := i + 1
		for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			j++
		}
		if j > i+1 && j+1 < len(msg) && msg[j] == ':' && msg[j+1] == ' ' {
			return msg[:j+2], msg[j+2:]
		}
	}
	return "", msg
}

var reGotNil = regexp.MustCompile(`^(bad argument #(\d+) to \S+ \(.* expected, got )nil\)$`)

// noValue rewrites "got nil" into Lua's "got no value" when the argument
// was missing altogether: gopher-lua does not tell the two apart. dbg is
// the library function's frame.
func noValue(dbg *lua.Debug, msg string) string {
	prefix, body := splitPosition(msg)
	m := reGotNil.FindStringSubmatch(body)
	if m == nil {
		return msg
	}
	nargs, ok := frameNArgs(dbg)
	if !ok {
		return msg
	}
	n := 0
	for _, c := range m[2] {
		n = n*10 + int(c-'0')
	}
	if n > nargs {
		return prefix + m[1] + "no value)"
	}
	return msg
}

func frameNArgs(dbg *lua.Debug) (n int, ok bool) {
	defer func() {
		if recover() != nil {
			n, ok = 0, false
		}
	}()
	fv := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !fv.IsValid() || fv.Kind() != reflect.Pointer || fv.IsNil() {
		return 0, false
	}
	f := fv.Elem().FieldByName("NArgs")
	if !f.IsValid() {
		return 0, false
	}
	return int(f.Int()), true
}
