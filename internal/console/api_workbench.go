package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/cli"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// The workbench runs commands typed by the user on a connection of the
// session (kept between requests, so MULTI/EXEC and SELECT behave as in
// redis-cli) and shows each reply formatted exactly as redis-cli does.

type workbenchRequest struct {
	DB       int    `json:"db"`
	Commands string `json:"commands"` // one command per line, redis-cli quoting
}

type workbenchResult struct {
	Command string `json:"command"`
	Output  string `json:"output"`
	Error   bool   `json:"error,omitempty"`
	Micros  int64  `json:"us"`
}

const (
	workbenchMaxLines = 100
	workbenchTimeout  = 30 * time.Second
)

// refused are commands that would take the connection away from the
// request/reply workbench or change who it runs as.
var refused = map[string]string{
	"monitor":    "MONITOR streams: use the Monitor page",
	"subscribe":  "use the Pub/Sub page to subscribe",
	"psubscribe": "use the Pub/Sub page to subscribe",
	"ssubscribe": "use the Pub/Sub page to subscribe",
	"auth":       "the workbench runs as the user you logged in as; log in again to switch users",
	"hello":      "the workbench runs as the user you logged in as; log in again to switch users",
	"quit":       "not available in the workbench",
	"reset":      "not available in the workbench",
	"sync":       "not available in the workbench",
	"psync":      "not available in the workbench",
	"replconf":   "not available in the workbench",
}

func (c *Console) handleWorkbench(w http.ResponseWriter, r *http.Request, s *session) {
	var req workbenchRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.DB < 0 {
		writeError(w, http.StatusBadRequest, "bad db")
		return
	}
	var lines []string
	for _, l := range strings.Split(req.Commands, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "//") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		writeError(w, http.StatusBadRequest, "no command")
		return
	}
	if len(lines) > workbenchMaxLines {
		writeError(w, http.StatusBadRequest, "at most "+strconv.Itoa(workbenchMaxLines)+" commands at once")
		return
	}
	s.wbMu.Lock()
	defer s.wbMu.Unlock()
	results := []workbenchResult{}
	db := req.DB
	for _, line := range lines {
		res := workbenchResult{Command: line}
		out, isErr, newDB := c.runWorkbench(s, line, db)
		res.Output, res.Error = out.text, isErr
		res.Micros = out.us
		db = newDB
		results = append(results, res)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "db": db})
}

type wbOutput struct {
	text string
	us   int64
}

// runWorkbench runs one command line on the session's workbench
// connection (s.wbMu held), first selecting db. It returns the output,
// whether it is an error, and the database the connection is on after.
func (c *Console) runWorkbench(s *session, line string, db int) (wbOutput, bool, int) {
	argsB, err := resp.SplitArgs([]byte(line), nil)
	if err != nil || len(argsB) == 0 {
		return wbOutput{text: "Invalid argument(s)\n"}, true, db
	}
	args := make([]string, len(argsB))
	for i, a := range argsB {
		args[i] = string(a)
	}
	name := strings.ToLower(args[0])
	if why, ok := refused[name]; ok {
		return wbOutput{text: "(refused) " + why + "\n"}, true, db
	}
	if name == "client" && len(args) > 1 && strings.EqualFold(args[1], "reply") {
		return wbOutput{text: "(refused) not available in the workbench\n"}, true, db
	}
	if s.wb == nil {
		rc, err := c.dialRaw(s.user, s.password)
		if err != nil {
			return wbOutput{text: "Could not connect to Redis: " + err.Error() + "\n"}, true, db
		}
		s.wb = rc
	}
	rc := s.wb
	if rc.db != db {
		rep, err := rc.do(workbenchTimeout, "SELECT", strconv.Itoa(db))
		if err != nil {
			s.dropWorkbench()
			return wbOutput{text: "Error: " + err.Error() + "\n"}, true, db
		}
		if rep.IsError() {
			return wbOutput{text: cli.FormatReply(rep)}, true, rc.db
		}
		rc.db = db
	}
	start := time.Now()
	rep, err := rc.do(workbenchTimeout, args...)
	us := time.Since(start).Microseconds()
	if err != nil {
		s.dropWorkbench()
		msg := err.Error()
		if strings.Contains(msg, "timeout") {
			msg = "no reply within " + workbenchTimeout.String() + " (the connection was reset)"
		}
		return wbOutput{text: "Error: " + msg + "\n", us: us}, true, db
	}
	if name == "select" && len(args) == 2 && !rep.IsError() {
		if n, err := strconv.Atoi(args[1]); err == nil {
			rc.db = n
			db = n
		}
	}
	return wbOutput{text: cli.FormatReply(rep), us: us}, rep.IsError(), db
}

func (s *session) dropWorkbench() {
	if s.wb != nil {
		s.wb.close()
		s.wb = nil
	}
}
