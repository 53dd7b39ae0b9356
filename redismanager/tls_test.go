package redismanager

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeTestPKI writes a CA and a server certificate for 127.0.0.1.
func writeTestPKI(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestTLSAndACLUser connects to a redis-server that only speaks TLS and
// only knows an ACL user, through a rediss:// URL.
func TestTLSAndACLUser(t *testing.T) {
	if err := haveRedisTools(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	dir := t.TempDir()
	ca, cert, key := writeTestPKI(t, dir)
	port, _ := freePort()
	// Plain port 0: TLS only. The default user is disabled.
	p, err := startRedisTLS(dir, port, "--port", "0", "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert,
		"--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
		"--user", "default", "off", "--user", "autobot", "on", ">s3cret", "~*", "&*", "+@all")
	if err != nil {
		t.Skipf("redis-server without TLS support? %v", err)
	}
	t.Cleanup(p.kill)
	c := testConfig()
	c.Addr = "rediss://autobot:s3cret@127.0.0.1:" + strconv.Itoa(port)
	c.TLSCAFile = ca
	m, err := Open(ctxT(t), c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := ctxT(t)
	s, err := m.Sessions().Create(ctx, "u", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Sessions().Get(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	// A wrong password is a clear error, not a retry loop.
	c.Addr = "rediss://autobot:wrong@127.0.0.1:" + strconv.Itoa(port)
	c.Password, c.Username = "", ""
	start := time.Now()
	_, err = Open(ctx, c)
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") || time.Since(start) > 2*time.Second {
		t.Fatalf("wrong password: %v after %v", err, time.Since(start))
	}
	// Without the CA the certificate is refused.
	c.Addr, c.TLSCAFile = "rediss://autobot:s3cret@127.0.0.1:"+strconv.Itoa(port), ""
	c.MaxRetries = 0
	if _, err := Open(ctx, c); err == nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

// startRedisTLS is startRedis for a server without a plain port (the
// readiness check is a TLS dial).
func startRedisTLS(dir string, port int, args ...string) (*proc, error) {
	p, err := startRedisRaw(dir, args...)
	if err != nil {
		return nil, err
	}
	p.port = port
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", p.addr()); err == nil {
			c.Close()
			return p, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.kill()
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	return nil, errors.New(string(log))
}
