package server_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate into dir and returns their paths.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
	caPool                                               *x509.CertPool
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "autobot test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name string, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return write(name+".crt", "CERTIFICATE", der), write(name+".key", "EC PRIVATE KEY", kder)
	}
	p := testPKI{caFile: write("ca.crt", "CERTIFICATE", caDER), caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)
	p.serverCert, p.serverKey = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

// TestTLS serves plain TCP and mutual TLS side by side and talks to both
// with go-redis and, when installed, redis-cli --tls.
func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv, plainAddr := servertest.Start(t, func(c *config.Config) {
		c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = pki.serverCert, pki.serverKey, pki.caFile
		c.TLSAuthClients = "yes"
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ServeTLS(l); err != nil {
		t.Fatal(err)
	}
	tlsAddr := l.Addr().String()
	ctx := context.Background()
	cert, err := tls.LoadX509KeyPair(pki.clientCert, pki.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	secure := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: &tls.Config{RootCAs: pki.caPool, Certificates: []tls.Certificate{cert}}})
	defer secure.Close()
	if err := secure.Set(ctx, "over", "tls", 0).Err(); err != nil {
		t.Fatalf("set over TLS: %v", err)
	}
	plain := redis.NewClient(&redis.Options{Addr: plainAddr})
	defer plain.Close()
	if v := plain.Get(ctx, "over").Val(); v != "tls" {
		t.Fatalf("plain client sees %q", v)
	}
	// Without a client certificate the handshake must fail.
	anon := redis.NewClient(&redis.Options{Addr: tlsAddr, MaxRetries: -1, TLSConfig: &tls.Config{RootCAs: pki.caPool}})
	defer anon.Close()
	if err := anon.Ping(ctx).Err(); err == nil {
		t.Fatal("TLS client without certificate was accepted with tls-auth-clients yes")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Log("redis-cli not found; skipping the redis-cli --tls part")
		return
	}
	host, port, _ := strings.Cut(tlsAddr, ":")
	out, err := exec.Command(cli, "-h", host, "-p", port, "--tls", "--cacert", pki.caFile,
		"--cert", pki.clientCert, "--key", pki.clientKey, "GET", "over").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "tls" {
		t.Fatalf("redis-cli --tls: %q, %v", out, err)
	}
}

