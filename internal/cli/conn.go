package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// conn is one connection to the server with the raw RESP access the
// output formatting needs.
type conn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dial(o *Options) (*conn, error) {
	var c net.Conn
	var err error
	d := net.Dialer{Timeout: 5 * time.Second}
	if o.Socket != "" {
		c, err = d.Dial("unix", o.Socket)
	} else {
		c, err = d.Dial("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	}
	if err != nil {
		return nil, err
	}
	if o.TLS {
		tc, err := tlsConfig(o)
		if err != nil {
			c.Close()
			return nil, err
		}
		tl := tls.Client(c, tc)
		if err := tl.Handshake(); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		c = tl
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriter(c)}, nil
}

func tlsConfig(o *Options) (*tls.Config, error) {
	tc := &tls.Config{ServerName: o.SNI, InsecureSkipVerify: o.Insecure}
	if tc.ServerName == "" {
		tc.ServerName = o.Host
	}
	if o.CACert != "" || o.CACertDir != "" {
		pool := x509.NewCertPool()
		files := []string{}
		if o.CACert != "" {
			files = append(files, o.CACert)
		}
		if o.CACertDir != "" {
			m, _ := filepath.Glob(filepath.Join(o.CACertDir, "*"))
			files = append(files, m...)
		}
		for _, f := range files {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			pool.AppendCertsFromPEM(pem)
		}
		tc.RootCAs = pool
	}
	if o.Cert != "" || o.Key != "" {
		cert, err := tls.LoadX509KeyPair(o.Cert, o.Key)
		if err != nil {
			return nil, fmt.Errorf("loading client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// do sends one command and reads its reply.
func (c *conn) do(args ...string) (resp.Reply, error) {
	if err := c.send(args); err != nil {
		return resp.Reply{}, err
	}
	return c.read()
}

func (c *conn) send(args []string) error {
	c.w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		c.w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		c.w.WriteString(a)
		c.w.WriteString("\r\n")
	}
	return c.w.Flush()
}

func (c *conn) read() (resp.Reply, error) { return resp.ReadReply(c.r) }

func (c *conn) close() { c.c.Close() }

// errReply turns an error reply into a Go error.
func errReply(r resp.Reply) error {
	if r.IsError() {
		return errors.New(string(r.Str))
	}
	return nil
}
