package scripting

import (
	"math"
	"strconv"

	"github.com/yuin/gopher-lua/ast"
)

// A Lua 5.1 parser producing gopher-lua's syntax tree. gopher-lua's own
// parser accepts Lua 5.2 syntax (goto, labels) and reports errors in its
// own words; scripts written for Redis get Lua 5.1's grammar and its
// messages here ("user_script:1: '=' expected near 'x'"), and the limits
// Lua enforces (nesting levels, local variables, upvalues), which also keep
// hostile input from exhausting the Go stack.
//
// The tree follows the conventions of gopher-lua's grammar (which node
// carries which line), since its compiler derives line information from
// them.

// Tokens: single characters are their byte value.
const (
	tkAnd = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat
	tkDots
	tkEq
	tkGe
	tkLe
	tkNe
	tkNumber
	tkName
	tkString
	tkEOS
)

var tokenNames = [...]string{"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
	"until", "while", "..", "...", "==", ">=", "<=", "~=", "<number>", "<name>", "<string>", "<eof>"}

var reserved = func() map[string]int {
	m := map[string]int{}
	for i := tkAnd; i <= tkWhile; i++ {
		m[tokenNames[i-tkAnd]] = i
	}
	return m
}()

// Lua 5.1's limits (luaconf.h).
const (
	maxCCalls   = 200 // LUAI_MAXCCALLS: nesting of syntactic levels
	maxVars     = 200 // LUAI_MAXVARS: active local variables per function
	maxUpvalues = 60  // LUAI_MAXUPVALUES
)

const eoz = -1

type token struct {
	tok  int
	str  string  // names and strings
	num  float64 // numbers
	line int
}

// syntaxError is raised (panicked) by the parser and recovered by parse.
type syntaxError struct{ msg string }

type lexer struct {
	src     string
	pos     int // index of the next char
	cur     int // current char, or eoz
	line    int
	last    int // line of the last token consumed
	chunk   string
	buf     []byte // text of the token being read (for "near" messages)
	t       token
	ahead   token
	hasLook bool
	level   int // syntactic nesting (nCcalls)
	fs      *funcState
	// parens marks parenthesized expressions: Lua discharges them to
	// values, so they cannot be assigned to or stand as a call statement.
	parens map[ast.Expr]bool
}

func (lx *lexer) next() {
	if lx.pos < len(lx.src) {
		lx.cur = int(lx.src[lx.pos])
		lx.pos++
	} else {
		lx.cur = eoz
		lx.pos = len(lx.src) + 1
	}
}

func (lx *lexer) save(c int) { lx.buf = append(lx.buf, byte(c)) }

func (lx *lexer) saveNext() {
	lx.save(lx.cur)
	lx.next()
}

func (lx *lexer) isNewline() bool { return lx.cur == '\n' || lx.cur == '\r' }

func (lx *lexer) incLine() {
	old := lx.cur
	lx.next()
	if lx.isNewline() && lx.cur != old {
		lx.next()
	}
	lx.line++
}

// token2str is luaX_token2str.
func token2str(tok int) string {
	if tok < tkAnd {
		if tok < 32 || tok == 127 {
			return "char(" + strconv.Itoa(tok) + ")"
		}
		return string([]byte{byte(tok)})
	}
	return tokenNames[tok-tkAnd]
}

// txtToken is what an error shows as the offending token: the text read
// for names, strings and numbers, the token's spelling otherwise.
func (lx *lexer) txtToken(tok int) string {
	switch tok {
	case tkName, tkString, tkNumber:
		return cstr(string(lx.buf))
	}
	return token2str(tok)
}

// lexError is luaX_lexerror; tok 0 means no "near" part.
func (lx *lexer) lexError(msg string, tok int) {
	m := lx.chunk + ":" + strconv.Itoa(lx.line) + ": " + msg
	if tok != 0 {
		m += " near '" + lx.txtToken(tok) + "'"
	}
	panic(&syntaxError{m})
}

