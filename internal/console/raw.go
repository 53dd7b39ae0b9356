package console

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// rawConn is a plain RESP connection for what go-redis hides: the
// workbench shows replies exactly as redis-cli does (a status is not a
// bulk string), and MONITOR streams lines on a dedicated connection.
type rawConn struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
	db int
}

// dialRaw connects and authenticates as the session's user.
func (c *Console) dialRaw(user, password string) (*rawConn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", c.cfg.RedisAddr)
	if err != nil {
		return nil, err
	}
	if c.cfg.RedisTLS != nil {
		tc := c.cfg.RedisTLS.Clone()
		if tc.ServerName == "" {
			tc.ServerName, _, _ = net.SplitHostPort(c.cfg.RedisAddr)
		}
		tl := tls.Client(nc, tc)
		tl.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tl.Handshake(); err != nil {
			nc.Close()
			return nil, err
		}
		tl.SetDeadline(time.Time{})
		nc = tl
	}
	rc := &rawConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10), w: bufio.NewWriter(nc)}
	if password != "" {
		args := []string{"AUTH", password}
		if user != "" {
			args = []string{"AUTH", user, password}
		}
		rep, err := rc.do(10*time.Second, args...)
		if err != nil {
			rc.close()
			return nil, err
		}
		if rep.IsError() {
			rc.close()
			return nil, errors.New(string(rep.Str))
		}
	}
	return rc, nil
}

// do sends one command and reads its reply within timeout.
func (rc *rawConn) do(timeout time.Duration, args ...string) (resp.Reply, error) {
	rc.nc.SetDeadline(time.Now().Add(timeout))
	defer rc.nc.SetDeadline(time.Time{})
	if err := rc.send(args); err != nil {
		return resp.Reply{}, err
	}
	return resp.ReadReply(rc.r)
}

func (rc *rawConn) send(args []string) error {
	rc.w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		rc.w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		rc.w.WriteString(a)
		rc.w.WriteString("\r\n")
	}
	return rc.w.Flush()
}

func (rc *rawConn) close() { rc.nc.Close() }