// rawConn is a minimal RESP connection for tests that read pushes.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(args ...string) {
	rc.t.Helper()
	var b strings.Builder
	b.WriteString("*" + itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	if _, err := rc.c.Write([]byte(b.String())); err != nil {
		rc.t.Fatal(err)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// line reads one protocol line (without \r\n), failing after a timeout.
func (rc *rawConn) line() string {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := rc.r.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("read: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// TestMonitor checks MONITOR's line format and that it sees other clients.
func TestMonitor(t *testing.T) {
	_, addr := servertest.Start(t)
	mon := dialRaw(t, addr)
	mon.send("MONITOR")
	if got := mon.line(); got != "+OK" {
		t.Fatalf("MONITOR reply %q", got)
	}
	other := dialRaw(t, addr)
	other.send("SET", "a b", "x\"y\n")
	other.line()
	other.send("AUTH", "secret")
	other.line()
	l1, l2 := mon.line(), mon.line()
	if !strings.HasSuffix(l1, `"SET" "a b" "x\"y\n"`) || !strings.Contains(l1, " [0 127.0.0.1:") {
		t.Fatalf("monitor line %q", l1)
	}
	if !strings.HasSuffix(l2, `"AUTH" "(redacted)"`) {
		t.Fatalf("AUTH not redacted: %q", l2)
	}
}

// TestTrackingInvalidation: a RESP3 client that read a key gets an
// invalidation push when another client writes it; BCAST prefixes too.
func TestTrackingInvalidation(t *testing.T) {
	_, addr := servertest.Start(t)
	tr := dialRaw(t, addr)
	tr.send("HELLO", "3")
	for l := tr.line(); !strings.HasPrefix(l, "*0"); l = tr.line() {
	}
	tr.send("CLIENT", "TRACKING", "on")
	if got := tr.line(); got != "+OK" {
		t.Fatalf("tracking on: %q", got)
	}
	tr.send("GET", "user:1")
	if got := tr.line(); got != "_" {
		t.Fatalf("get: %q", got)
	}
	w := dialRaw(t, addr)
	w.send("SET", "user:1", "x")
	w.line()
	want := []string{">2", "$10", "invalidate", "*1", "$6", "user:1"}
	for _, exp := range want {
		if got := tr.line(); got != exp {
			t.Fatalf("invalidation: got %q want %q", got, exp)
		}
	}
	// The key is forgotten after one invalidation until read again.
	w.send("SET", "user:1", "y")
	w.line()
	tr.send("PING")
	if got := tr.line(); got != "+PONG" {
		t.Fatalf("expected no second invalidation, got %q", got)
	}
	b := dialRaw(t, addr)
	b.send("HELLO", "3")
	for l := b.line(); !strings.HasPrefix(l, "*0"); l = b.line() {
	}
	b.send("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "session:")
	b.line()
	w.send("SET", "session:9", "1")
	w.line()
	for _, exp := range []string{">2", "$10", "invalidate", "*1", "$9", "session:9"} {
		if got := b.line(); got != exp {
			t.Fatalf("bcast invalidation: got %q want %q", got, exp)
		}
	}
}

// TestEviction fills a small maxmemory with each policy family.
func TestEviction(t *testing.T) {
	ctx := context.Background()
	t.Run("allkeys-lru", func(t *testing.T) {
		_, addr := servertest.Start(t, func(c *config.Config) {
			c.MaxMemory = 4 << 20
			c.MaxMemoryPolicy = "allkeys-lru"
		})
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		val := strings.Repeat("v", 1000)
		for i := 0; i < 20000; i++ {
			if err := rdb.Set(ctx, "k"+itoa(i), val, 0).Err(); err != nil {
				t.Fatalf("set %d: %v", i, err)
			}
		}
		info := rdb.Info(ctx, "stats", "memory").Val()
		if !strings.Contains(info, "evicted_keys:") || strings.Contains(info, "evicted_keys:0\r") {
			t.Fatalf("nothing evicted:\n%s", info)
		}
		if n := rdb.DBSize(ctx).Val(); n >= 20000 || n == 0 {
			t.Fatalf("dbsize %d after eviction", n)
		}
	})
	t.Run("noeviction", func(t *testing.T) {
		_, addr := servertest.Start(t, func(c *config.Config) {
			c.MaxMemory = 2 << 20
			c.MaxMemoryPolicy = "noeviction"
		})
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		val := strings.Repeat("v", 1000)
		var err error
		for i := 0; i < 20000 && err == nil; i++ {
			err = rdb.Set(ctx, "k"+itoa(i), val, 0).Err()
		}
		if err == nil || err.Error() != "OOM command not allowed when used memory > 'maxmemory'." {
			t.Fatalf("want OOM error, got %v", err)
		}
		// Reads and deletes still work.
		if err := rdb.Get(ctx, "k1").Err(); err != nil {
			t.Fatalf("read under OOM: %v", err)
		}
		if err := rdb.Del(ctx, "k1").Err(); err != nil {
			t.Fatalf("del under OOM: %v", err)
		}
	})
}

// TestACLMatrixOverTLS runs the ACL matrix over mutual TLS (client
// certificates generated here) and requires exactly the outcomes of
// plain TCP: the transport must not change what a user may do.
func TestACLMatrixOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv, plainAddr := servertest.Start(t, func(c *config.Config) {
		c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = pki.serverCert, pki.serverKey, pki.caFile
		c.TLSAuthClients = "yes"
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ServeTLS(l); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(pki.clientCert, pki.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := &tls.Config{RootCAs: pki.caPool, Certificates: []tls.Certificate{cert}}
	overTLS := func() (net.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", l.Addr().String(), tlsConf)
	}
	viaTLS := runACLMatrix(t, overTLS)
	viaTCP := runACLMatrix(t, tcpDialer(plainAddr))
	for cell, want := range aclMatrixExpect {
		if got := viaTLS[cell]; got != want {
			t.Errorf("TLS %s = %q, want %q", cell, got, want)
		}
	}
	compareMatrices(t, viaTCP, viaTLS)
}