func (lx *lexer) syntaxError(msg string) { lx.lexError(msg, lx.t.tok) }

func isAlpha(c int) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigitC(c int) bool { return c >= '0' && c <= '9' }
func isAlnumC(c int) bool { return isAlpha(c) || isDigitC(c) }
func isSpaceC(c int) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func (lx *lexer) checkNext(set string) bool {
	for i := 0; i < len(set); i++ {
		if lx.cur == int(set[i]) {
			lx.saveNext()
			return true
		}
	}
	return false
}

func (lx *lexer) readNumeral(t *token) {
	for {
		lx.saveNext()
		if !isDigitC(lx.cur) && lx.cur != '.' {
			break
		}
	}
	if lx.checkNext("Ee") {
		lx.checkNext("+-")
	}
	for isAlnumC(lx.cur) || lx.cur == '_' {
		lx.saveNext()
	}
	f, ok := str2number(cstr(string(lx.buf)))
	if !ok {
		lx.lexError("malformed number", tkNumber)
	}
	t.num = f
}

// skipSep reads [==[ or ]==] and returns the level, or -(level)-1 when
// the second bracket is missing.
func (lx *lexer) skipSep() int {
	count := 0
	s := lx.cur
	lx.saveNext()
	for lx.cur == '=' {
		lx.saveNext()
		count++
	}
	if lx.cur == s {
		return count
	}
	return -count - 1
}

func (lx *lexer) readLongString(t *token, sep int) {
	lx.saveNext() // second '['
	if lx.isNewline() {
		lx.incLine()
	}
	for {
		switch lx.cur {
		case eoz:
			if t != nil {
				lx.lexError("unfinished long string", tkEOS)
			}
			lx.lexError("unfinished long comment", tkEOS)
		case ']':
			if lx.skipSep() == sep {
				lx.saveNext()
				if t != nil {
					n := 2 + sep
					t.str = string(lx.buf[n : len(lx.buf)-n])
				}
				return
			}
		case '\n', '\r':
			lx.save('\n')
			lx.incLine()
			if t == nil {
				lx.buf = lx.buf[:0]
			}
		default:
			if t != nil {
				lx.saveNext()
			} else {
				lx.next()
			}
		}
	}
}

func (lx *lexer) readString(del int, t *token) {
	lx.saveNext()
	for lx.cur != del {
		switch lx.cur {
		case eoz:
			lx.lexError("unfinished string", tkEOS)
		case '\n', '\r':
			lx.lexError("unfinished string", tkString)
		case '\\':
			lx.next()
			c := -1
			switch lx.cur {
			case 'a':
				c = '\a'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			case '\n', '\r':
				lx.save('\n')
				lx.incLine()
				continue
			case eoz:
				continue
			default:
				if !isDigitC(lx.cur) {
					lx.saveNext()
				} else {
					v := 0
					for i := 0; i < 3 && isDigitC(lx.cur); i++ {
						v = 10*v + lx.cur - '0'
						lx.next()
					}
					if v > 255 {
						lx.lexError("escape sequence too large", tkString)
					}
					lx.save(v)
				}
				continue
			}
			lx.save(c)
			lx.next()
		default:
			lx.saveNext()
		}
	}
	lx.saveNext()
	t.str = string(lx.buf[1 : len(lx.buf)-1])
}

