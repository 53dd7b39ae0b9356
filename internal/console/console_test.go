package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// client is a browser-like HTTP client of a console: it keeps the
// session cookie and sends the CSRF token the way the page does.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a request and decodes the JSON answer into out (when not nil).
func (c *client) do(method, path string, body any, out any, hdr ...string) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set(csrfHeader, c.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %d, not JSON: %q", method, path, res.StatusCode, data)
		}
	}
	return res.StatusCode
}

func (c *client) login(user, pass string) int {
	c.t.Helper()
	var s sessionInfo
	code := c.do("POST", "/api/login", map[string]string{"username": user, "password": pass}, &s)
	if code == http.StatusOK {
		c.csrf = s.CSRF
	}
	return code
}

type errorBody struct {
	Error string `json:"error"`
}

func TestLogin(t *testing.T) {
	addr := startOurs(t)
	base := startConsole(t, addr)
	c := newClient(t, base)

	// Nothing but the page shell without a session.
	if code := c.do("GET", "/api/keys?db=0", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("keys without session: %d", code)
	}
	if code := c.do("GET", "/api/session", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("session without login: %d", code)
	}
	var e errorBody
	if code := c.do("POST", "/api/login", map[string]string{"password": "wrong-password"}, &e); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %v", code, e)
	}
	if !strings.Contains(e.Error, "WRONGPASS") || strings.Contains(e.Error, "wrong-password") {
		t.Fatalf("wrong password message: %q", e.Error)
	}
	// Login sets an HttpOnly, SameSite=Strict cookie.
	req, _ := http.NewRequest("POST", base+"/api/login", strings.NewReader(`{"password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ck := res.Cookies()
	if res.StatusCode != 200 || len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Secure || ck[0].Path != "/" {
		t.Fatalf("login cookie: %d %+v", res.StatusCode, ck)
	}
	body, _ := io.ReadAll(res.Body)
	if strings.Contains(string(body), testPassword) {
		t.Fatal("the password is sent back")
	}

	if code := c.login("", testPassword); code != 200 {
		t.Fatalf("login: %d", code)
	}
	var s sessionInfo
	if code := c.do("GET", "/api/session", nil, &s); code != 200 || s.User != "default" || s.CSRF != c.csrf || len(s.Databases) != 6 {
		t.Fatalf("session: %d %+v", code, s)
	}
	// "default" with the password is the same login.
	c2 := newClient(t, base)
	if code := c2.login("default", testPassword); code != 200 {
		t.Fatalf("login as default: %d", code)
	}
	// Logout ends the session.
	if code := c.do("POST", "/api/logout", nil, nil); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	if code := c.do("GET", "/api/keys?db=0", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("keys after logout: %d", code)
	}
}

func TestLoginUnreachableRedis(t *testing.T) {
	base := startConsole(t, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	c := newClient(t, base)
	var e errorBody
	if code := c.do("POST", "/api/login", map[string]string{"password": "x"}, &e); code != http.StatusBadGateway || !strings.Contains(e.Error, "cannot reach Redis") {
		t.Fatalf("unreachable: %d %q", code, e.Error)
	}
}

func TestLoginRateLimit(t *testing.T) {
	addr := startOurs(t)
	c := newClient(t, startConsole(t, addr))
	for i := 0; i < maxFailsPerMinute; i++ {
		if code := c.login("", "bad"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	if code := c.login("", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d", maxFailsPerMinute, code)
	}
}

func TestCSRF(t *testing.T) {
	addr := startOurs(t)
	admin(t, addr, 0).Set(context.Background(), "victim", "v", 0)
	base := startConsole(t, addr)
	c := newClient(t, base)
	if c.login("", testPassword) != 200 {
		t.Fatal("login")
	}
	token := c.csrf
	edit := map[string]any{"db": 0, "key": map[string]string{"s": "victim"}, "action": "set", "value": "changed"}

	// No token, a wrong token, a token of another session: refused.
	c.csrf = ""
	if code := c.do("POST", "/api/key", edit, nil); code != http.StatusForbidden {
		t.Fatalf("POST without token: %d", code)
	}
	if code := c.do("DELETE", "/api/key?db=0&key=victim", nil, nil); code != http.StatusForbidden {
		t.Fatalf("DELETE without token: %d", code)
	}
	c.csrf = strings.Repeat("0", 64)
	if code := c.do("POST", "/api/key", edit, nil); code != http.StatusForbidden {
		t.Fatalf("POST with a wrong token: %d", code)
	}
	other := newClient(t, base)
	other.login("", testPassword)
	c.csrf = other.csrf
	if code := c.do("POST", "/api/key", edit, nil); code != http.StatusForbidden {
		t.Fatalf("POST with another session's token: %d", code)
	}
	// Event streams carry it in the query.
	if code := c.do("GET", "/api/monitor", nil, nil); code != http.StatusForbidden {
		t.Fatalf("monitor without token: %d", code)
	}
	if v := admin(t, addr, 0).Get(context.Background(), "victim").Val(); v != "v" {
		t.Fatalf("the key changed: %q", v)
	}
	// Cross-origin requests are refused even with the token.
	c.csrf = token
	if code := c.do("POST", "/api/key", edit, nil, "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", code)
	}
	if code := c.do("POST", "/api/key", edit, nil, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", code)
	}
	// The login form too (it has no session to bind a token to).
	if code := newClient(t, base).do("POST", "/api/login", map[string]string{"password": testPassword}, nil, "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Fatalf("cross-origin login: %d", code)
	}
	// A form post (no JSON) is refused.
	res, err := c.hc.Post(base+"/api/login", "application/x-www-form-urlencoded", strings.NewReader("password="+testPassword))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("form login: %d", res.StatusCode)
	}
	// With the right token and origin it works.
	if code := c.do("POST", "/api/key", edit, nil, "Origin", base); code != 200 {
		t.Fatalf("POST with token: %d", code)
	}
	if v := admin(t, addr, 0).Get(context.Background(), "victim").Val(); v != "changed" {
		t.Fatalf("the key did not change: %q", v)
	}
}

func TestSecurityHeaders(t *testing.T) {
	addr := startOurs(t)
	base := startConsole(t, addr)
	for _, p := range []string{"/", "/assets/app.css", "/assets/js/app.js", "/api/session", "/api/nothing"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
		if strings.HasPrefix(p, "/api/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", p, h.Get("Cache-Control"))
		}
	}
	// The page has no inline script or style (the CSP would block them).
	res, _ := http.Get(base + "/")
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(page), "<script>") || strings.Contains(string(page), "style=") || strings.Contains(string(page), "onclick") {
		t.Errorf("inline code in the page: %s", page)
	}
	// Assets carry an ETag and revalidate.
	res, _ = http.Get(base + "/assets/app.css")
	res.Body.Close()
	tag := res.Header.Get("ETag")
	req, _ := http.NewRequest("GET", base+"/assets/app.css", nil)
	req.Header.Set("If-None-Match", tag)
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if tag == "" || res.StatusCode != http.StatusNotModified {
		t.Errorf("ETag %q: %d", tag, res.StatusCode)
	}
}

func TestHostCheck(t *testing.T) {
	addr := startOurs(t)
	// Serve on loopback accepts loopback names only (DNS rebinding).
	base := startConsole(t, addr)
	u, _ := url.Parse(base)
	for host, want := range map[string]int{u.Host: 401, "localhost:" + u.Port(): 401, "evil.example": http.StatusMisdirectedRequest} {
		req, _ := http.NewRequest("GET", base+"/api/session", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
	if !IsLoopback("127.0.0.1:8001") || !IsLoopback("[::1]:8001") || !IsLoopback("localhost:1") || IsLoopback("0.0.0.0:8001") || IsLoopback(":8001") {
		t.Error("IsLoopback")
	}
}

// TestReadOnlyUserCannotDelete: a user with +@read ~* browses but cannot
// delete; the UI gets Redis's NOPERM error and the key survives.
func TestReadOnlyUserCannotDelete(t *testing.T) {
	for _, backend := range []string{"autobot-redis", "redis-server"} {
		t.Run(backend, func(t *testing.T) {
			var addr string
			if backend == "redis-server" {
				addr = startReferenceRedis(t)
			} else {
				addr = startOurs(t)
			}
			ctx := context.Background()
			a := admin(t, addr, 0)
			if err := addReadOnlyUser(ctx, a); err != nil {
				t.Skipf("no ACL on this server yet: %v", err)
			}
			a.HSet(ctx, "user:1", "name", "Ada")
			c := newClient(t, startConsole(t, addr))
			if code := c.login("reader", "reader-pass"); code != 200 {
				t.Fatalf("login as reader: %d", code)
			}
			var page scanResponse
			if code := c.do("GET", "/api/keys?db=0", nil, &page); code != 200 || len(page.Keys) != 1 {
				t.Fatalf("scan as reader: %d %+v", code, page)
			}
			var v keyView
			if code := c.do("GET", "/api/key?db=0&key=user:1", nil, &v); code != 200 || v.Type != "hash" || len(v.Fields) != 1 {
				t.Fatalf("view as reader: %d %+v", code, v)
			}
			var e errorBody
			if code := c.do("DELETE", "/api/key?db=0&key=user:1", nil, &e); code != http.StatusForbidden || !strings.HasPrefix(e.Error, "NOPERM") {
				t.Fatalf("delete as reader: %d %q", code, e.Error)
			}
			e = errorBody{}
			edit := map[string]any{"db": 0, "key": map[string]string{"s": "user:1"}, "action": "hset", "member": map[string]string{"s": "name"}, "value": "Eve"}
			if code := c.do("POST", "/api/key", edit, &e); code != http.StatusForbidden || !strings.HasPrefix(e.Error, "NOPERM") {
				t.Fatalf("edit as reader: %d %q", code, e.Error)
			}
			var wb struct {
				Results []workbenchResult `json:"results"`
			}
			c.do("POST", "/api/workbench", map[string]any{"db": 0, "commands": "DEL user:1"}, &wb)
			if len(wb.Results) != 1 || !wb.Results[0].Error || !strings.Contains(wb.Results[0].Output, "NOPERM") {
				t.Fatalf("workbench DEL as reader: %+v", wb)
			}
			if n := a.Exists(ctx, "user:1").Val(); n != 1 {
				t.Fatal("the key was deleted")
			}
			if got := a.HGet(ctx, "user:1", "name").Val(); got != "Ada" {
				t.Fatalf("the key changed: %q", got)
			}
		})
	}
}

// TestBrowserPaging: pages of a SCAN cover every key once, with type and
// pattern filters.
func TestBrowserPaging(t *testing.T) {
	addr := startOurs(t)
	ctx := context.Background()
	a := admin(t, addr, 3)
	p := a.Pipeline()
	for i := 0; i < 1500; i++ {
		p.Set(ctx, fmt.Sprintf("api:cache:%d", i), i, 0)
	}
	for i := 0; i < 40; i++ {
		p.HSet(ctx, fmt.Sprintf("cache:h:%d", i), "f", i)
	}
	p.Exec(ctx)
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)

	collect := func(query string) (map[string]string, int) {
		seen := map[string]string{}
		cursor, pages := "0", 0
		for {
			var page scanResponse
			if code := c.do("GET", "/api/keys?db=3&count=100&cursor="+cursor+query, nil, &page); code != 200 {
				t.Fatalf("scan: %d", code)
			}
			pages++
			if page.DBSize != 1540 {
				t.Fatalf("dbsize %d", page.DBSize)
			}
			for _, k := range page.Keys {
				seen[k.Name.S] = k.Type
			}
			if page.Done {
				return seen, pages
			}
			cursor = page.Cursor
			if pages > 100 {
				t.Fatal("the scan does not end")
			}
		}
	}
	all, pages := collect("")
	if len(all) != 1540 || pages < 2 {
		t.Fatalf("all: %d keys in %d pages", len(all), pages)
	}
	if all["api:cache:7"] != "string" || all["cache:h:3"] != "hash" {
		t.Fatalf("types: %v %v", all["api:cache:7"], all["cache:h:3"])
	}
	hashes, _ := collect("&type=hash")
	if len(hashes) != 40 {
		t.Fatalf("type=hash: %d", len(hashes))
	}
	matched, _ := collect("&match=" + url.QueryEscape("api:cache:1*"))
	if len(matched) != 1+10+100+500 {
		t.Fatalf("match: %d", len(matched))
	}
	var e errorBody
	if code := c.do("GET", "/api/keys?db=3&type=bogus", nil, &e); code != 400 {
		t.Fatalf("bad type: %d", code)
	}
}

// TestKeyViewsAndEdits covers every type's viewer and editor.
func TestKeyViewsAndEdits(t *testing.T) {
	addr := startOurs(t)
	ctx := context.Background()
	seed(t, addr)
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	edit := func(db int, key string, body map[string]any) (int, string) {
		t.Helper()
		body["db"], body["key"] = db, map[string]string{"s": key}
		var e errorBody
		code := c.do("POST", "/api/key", body, &e)
		return code, e.Error
	}
	view := func(db int, key, extra string) keyView {
		t.Helper()
		var v keyView
		if code := c.do("GET", fmt.Sprintf("/api/key?db=%d&key=%s%s", db, url.QueryEscape(key), extra), nil, &v); code != 200 {
			t.Fatalf("view %s: %d", key, code)
		}
		return v
	}
	// string + TTL + rename
	v := view(0, "session:user_1000", "")
	if v.Type != "string" || !strings.Contains(v.Value.S, `"user_id":"1000"`) || v.TTLms <= 0 || v.Encoding == "" || v.Memory == 0 {
		t.Fatalf("string view: %+v", v)
	}
	if code, msg := edit(0, "session:user_1000", map[string]any{"action": "set", "value": `{"user_id":"1000","edited":true}`}); code != 200 {
		t.Fatalf("set: %d %s", code, msg)
	}
	v = view(0, "session:user_1000", "")
	if v.Value.S != `{"user_id":"1000","edited":true}` || v.TTLms <= 0 {
		t.Fatalf("after set (KEEPTTL): %+v", v)
	}
	if code, _ := edit(0, "session:user_1000", map[string]any{"action": "ttl", "ttl": 120}); code != 200 {
		t.Fatal("ttl")
	}
	if ttl := admin(t, addr, 0).TTL(ctx, "session:user_1000").Val(); ttl < 119*time.Second || ttl > 120*time.Second {
		t.Fatalf("ttl after edit: %v", ttl)
	}
	if code, _ := edit(0, "session:user_1000", map[string]any{"action": "ttl", "ttl": -1}); code != 200 {
		t.Fatal("persist")
	}
	if ttl := admin(t, addr, 0).TTL(ctx, "session:user_1000").Val(); ttl != -1 {
		t.Fatalf("ttl after persist: %v", ttl)
	}
	if code, msg := edit(0, "session:user_1000", map[string]any{"action": "rename", "new_name": map[string]string{"s": "session:user_1001"}}); code != 422 || !strings.Contains(msg, "already exists") {
		t.Fatalf("rename onto an existing key: %d %s", code, msg)
	}
	if code, _ := edit(0, "session:user_1000", map[string]any{"action": "rename", "new_name": map[string]string{"s": "session:renamed"}}); code != 200 {
		t.Fatal("rename")
	}
	if admin(t, addr, 0).Exists(ctx, "session:renamed").Val() != 1 {
		t.Fatal("rename did not happen")
	}

	// hash
	v = view(0, "user:1000", "")
	if v.Type != "hash" || len(v.Fields) != 4 || v.Length != 4 {
		t.Fatalf("hash view: %+v", v)
	}
	edit(0, "user:1000", map[string]any{"action": "hset", "member": map[string]string{"s": "team"}, "value": "core"})
	edit(0, "user:1000", map[string]any{"action": "hdel", "member": map[string]string{"s": "role"}})
	if m := admin(t, addr, 0).HGetAll(ctx, "user:1000").Val(); m["team"] != "core" || m["role"] != "" {
		t.Fatalf("hash after edits: %v", m)
	}

	// list with paging, set, remove by index
	v = view(1, "chat:session_461:messages", "&count=5")
	if v.Type != "list" || len(v.Items) != 5 || v.Next != "5" || v.Length != 17 {
		t.Fatalf("list page: %+v", v)
	}
	v2 := view(1, "chat:session_461:messages", "&count=5&offset=15")
	if len(v2.Items) != 2 || v2.Items[0].Index != 15 || v2.Next != "" {
		t.Fatalf("list last page: %+v", v2)
	}
	edit(1, "chat:session_461:messages", map[string]any{"action": "lset", "index": 0, "value": "first"})
	edit(1, "chat:session_461:messages", map[string]any{"action": "rpush", "value": "last"})
	if code, msg := edit(1, "chat:session_461:messages", map[string]any{"action": "lrem", "index": 1, "value": "not what is there"}); code != 422 || !strings.Contains(msg, "changed") {
		t.Fatalf("lrem of a stale element: %d %s", code, msg)
	}
	second := admin(t, addr, 1).LIndex(ctx, "chat:session_461:messages", 1).Val()
	if code, msg := edit(1, "chat:session_461:messages", map[string]any{"action": "lrem", "index": 1, "value": second}); code != 200 {
		t.Fatalf("lrem: %d %s", code, msg)
	}
	l := admin(t, addr, 1).LRange(ctx, "chat:session_461:messages", 0, -1).Val()
	if len(l) != 17 || l[0] != "first" || l[16] != "last" || l[1] == second {
		t.Fatalf("list after edits: %q", l)
	}

	// set
	v = view(2, "kb:index:api", "")
	if v.Type != "set" || len(v.Members) != 3 || v.Cursor != "0" {
		t.Fatalf("set view: %+v", v)
	}
	edit(2, "kb:index:api", map[string]any{"action": "sadd", "member": map[string]string{"s": "doc_900"}})
	edit(2, "kb:index:api", map[string]any{"action": "srem", "member": map[string]string{"s": "doc_780"}})
	if m := admin(t, addr, 2).SMembers(ctx, "kb:index:api").Val(); len(m) != 3 || !strings.Contains(strings.Join(m, ","), "doc_900") {
		t.Fatalf("set after edits: %v", m)
	}

	// zset
	v = view(2, "document:popularity", "")
	if v.Type != "zset" || len(v.Scored) != 3 || v.Scored[0].Member.S != "doc_781" || v.Scored[0].Score != 17 {
		t.Fatalf("zset view: %+v", v)
	}
	edit(2, "document:popularity", map[string]any{"action": "zadd", "member": map[string]string{"s": "doc_781"}, "score": 100.5})
	if s := admin(t, addr, 2).ZScore(ctx, "document:popularity", "doc_781").Val(); s != 100.5 {
		t.Fatalf("zadd: %v", s)
	}

	// stream, newest first, with paging
	v = view(5, "queue:events", "&count=4")
	if v.Type != "stream" || len(v.Entries) != 4 || v.Length != 10 || v.Next == "" || len(v.Entries[0].Fields) != 4 {
		t.Fatalf("stream view: %+v", v)
	}
	older := view(5, "queue:events", "&count=100&before="+v.Next)
	if len(older.Entries) != 6 || older.Entries[0].ID >= v.Entries[3].ID {
		t.Fatalf("older entries: %+v", older)
	}
	if code, msg := edit(5, "queue:events", map[string]any{"action": "xadd", "fields": []string{"job", "job:1", "event", "done"}}); code != 200 {
		t.Fatalf("xadd: %d %s", code, msg)
	}
	edit(5, "queue:events", map[string]any{"action": "xdel", "id": v.Entries[3].ID})
	if n := admin(t, addr, 5).XLen(ctx, "queue:events").Val(); n != 10 {
		t.Fatalf("stream length after xadd+xdel: %d", n)
	}

	// create, then refuse to create over an existing key
	for _, typ := range []string{"string", "hash", "list", "set", "zset", "stream"} {
		body := map[string]any{"action": "create", "type": typ, "value": "v", "member": map[string]string{"s": "m"}, "ttl": 60}
		if typ == "stream" {
			body["fields"] = []string{"f", "v"}
		}
		if code, msg := edit(4, "new:"+typ, body); code != 200 {
			t.Fatalf("create %s: %d %s", typ, code, msg)
		}
		if got := admin(t, addr, 4).Type(ctx, "new:"+typ).Val(); got != typ {
			t.Fatalf("created %s as %s", typ, got)
		}
	}
	if code, msg := edit(4, "new:string", map[string]any{"action": "create", "type": "string", "value": "again"}); code != 422 || !strings.Contains(msg, "exists") {
		t.Fatalf("create over a key: %d %s", code, msg)
	}

	// delete; a missing key is a 404
	var del struct{ Deleted int64 }
	if code := c.do("DELETE", "/api/key?db=4&key=new:string", nil, &del); code != 200 || del.Deleted != 1 {
		t.Fatalf("delete: %d %+v", code, del)
	}
	if code := c.do("GET", "/api/key?db=4&key=new:string", nil, nil); code != 404 {
		t.Fatalf("view a deleted key: %d", code)
	}
	// WRONGTYPE comes back as Redis says it.
	var e errorBody
	code := c.do("POST", "/api/key", map[string]any{"db": 4, "key": map[string]string{"s": "new:hash"}, "action": "rpush", "value": "x"}, &e)
	if code != 422 || !strings.HasPrefix(e.Error, "WRONGTYPE") {
		t.Fatalf("wrongtype: %d %q", code, e.Error)
	}
}

func TestBinaryKeys(t *testing.T) {
	addr := startOurs(t)
	ctx := context.Background()
	name := "bin:\xff\x00\x01"
	admin(t, addr, 0).HSet(ctx, name, "f\xfe", "v\x80")
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	var page scanResponse
	c.do("GET", "/api/keys?db=0", nil, &page)
	if len(page.Keys) != 1 || page.Keys[0].Name.B == "" || page.Keys[0].Name.S != `bin:\xff\x00\x01` {
		t.Fatalf("binary key in the list: %+v", page.Keys)
	}
	var v keyView
	if code := c.do("GET", "/api/key?db=0&keyb64="+url.QueryEscape(page.Keys[0].Name.B), nil, &v); code != 200 || len(v.Fields) != 1 || v.Fields[0].Field.B == "" {
		t.Fatalf("binary key view: %d %+v", code, v)
	}
	// Delete a binary field by its base64 name.
	body := map[string]any{"db": 0, "key": page.Keys[0].Name, "action": "hdel", "member": v.Fields[0].Field.Bin}
	if code := c.do("POST", "/api/key", body, nil); code != 200 {
		t.Fatalf("hdel binary field: %d", code)
	}
	if admin(t, addr, 0).Exists(ctx, name).Val() != 0 {
		t.Fatal("the binary field was not deleted")
	}
}

func TestBulkDelete(t *testing.T) {
	addr := startOurs(t)
	ctx := context.Background()
	a := admin(t, addr, 3)
	for i := 0; i < 2500; i++ {
		a.Set(ctx, fmt.Sprintf("cache:old:%d", i), i, 0)
	}
	a.Set(ctx, "cache:keep", 1, 0)
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	var prev struct {
		Count    int64
		Complete bool
		Token    string
		Sample   []Bin
	}
	if code := c.do("POST", "/api/bulk/preview", map[string]any{"db": 3, "pattern": "cache:old:*"}, &prev); code != 200 || prev.Count != 2500 || !prev.Complete || prev.Token == "" || len(prev.Sample) != 20 {
		t.Fatalf("preview: %d %+v", code, prev)
	}
	// Nothing deleted yet; a bad token deletes nothing.
	if n := a.DBSize(ctx).Val(); n != 2501 {
		t.Fatalf("dbsize after preview: %d", n)
	}
	if code := c.do("POST", "/api/bulk/delete", map[string]any{"token": "nope"}, nil); code != 400 {
		t.Fatalf("bad token: %d", code)
	}
	var done struct{ Deleted int64 }
	if code := c.do("POST", "/api/bulk/delete", map[string]any{"token": prev.Token}, &done); code != 200 || done.Deleted != 2500 {
		t.Fatalf("delete: %d %+v", code, done)
	}
	if n := a.DBSize(ctx).Val(); n != 1 {
		t.Fatalf("dbsize after delete: %d", n)
	}
	// The token is single-use.
	if code := c.do("POST", "/api/bulk/delete", map[string]any{"token": prev.Token}, nil); code != 400 {
		t.Fatalf("reused token: %d", code)
	}
}

func TestWorkbench(t *testing.T) {
	addr := startOurs(t)
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	var r struct {
		Results []workbenchResult `json:"results"`
		DB      int               `json:"db"`
	}
	cmds := "SET greeting \"hello world\"\nGET greeting\nRPUSH l a b\nLRANGE l 0 -1\nINCR greeting\nSELECT 2\nSET two 2\nAUTH x\nMONITOR\nNOSUCHCOMMAND"
	if code := c.do("POST", "/api/workbench", map[string]any{"db": 1, "commands": cmds}, &r); code != 200 {
		t.Fatalf("workbench: %d", code)
	}
	want := []string{"OK\n", "\"hello world\"\n", "(integer) 2\n", "1) \"a\"\n2) \"b\"\n", "(error) ERR value is not an integer or out of range\n", "OK\n", "OK\n"}
	for i, w := range want {
		if r.Results[i].Output != w {
			t.Errorf("result %d (%s): %q, want %q", i, r.Results[i].Command, r.Results[i].Output, w)
		}
	}
	if !r.Results[7].Error || !strings.Contains(r.Results[7].Output, "refused") || !strings.Contains(r.Results[8].Output, "Monitor page") {
		t.Errorf("refused commands: %+v %+v", r.Results[7], r.Results[8])
	}
	if !strings.Contains(r.Results[9].Output, "unknown command") {
		t.Errorf("unknown command: %+v", r.Results[9])
	}
	if r.DB != 2 {
		t.Errorf("db after SELECT 2: %d", r.DB)
	}
	ctx := context.Background()
	if admin(t, addr, 1).Get(ctx, "greeting").Val() != "hello world" || admin(t, addr, 2).Get(ctx, "two").Val() != "2" {
		t.Error("workbench writes went to the wrong databases")
	}
	// MULTI/EXEC spans requests on the session's connection.
	c.do("POST", "/api/workbench", map[string]any{"db": 0, "commands": "MULTI\nINCR n\nINCR n"}, &r)
	c.do("POST", "/api/workbench", map[string]any{"db": 0, "commands": "EXEC"}, &r)
	if r.Results[0].Output != "1) (integer) 1\n2) (integer) 2\n" {
		t.Errorf("EXEC: %q", r.Results[0].Output)
	}
}

func TestOverviewDatabasesSlowlogAnalysis(t *testing.T) {
	addr := startOurs(t)
	seed(t, addr)
	c := newClient(t, startConsole(t, addr, func(cfg *Config) { cfg.SampleInterval = 100 * time.Millisecond }))
	c.login("", testPassword)
	time.Sleep(350 * time.Millisecond)
	var ov overviewResponse
	if code := c.do("GET", "/api/overview", nil, &ov); code != 200 || ov.Error != "" || len(ov.Samples) < 2 || ov.Fields["server"]["redis_version"] == "" || len(ov.Keyspace) != 6 {
		t.Fatalf("overview: %d %+v", code, ov)
	}
	last := ov.Samples[len(ov.Samples)-1]
	if last.Memory == 0 || last.Clients == 0 || last.Keys < 200 {
		t.Fatalf("sample: %+v", last)
	}
	var since overviewResponse
	c.do("GET", fmt.Sprintf("/api/overview?since=%d", last.T), nil, &since)
	for _, s := range since.Samples {
		if s.T <= last.T {
			t.Fatalf("since: old sample %d", s.T)
		}
	}
	var dbs struct {
		Databases []dbReport `json:"databases"`
	}
	if code := c.do("GET", "/api/databases", nil, &dbs); code != 200 || len(dbs.Databases) != 6 {
		t.Fatalf("databases: %d %+v", code, dbs)
	}
	d0 := dbs.Databases[0]
	if d0.Name != "sessions" || d0.Keys < 80 || d0.Expires != 40 || d0.Memory == 0 || !d0.MemoryExact || d0.Matching != d0.Sampled {
		t.Fatalf("db0: %+v", d0)
	}
	var slow struct {
		Entries []slowEntry `json:"entries"`
	}
	if code := c.do("GET", "/api/slowlog", nil, &slow); code != 200 || len(slow.Entries) == 0 {
		t.Fatalf("slowlog: %d %+v", code, slow)
	}
	if code := c.do("POST", "/api/slowlog/reset", nil, nil); code != 200 {
		t.Fatalf("slowlog reset: %d", code)
	}
	var an struct {
		Report struct {
			Patterns []struct{ Pattern string } `json:"patterns"`
			Top      []struct{ Key string }     `json:"top_keys"`
			TTL      map[string]int64           `json:"ttl_distribution"`
			Complete bool                       `json:"complete"`
		} `json:"report"`
		Namespaces []struct{ Pattern string } `json:"namespaces"`
	}
	if code := c.do("GET", "/api/analysis?db=1", nil, &an); code != 200 || !an.Report.Complete || len(an.Report.Top) == 0 || an.Report.TTL["no ttl"] == 0 || len(an.Namespaces) != 2 {
		t.Fatalf("analysis: %d %+v", code, an)
	}
}

// sse reads a Server-Sent Events stream.
type sse struct {
	res *http.Response
	sc  *bufio.Scanner
}

func (c *client) stream(path string) *sse {
	c.t.Helper()
	res, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { res.Body.Close() })
	if res.Header.Get("Content-Type") != "text/event-stream" {
		c.t.Fatalf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sse{res: res, sc: bufio.NewScanner(res.Body)}
}

// next returns the next event's name and data.
func (s *sse) next() (string, string) {
	var name, data string
	for s.sc.Scan() {
		l := s.sc.Text()
		switch {
		case strings.HasPrefix(l, "event: "):
			name = l[7:]
		case strings.HasPrefix(l, "data: "):
			data = l[6:]
		case l == "" && name != "":
			return name, data
		}
	}
	return "", ""
}

func TestMonitorAndPubSub(t *testing.T) {
	addr := startOurs(t)
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	ctx := context.Background()

	mon := c.stream("/api/monitor?csrf=" + c.csrf)
	if ev, _ := mon.next(); ev != "started" {
		t.Fatalf("monitor: %s", ev)
	}
	admin(t, addr, 0).Set(ctx, "probe:monitor", "1", 0)
	deadline := time.Now().Add(5 * time.Second)
	for {
		ev, data := mon.next()
		if ev == "lines" && strings.Contains(data, `\"probe:monitor\"`) {
			break
		}
		if time.Now().After(deadline) || ev == "" {
			t.Fatalf("the monitor did not show the command (last %s %s)", ev, data)
		}
	}
	mon.res.Body.Close()

	sub := c.stream("/api/pubsub/subscribe?channels=news&patterns=alerts:*&csrf=" + c.csrf)
	if ev, _ := sub.next(); ev != "started" {
		t.Fatalf("subscribe: %s", ev)
	}
	var pub struct{ Receivers int64 }
	c.do("POST", "/api/pubsub/publish", map[string]string{"channel": "news", "message": "hello"}, &pub)
	if pub.Receivers != 1 {
		t.Fatalf("publish: %+v", pub)
	}
	admin(t, addr, 0).Publish(ctx, "alerts:disk", "90%")
	for _, want := range []string{`"channel":{"s":"news"},"payload":{"s":"hello"}`, `"channel":{"s":"alerts:disk"},"pattern":"alerts:*","payload":{"s":"90%"}`} {
		ev, data := sub.next()
		if ev != "message" || !strings.Contains(data, want) {
			t.Fatalf("message: %s %s, want %s", ev, data, want)
		}
	}
	var ch struct {
		Channels []channelInfo `json:"channels"`
		Patterns int64         `json:"patterns"`
	}
	c.do("GET", "/api/pubsub/channels", nil, &ch)
	if len(ch.Channels) != 1 || ch.Channels[0].Channel.S != "news" || ch.Channels[0].Subscribers != 1 || ch.Patterns != 1 {
		t.Fatalf("channels: %+v", ch)
	}
	// Logging out ends the streams.
	c.do("POST", "/api/logout", nil, nil)
	if ev, _ := sub.next(); ev != "end" {
		t.Fatalf("after logout: %q", ev)
	}
}

