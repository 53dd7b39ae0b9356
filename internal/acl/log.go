package acl

// The ACL log: recent denials, newest first. A denial like one of the
// ten newest entries (same reason, context, object and user, within a
// minute) updates that entry and moves it to the front instead of adding
// a new one.

// Contexts of a denial, as ACL LOG names them.
const (
	ContextTopLevel = "toplevel"
	ContextMulti    = "multi"
	ContextLua      = "lua"
	ContextModule   = "module"
)

const (
	logGroupingMaxDelta = 60000 // ms
	logGroupingScan     = 10
)

// LogEntry is one ACL LOG entry.
type LogEntry struct {
	Count      int64
	Reason     Denial
	Context    string
	Object     string // the command's full name, the key, the channel, or AUTH's argv[0]
	Username   string
	CTime      int64  // unix ms of the last occurrence
	ClientInfo string // CLIENT LIST line of the last client
}

func (e *LogEntry) sameAs(o *LogEntry) bool {
	if e.Reason != o.Reason || e.Context != o.Context {
		return false
	}
	delta := e.CTime - o.CTime
	if delta < 0 {
		delta = -delta
	}
	return delta <= logGroupingMaxDelta && e.Object == o.Object && e.Username == o.Username
}

// AddLog records a denial.
func (a *ACL) AddLog(e LogEntry) {
	e.Count = 1
	for i := 0; i < len(a.log) && i < logGroupingScan; i++ {
		cur := a.log[i]
		if cur.sameAs(&e) {
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = cur
			cur.ClientInfo = e.ClientInfo
			cur.CTime = e.CTime
			cur.Count++
			return
		}
	}
	a.log = append(a.log, nil)
	copy(a.log[1:], a.log)
	a.log[0] = &e
	for int64(len(a.log)) > a.logMaxLen {
		a.log[len(a.log)-1] = nil
		a.log = a.log[:len(a.log)-1]
	}
}

// Log returns up to n entries, newest first.
func (a *ACL) Log(n int) []LogEntry {
	if n > len(a.log) {
		n = len(a.log)
	}
	if n < 0 {
		n = 0
	}
	out := make([]LogEntry, n)
	for i := range out {
		out[i] = *a.log[i]
	}
	return out
}

// ResetLog empties the log.
func (a *ACL) ResetLog() { a.log = nil }