// lex reads the next token (llex).
func (lx *lexer) lex(t *token) int {
	lx.buf = lx.buf[:0]
	for {
		switch c := lx.cur; c {
		case '\n', '\r':
			lx.incLine()
			continue
		case '-':
			lx.next()
			if lx.cur != '-' {
				return '-'
			}
			lx.next()
			if lx.cur == '[' {
				sep := lx.skipSep()
				lx.buf = lx.buf[:0]
				if sep >= 0 {
					lx.readLongString(nil, sep)
					lx.buf = lx.buf[:0]
					continue
				}
			}
			for !lx.isNewline() && lx.cur != eoz {
				lx.next()
			}
			continue
		case '[':
			sep := lx.skipSep()
			if sep >= 0 {
				lx.readLongString(t, sep)
				return tkString
			}
			if sep == -1 {
				return '['
			}
			lx.lexError("invalid long string delimiter", tkString)
		case '=':
			lx.next()
			if lx.cur != '=' {
				return '='
			}
			lx.next()
			return tkEq
		case '<':
			lx.next()
			if lx.cur != '=' {
				return '<'
			}
			lx.next()
			return tkLe
		case '>':
			lx.next()
			if lx.cur != '=' {
				return '>'
			}
			lx.next()
			return tkGe
		case '~':
			lx.next()
			if lx.cur != '=' {
				return '~'
			}
			lx.next()
			return tkNe
		case '"', '\'':
			lx.readString(c, t)
			return tkString
		case '.':
			lx.saveNext()
			if lx.checkNext(".") {
				if lx.checkNext(".") {
					return tkDots
				}
				return tkConcat
			}
			if !isDigitC(lx.cur) {
				return '.'
			}
			lx.readNumeral(t)
			return tkNumber
		case eoz:
			return tkEOS
		default:
			if isSpaceC(c) {
				lx.next()
				continue
			}
			if isDigitC(c) {
				lx.readNumeral(t)
				return tkNumber
			}
			if isAlpha(c) || c == '_' {
				for {
					lx.saveNext()
					if !isAlnumC(lx.cur) && lx.cur != '_' {
						break
					}
				}
				s := string(lx.buf)
				if r, ok := reserved[s]; ok {
					return r
				}
				t.str = s
				return tkName
			}
			lx.next()
			return c
		}
	}
}

// advance is luaX_next.
func (lx *lexer) advance() {
	lx.last = lx.line
	if lx.hasLook {
		lx.t = lx.ahead
		lx.hasLook = false
		return
	}
	lx.t = token{}
	lx.t.tok = lx.lex(&lx.t)
	lx.t.line = lx.line
}

func (lx *lexer) lookahead() int {
	lx.ahead = token{}
	lx.ahead.tok = lx.lex(&lx.ahead)
	lx.ahead.line = lx.line
	lx.hasLook = true
	return lx.ahead.tok
}

// Parser state per function.

type localVar struct{ name string }

type blockScope struct {
	nactvar int
	isLoop  bool
}

type funcState struct {
	prev        *funcState
	vararg      bool
	actvars     []*localVar
	blocks      []blockScope
	upvals      []*localVar
	linedefined int
}

func (lx *lexer) errorLimit(fs *funcState, limit int, what string) {
	var msg string
	if fs.linedefined == 0 {
		msg = "main function has more than " + strconv.Itoa(limit) + " " + what
	} else {
		msg = "function at line " + strconv.Itoa(fs.linedefined) + " has more than " + strconv.Itoa(limit) + " " + what
	}
	lx.lexError(msg, 0)
}

// newLocals declares names (not yet active) and checks the limit.
func (lx *lexer) checkLocals(n int) {
	fs := lx.fs
	if len(fs.actvars)+n+1 > maxVars {
		lx.errorLimit(fs, maxVars, "local variables")
	}
}

func (lx *lexer) activate(names ...string) {
	for _, n := range names {
		lx.fs.actvars = append(lx.fs.actvars, &localVar{name: n})
	}
}

func (lx *lexer) enterBlock(isLoop bool) {
	fs := lx.fs
	fs.blocks = append(fs.blocks, blockScope{nactvar: len(fs.actvars), isLoop: isLoop})
}

func (lx *lexer) leaveBlock() {
	fs := lx.fs
	b := fs.blocks[len(fs.blocks)-1]
	fs.blocks = fs.blocks[:len(fs.blocks)-1]
	fs.actvars = fs.actvars[:b.nactvar]
}

