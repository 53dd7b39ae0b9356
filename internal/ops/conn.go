// Package ops holds the operations tools behind `autobot-redis health`,
// `doctor`, `memory`, `backup` and `restore`. They talk to any Redis
// (ours, Debian's, a managed one) through go-redis, with redis-cli style
// connection flags.
package ops

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ConnFlags are the connection options shared by every ops command, with
// redis-cli's names.
type ConnFlags struct {
	Host, User, Password, URI string
	Port, DB                  int
	TLS, Insecure             bool
	CACert, Cert, Key         string
	Timeout                   time.Duration
}

// Register adds the flags to fs.
func (c *ConnFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Host, "h", "127.0.0.1", "server hostname")
	fs.IntVar(&c.Port, "p", 6379, "server port")
	fs.StringVar(&c.Password, "a", "", "password (REDISCLI_AUTH in the environment is safer)")
	fs.StringVar(&c.User, "user", "", "ACL user name")
	fs.StringVar(&c.URI, "u", "", "server URI: redis://user:password@host:port/db (rediss:// for TLS)")
	fs.IntVar(&c.DB, "n", 0, "database number")
	fs.BoolVar(&c.TLS, "tls", false, "connect with TLS")
	fs.BoolVar(&c.Insecure, "insecure", false, "skip TLS certificate verification")
	fs.StringVar(&c.CACert, "cacert", "", "CA certificate file for TLS")
	fs.StringVar(&c.Cert, "cert", "", "client certificate for TLS")
	fs.StringVar(&c.Key, "key", "", "client private key for TLS")
	fs.DurationVar(&c.Timeout, "timeout", 2*time.Second, "connect and read timeout")
}

// Options builds go-redis options for database db.
func (c *ConnFlags) Options(db int) (*redis.Options, error) {
	var o *redis.Options
	if c.URI != "" {
		var err error
		if o, err = redis.ParseURL(c.URI); err != nil {
			return nil, fmt.Errorf("bad -u URI: %w", err)
		}
	} else {
		o = &redis.Options{Addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Username: c.User, Password: c.Password}
	}
	if o.Password == "" {
		o.Password = os.Getenv("REDISCLI_AUTH")
	}
	o.DB = db
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = c.Timeout, c.Timeout, c.Timeout
	o.MaxRetries = -1
	o.DisableIdentity = true
	if c.TLS || c.CACert != "" || c.Cert != "" {
		tc := &tls.Config{InsecureSkipVerify: c.Insecure, MinVersion: tls.VersionTLS12}
		if c.CACert != "" {
			pem, err := os.ReadFile(c.CACert)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			tc.RootCAs = pool
		}
		if c.Cert != "" {
			cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
			if err != nil {
				return nil, err
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if host, _, err := net.SplitHostPort(o.Addr); err == nil {
			tc.ServerName = host
		}
		o.TLSConfig = tc
	}
	return o, nil
}

// Client returns a client for database db.
func (c *ConnFlags) Client(db int) (*redis.Client, error) {
	o, err := c.Options(db)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// Addr is the address the flags point at, for messages.
func (c *ConnFlags) Addr() string {
	if o, err := c.Options(0); err == nil {
		return o.Addr
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}
