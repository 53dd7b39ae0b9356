package scripting

import (
	"errors"
	"time"
)

// The instruction hook. gopher-lua has no debug hooks, but when a state
// has a context its interpreter loop asks the context's Done channel
// before every instruction, and raises an error when it is closed. hook is
// that context: its Done method counts instructions and, every
// hookPeriod of them, runs the periodic check (Redis's count hook: the
// busy-script logic, SCRIPT KILL, the FUNCTION LOAD time limit). Until the
// script must stop it returns a nil channel, which a select never picks;
// afterwards a closed one, so every following instruction raises again
// and pcall cannot keep a killed script alive.
type hook struct {
	env   *luaEnv
	count uint32
	done  chan struct{}
	err   error
	// check runs every hookPeriod instructions; a non-nil error stops the
	// script with that error.
	check func() error
}

// hookPeriod is a power of two; Redis checks every 100000 instructions,
// we check more often since the check is cheap.
const hookPeriod = 1 << 14

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// errKilled and errLoadTimeout are the reasons a hook stops a script.
var (
	errKilled      = errors.New("Script killed by user with SCRIPT KILL...")
	errLoadTimeout = errors.New("FUNCTION LOAD timeout")
)

func (h *hook) Deadline() (time.Time, bool) { return time.Time{}, false }

func (h *hook) Done() <-chan struct{} {
	h.count++
	if h.count&(hookPeriod-1) == 0 && h.done == nil && h.check != nil {
		if err := h.check(); err != nil {
			h.err = err
			h.done = closedChan
		}
	}
	return h.done
}

func (h *hook) Err() error {
	if h.err != nil {
		return h.err
	}
	return errKilled
}

func (h *hook) Value(any) any { return nil }

// start arms the hook with check; stop disarms it.
func (h *hook) start(check func() error) {
	h.count = 0
	h.done = nil
	h.err = nil
	h.check = check
	h.env.L.SetContext(h)
}

func (h *hook) stop() {
	h.env.L.RemoveContext()
	h.check = nil
}

// stopped reports why the hook stopped the script (nil: it did not).
func (h *hook) stopped() error {
	if h.done == nil {
		return nil
	}
	return h.err
}