// resolve finds name as a local or upvalue of fs, registering upvalues on
// the way (singlevaraux); nil means a global.
func (lx *lexer) resolve(fs *funcState, name string) *localVar {
	if fs == nil {
		return nil
	}
	for i := len(fs.actvars) - 1; i >= 0; i-- {
		if fs.actvars[i].name == name {
			return fs.actvars[i]
		}
	}
	v := lx.resolve(fs.prev, name)
	if v == nil {
		return nil
	}
	for _, u := range fs.upvals {
		if u == v {
			return v
		}
	}
	if len(fs.upvals)+1 > maxUpvalues {
		lx.errorLimit(fs, maxUpvalues, "upvalues")
	}
	fs.upvals = append(fs.upvals, v)
	return v
}

func (lx *lexer) enterLevel() {
	lx.level++
	if lx.level > maxCCalls {
		lx.lexError("chunk has too many syntax levels", 0)
	}
}

func (lx *lexer) leaveLevel() { lx.level-- }

func (lx *lexer) testNext(c int) bool {
	if lx.t.tok == c {
		lx.advance()
		return true
	}
	return false
}

func (lx *lexer) errorExpected(tok int) {
	lx.syntaxError("'" + token2str(tok) + "' expected")
}

func (lx *lexer) check(c int) {
	if lx.t.tok != c {
		lx.errorExpected(c)
	}
}

func (lx *lexer) checkNextTok(c int) {
	lx.check(c)
	lx.advance()
}

func (lx *lexer) checkMatch(what, who, where int) {
	if !lx.testNext(what) {
		if where == lx.line {
			lx.errorExpected(what)
		}
		lx.syntaxError("'" + token2str(what) + "' expected (to close '" + token2str(who) + "' at line " + strconv.Itoa(where) + ")")
	}
}

func (lx *lexer) checkName() (string, int) {
	lx.check(tkName)
	s, line := lx.t.str, lx.t.line
	lx.advance()
	return s, line
}

// parseLua parses a chunk; name is its short name for messages and level
// the syntactic nesting already in use (the calling C depth in Lua).
func parseLua(src, name string, level int) (chunk []ast.Stmt, err error) {
	lx := &lexer{src: src, line: 1, last: 1, chunk: name, level: level}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			chunk, err = nil, &luaCompileError{se.msg}
		}
	}()
	lx.next()
	lx.fs = &funcState{vararg: true}
	lx.advance()
	chunk = lx.chunk1()
	lx.check(tkEOS)
	return chunk, nil
}

type luaCompileError struct{ msg string }

func (e *luaCompileError) Error() string { return e.msg }