func TestSessionLimits(t *testing.T) {
	addr := startOurs(t)
	base := startConsole(t, addr, func(cfg *Config) { cfg.MaxSessions = 2; cfg.SessionIdle = 300 * time.Millisecond })
	a, b, c := newClient(t, base), newClient(t, base), newClient(t, base)
	a.login("", testPassword)
	time.Sleep(10 * time.Millisecond)
	b.login("", testPassword)
	c.login("", testPassword) // ends a, the least recently used
	if code := a.do("GET", "/api/session", nil, nil); code != 401 {
		t.Fatalf("evicted session: %d", code)
	}
	if code := b.do("GET", "/api/session", nil, nil); code != 200 {
		t.Fatalf("live session: %d", code)
	}
	time.Sleep(400 * time.Millisecond)
	if code := b.do("GET", "/api/session", nil, nil); code != 401 {
		t.Fatalf("idle session: %d", code)
	}
}

// TestMillionKeys checks that the browser stays responsive with 1M keys
// (DEBUG POPULATE 1000000): a page of keys, a filtered page, a key, the
// databases page and the analysis all answer quickly, bounded in work.
func TestMillionKeys(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1M keys: skipped in -short and -race runs")
	}
	addr := startOurs(t, func(c *config.Config) { c.EnableDebugCommand = "yes" })
	ctx := context.Background()
	if err := admin(t, addr, 0).Do(ctx, "DEBUG", "POPULATE", 1000000).Err(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, startConsole(t, addr))
	c.login("", testPassword)
	timed := func(what, path string, out any, limit time.Duration) {
		t.Helper()
		start := time.Now()
		if code := c.do("GET", path, nil, out); code != 200 {
			t.Fatalf("%s: %d", what, code)
		}
		if d := time.Since(start); d > limit {
			t.Errorf("%s took %v (limit %v)", what, d, limit)
		} else {
			t.Logf("%s: %v", what, d)
		}
	}
	var page scanResponse
	timed("first page", "/api/keys?db=0&count=200", &page, time.Second)
	if len(page.Keys) < 200 || page.Done || page.DBSize != 1000000 {
		t.Fatalf("first page: %d keys, done %v, dbsize %d", len(page.Keys), page.Done, page.DBSize)
	}
	timed("next page", "/api/keys?db=0&count=200&cursor="+page.Cursor, &page, time.Second)
	timed("rare pattern", "/api/keys?db=0&count=200&match=key:99999*", &page, 2*time.Second)
	if page.Calls > scanMaxCalls {
		t.Fatalf("one page made %d SCAN calls", page.Calls)
	}
	timed("no match", "/api/keys?db=0&count=200&match=nothing:*", &page, 2*time.Second)
	var v keyView
	timed("key", "/api/key?db=0&key=key:123456", &v, time.Second)
	var dbs struct {
		Databases []dbReport `json:"databases"`
	}
	timed("databases", "/api/databases", &dbs, 3*time.Second)
	if dbs.Databases[0].Keys != 1000000 || dbs.Databases[0].MemoryExact || dbs.Databases[0].Memory < 10<<20 {
		t.Fatalf("db0 estimate: %+v", dbs.Databases[0])
	}
	var an map[string]any
	timed("analysis", "/api/analysis?db=0", &an, 12*time.Second)
}

// TestTLSCookie: over HTTPS the session cookie is Secure and HSTS is sent.
func TestTLSCookie(t *testing.T) {
	addr := startOurs(t)
	c := New(Config{RedisAddr: addr, Databases: testDatabases})
	defer c.Close()
	ts := httptest.NewTLSServer(c)
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/login", strings.NewReader(`{"password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ck := res.Cookies()
	if res.StatusCode != 200 || len(ck) != 1 || !ck[0].Secure || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over TLS: %d %+v", res.StatusCode, ck)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
}