func blockFollow(tok int) bool {
	switch tok {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

func (lx *lexer) chunk1() []ast.Stmt {
	stmts := []ast.Stmt{}
	lx.enterLevel()
	last := false
	for !last && !blockFollow(lx.t.tok) {
		var s ast.Stmt
		s, last = lx.statement()
		if s != nil {
			stmts = append(stmts, s)
		}
		lx.testNext(';')
	}
	lx.leaveLevel()
	return stmts
}

func (lx *lexer) block(isLoop bool) []ast.Stmt {
	lx.enterBlock(isLoop)
	stmts := lx.chunk1()
	lx.leaveBlock()
	return stmts
}

func (lx *lexer) statement() (ast.Stmt, bool) {
	line := lx.line
	switch lx.t.tok {
	case tkIf:
		return lx.ifStat(line), false
	case tkWhile:
		lx.advance()
		cond := lx.expr()
		lx.checkNextTok(tkDo)
		body := lx.block(true)
		end := lx.line
		lx.checkMatch(tkEnd, tkWhile, line)
		s := &ast.WhileStmt{Condition: cond, Stmts: body}
		s.SetLine(line)
		s.SetLastLine(end)
		return s, false
	case tkDo:
		lx.advance()
		body := lx.block(false)
		end := lx.line
		lx.checkMatch(tkEnd, tkDo, line)
		s := &ast.DoBlockStmt{Stmts: body}
		s.SetLine(line)
		s.SetLastLine(end)
		return s, false
	case tkFor:
		return lx.forStat(line), false
	case tkRepeat:
		lx.enterBlock(true)
		lx.enterBlock(false)
		lx.advance()
		body := lx.chunk1()
		lx.checkMatch(tkUntil, tkRepeat, line)
		cond := lx.expr()
		lx.leaveBlock()
		lx.leaveBlock()
		s := &ast.RepeatStmt{Condition: cond, Stmts: body}
		s.SetLine(line)
		s.SetLastLine(cond.Line())
		return s, false
	case tkFunction:
		return lx.funcStat(line), false
	case tkLocal:
		lx.advance()
		if lx.testNext(tkFunction) {
			name, _ := lx.checkName()
			lx.checkLocals(0)
			lx.activate(name)
			fn := lx.body(false, lx.line)
			s := &ast.LocalAssignStmt{Names: []string{name}, Exprs: []ast.Expr{fn}}
			s.SetLine(line)
			s.SetLastLine(fn.LastLine())
			return s, false
		}
		var names []string
		for {
			name, _ := lx.checkName()
			lx.checkLocals(len(names))
			names = append(names, name)
			if !lx.testNext(',') {
				break
			}
		}
		exprs := []ast.Expr{}
		if lx.testNext('=') {
			exprs = lx.exprList()
		}
		lx.activate(names...)
		s := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
		s.SetLine(line)
		return s, false
	case tkReturn:
		lx.advance()
		s := &ast.ReturnStmt{}
		if !blockFollow(lx.t.tok) && lx.t.tok != ';' {
			s.Exprs = lx.exprList()
		}
		s.SetLine(line)
		return s, true
	case tkBreak:
		lx.advance()
		inLoop := false
		for i := len(lx.fs.blocks) - 1; i >= 0; i-- {
			if lx.fs.blocks[i].isLoop {
				inLoop = true
				break
			}
		}
		if !inLoop {
			lx.syntaxError("no loop to break")
		}
		s := &ast.BreakStmt{}
		s.SetLine(line)
		return s, true
	}
	return lx.exprStat(), false
}

func (lx *lexer) ifStat(line int) ast.Stmt {
	lx.advance()
	cond := lx.expr()
	lx.checkNextTok(tkThen)
	top := &ast.IfStmt{Condition: cond, Then: lx.block(false)}
	top.SetLine(line)
	cur := top
	for lx.t.tok == tkElseif {
		eline := lx.line
		lx.advance()
		c := lx.expr()
		lx.checkNextTok(tkThen)
		next := &ast.IfStmt{Condition: c, Then: lx.block(false)}
		next.SetLine(eline)
		cur.Else = []ast.Stmt{next}
		cur = next
	}
	if lx.t.tok == tkElse {
		lx.advance()
		cur.Else = lx.block(false)
	}
	end := lx.line
	lx.checkMatch(tkEnd, tkIf, line)
	top.SetLastLine(end)
	return top
}

func (lx *lexer) forStat(line int) ast.Stmt {
	lx.enterBlock(true)
	defer lx.leaveBlock()
	lx.advance()
	name, _ := lx.checkName()
	var s ast.Stmt
	switch lx.t.tok {
	case '=':
		lx.checkLocals(3)
		lx.advance()
		init := lx.expr()
		lx.checkNextTok(',')
		limit := lx.expr()
		var step ast.Expr
		if lx.testNext(',') {
			step = lx.expr()
		}
		lx.activate("(for index)", "(for limit)", "(for step)")
		body := lx.forBody(name)
		s = &ast.NumberForStmt{Name: name, Init: init, Limit: limit, Step: step, Stmts: body}
	case ',', tkIn:
		names := []string{name}
		lx.checkLocals(3)
		for lx.testNext(',') {
			n, _ := lx.checkName()
			lx.checkLocals(3 + len(names))
			names = append(names, n)
		}
		lx.checkNextTok(tkIn)
		exprs := lx.exprList()
		lx.activate("(for generator)", "(for state)", "(for control)")
		body := lx.forBody(names...)
		s = &ast.GenericForStmt{Names: names, Exprs: exprs, Stmts: body}
	default:
		lx.syntaxError("'=' or 'in' expected")
	}
	end := lx.line
	lx.checkMatch(tkEnd, tkFor, line)
	s.SetLine(line)
	s.SetLastLine(end)
	return s
}

func (lx *lexer) forBody(names ...string) []ast.Stmt {
	lx.checkNextTok(tkDo)
	lx.enterBlock(false)
	lx.activate(names...)
	body := lx.block(false)
	lx.leaveBlock()
	return body
}

func (lx *lexer) funcStat(line int) ast.Stmt {
	lx.advance()
	name, nline := lx.checkName()
	lx.resolve(lx.fs, name)
	fn := &ast.FuncName{Func: identExpr(name, nline)}
	needSelf := false
	for lx.t.tok == '.' || lx.t.tok == ':' {
		method := lx.t.tok == ':'
		lx.advance()
		key, kline := lx.checkName()
		if method {
			fn = &ast.FuncName{Receiver: fn.Func, Method: key}
			needSelf = true
			break
		}
		k := &ast.StringExpr{Value: key}
		k.SetLine(kline)
		get := &ast.AttrGetExpr{Object: fn.Func, Key: k}
		get.SetLine(kline)
		fn = &ast.FuncName{Func: get}
	}
	body := lx.body(needSelf, line)
	s := &ast.FuncDefStmt{Name: fn, Func: body}
	s.SetLine(line)
	s.SetLastLine(body.LastLine())
	return s
}

func identExpr(name string, line int) *ast.IdentExpr {
	e := &ast.IdentExpr{Value: name}
	e.SetLine(line)
	return e
}

// body parses a function's parameters and block. line is where Lua says
// the function is defined (for limit messages).
func (lx *lexer) body(needSelf bool, line int) *ast.FunctionExpr {
	fs := &funcState{prev: lx.fs, linedefined: line}
	lx.fs = fs
	openLine := lx.line
	lx.checkNextTok('(')
	if needSelf {
		lx.checkLocals(0)
		lx.activate("self")
	}
	pars := &ast.ParList{Names: []string{}}
	if lx.t.tok != ')' {
		for {
			switch lx.t.tok {
			case tkName:
				name, _ := lx.checkName()
				lx.checkLocals(len(pars.Names))
				pars.Names = append(pars.Names, name)
			case tkDots:
				lx.advance()
				pars.HasVargs = true
			default:
				lx.syntaxError("<name> or '...' expected")
			}
			if pars.HasVargs || !lx.testNext(',') {
				break
			}
		}
	}
	fs.vararg = pars.HasVargs
	lx.activate(pars.Names...)
	lx.checkNextTok(')')
	stmts := lx.chunk1()
	end := lx.line
	lx.checkMatch(tkEnd, tkFunction, line)
	lx.fs = fs.prev
	f := &ast.FunctionExpr{ParList: pars, Stmts: stmts}
	f.SetLine(openLine)
	f.SetLastLine(end)
	return f
}

func (lx *lexer) exprStat() ast.Stmt {
	e := lx.primaryExp()
	if call, ok := e.(*ast.FuncCallExpr); ok && !lx.parens[e] {
		s := &ast.FuncCallStmt{Expr: call}
		s.SetLine(call.Line())
		return s
	}
	lhs := []ast.Expr{e}
	for {
		if last := lhs[len(lhs)-1]; !assignable(last) || lx.parens[last] {
			lx.syntaxError("syntax error")
		}
		if !lx.testNext(',') {
			break
		}
		v := lx.primaryExp()
		if len(lhs) > maxCCalls-lx.level {
			lx.errorLimit(lx.fs, maxCCalls-lx.level, "variables in assignment")
		}
		lhs = append(lhs, v)
	}
	lx.checkNextTok('=')
	rhs := lx.exprList()
	s := &ast.AssignStmt{Lhs: lhs, Rhs: rhs}
	s.SetLine(lhs[0].Line())
	return s
}

func assignable(e ast.Expr) bool {
	switch e.(type) {
	case *ast.IdentExpr, *ast.AttrGetExpr:
		return true
	}
	return false
}

func (lx *lexer) exprList() []ast.Expr {
	list := []ast.Expr{lx.expr()}
	for lx.testNext(',') {
		list = append(list, lx.expr())
	}
	return list
}

// primaryExp is prefixexp followed by fields, indexes and calls.
func (lx *lexer) primaryExp() ast.Expr {
	var e ast.Expr
	switch lx.t.tok {
	case '(':
		line := lx.line
		pline := lx.t.line
		lx.advance()
		inner := lx.expr()
		lx.checkMatch(')', '(', line)
		switch x := inner.(type) {
		case *ast.FuncCallExpr:
			x.AdjustRet = true
		case *ast.Comma3Expr:
			x.AdjustRet = true
			x.SetLine(pline)
		default:
			x.SetLine(pline)
		}
		if lx.parens == nil {
			lx.parens = map[ast.Expr]bool{}
		}
		lx.parens[inner] = true
		e = inner
	case tkName:
		name, line := lx.checkName()
		lx.resolve(lx.fs, name)
		e = identExpr(name, line)
	default:
		lx.syntaxError("unexpected symbol")
	}
	for {
		switch lx.t.tok {
		case '.':
			lx.advance()
			key, kline := lx.checkName()
			k := &ast.StringExpr{Value: key}
			k.SetLine(kline)
			get := &ast.AttrGetExpr{Object: e, Key: k}
			get.SetLine(e.Line())
			e = get
		case '[':
			lx.advance()
			key := lx.expr()
			lx.checkNextTok(']')
			get := &ast.AttrGetExpr{Object: e, Key: key}
			get.SetLine(e.Line())
			e = get
		case ':':
			lx.advance()
			method, _ := lx.checkName()
			args := lx.funcArgs()
			call := &ast.FuncCallExpr{Receiver: e, Method: method, Args: args}
			call.SetLine(e.Line())
			e = call
		case '(', tkString, '{':
			args := lx.funcArgs()
			call := &ast.FuncCallExpr{Func: e, Args: args}
			call.SetLine(e.Line())
			e = call
		default:
			return e
		}
	}
}

func (lx *lexer) funcArgs() []ast.Expr {
	line := lx.line
	switch lx.t.tok {
	case '(':
		if line != lx.last {
			lx.syntaxError("ambiguous syntax (function call x new statement)")
		}
		lx.advance()
		args := []ast.Expr{}
		if lx.t.tok != ')' {
			args = lx.exprList()
		}
		lx.checkMatch(')', '(', line)
		return args
	case '{':
		return []ast.Expr{lx.constructor()}
	case tkString:
		s := &ast.StringExpr{Value: lx.t.str}
		s.SetLine(lx.t.line)
		lx.advance()
		return []ast.Expr{s}
	}
	lx.syntaxError("function arguments expected")
	return nil
}

func (lx *lexer) constructor() ast.Expr {
	line := lx.line
	tline := lx.t.line
	lx.checkNextTok('{')
	fields := []*ast.Field{}
	for lx.t.tok != '}' {
		switch lx.t.tok {
		case tkName:
			if lx.lookahead() != '=' {
				fields = append(fields, &ast.Field{Value: lx.expr()})
			} else {
				key, kline := lx.checkName()
				k := &ast.StringExpr{Value: key}
				k.SetLine(kline)
				lx.checkNextTok('=')
				fields = append(fields, &ast.Field{Key: k, Value: lx.expr()})
			}
		case '[':
			lx.advance()
			key := lx.expr()
			lx.checkNextTok(']')
			lx.checkNextTok('=')
			fields = append(fields, &ast.Field{Key: key, Value: lx.expr()})
		default:
			fields = append(fields, &ast.Field{Value: lx.expr()})
		}
		if !lx.testNext(',') && !lx.testNext(';') {
			break
		}
	}
	lx.checkMatch('}', '{', line)
	t := &ast.TableExpr{Fields: fields}
	t.SetLine(tline)
	return t
}

// Operator priorities (left, right), as in lparser.c.
type binOp struct {
	op          string
	left, right int
}

func binaryOp(tok int) (binOp, bool) {
	switch tok {
	case '+':
		return binOp{"+", 6, 6}, true
	case '-':
		return binOp{"-", 6, 6}, true
	case '*':
		return binOp{"*", 7, 7}, true
	case '/':
		return binOp{"/", 7, 7}, true
	case '%':
		return binOp{"%", 7, 7}, true
	case '^':
		return binOp{"^", 10, 9}, true
	case tkConcat:
		return binOp{"..", 5, 4}, true
	case tkNe:
		return binOp{"~=", 3, 3}, true
	case tkEq:
		return binOp{"==", 3, 3}, true
	case '<':
		return binOp{"<", 3, 3}, true
	case tkLe:
		return binOp{"<=", 3, 3}, true
	case '>':
		return binOp{">", 3, 3}, true
	case tkGe:
		return binOp{">=", 3, 3}, true
	case tkAnd:
		return binOp{"and", 2, 2}, true
	case tkOr:
		return binOp{"or", 1, 1}, true
	}
	return binOp{}, false
}

const unaryPriority = 8

func (lx *lexer) expr() ast.Expr {
	e, _ := lx.subExpr(0)
	return e
}

func (lx *lexer) subExpr(limit int) (ast.Expr, int) {
	lx.enterLevel()
	var e ast.Expr
	switch lx.t.tok {
	case tkNot, '-', '#':
		op := lx.t.tok
		lx.advance()
		operand, _ := lx.subExpr(unaryPriority)
		switch op {
		case tkNot:
			e = &ast.UnaryNotOpExpr{Expr: operand}
		case '-':
			e = &ast.UnaryMinusOpExpr{Expr: operand}
		default:
			e = &ast.UnaryLenOpExpr{Expr: operand}
		}
		e.SetLine(operand.Line())
	default:
		e = lx.simpleExp()
	}
	op, ok := binaryOp(lx.t.tok)
	for ok && op.left > limit {
		lx.advance()
		rhs, nextTok := lx.subExpr(op.right)
		var b ast.Expr
		switch op.op {
		case "and", "or":
			b = &ast.LogicalOpExpr{Operator: op.op, Lhs: e, Rhs: rhs}
		case "..":
			b = &ast.StringConcatOpExpr{Lhs: e, Rhs: rhs}
		case "+", "-", "*", "/", "%", "^":
			b = &ast.ArithmeticOpExpr{Operator: op.op, Lhs: e, Rhs: rhs}
		default:
			b = &ast.RelationalOpExpr{Operator: op.op, Lhs: e, Rhs: rhs}
		}
		b.SetLine(e.Line())
		e = b
		op, ok = binaryOp(nextTok)
	}
	lx.leaveLevel()
	return e, lx.t.tok
}

func (lx *lexer) simpleExp() ast.Expr {
	line := lx.t.line
	var e ast.Expr
	switch lx.t.tok {
	case tkNumber:
		e = &ast.NumberExpr{Value: numberLiteral(lx.t.num)}
	case tkString:
		e = &ast.StringExpr{Value: lx.t.str}
	case tkNil:
		e = &ast.NilExpr{}
	case tkTrue:
		e = &ast.TrueExpr{}
	case tkFalse:
		e = &ast.FalseExpr{}
	case tkDots:
		if !lx.fs.vararg {
			lx.syntaxError("cannot use '...' outside a vararg function")
		}
		e = &ast.Comma3Expr{}
	case '{':
		return lx.constructor()
	case tkFunction:
		lx.advance()
		f := lx.body(false, lx.line)
		f.SetLine(line)
		return f
	default:
		return lx.primaryExp()
	}
	e.SetLine(line)
	lx.advance()
	return e
}

// numberLiteral spells a number so that gopher-lua's compiler reads back
// the same value (it would take "010" as octal).
func numberLiteral(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
