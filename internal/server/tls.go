package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// TLS on tls-port, side by side with plain TCP on port, with the standard
// library's crypto/tls: tls-cert-file/tls-key-file for the server's
// identity, tls-ca-cert-file/tls-ca-cert-dir for verifying clients,
// tls-auth-clients yes|no|optional for mutual TLS, and tls-protocols to
// restrict versions. OpenSSL cipher strings (tls-ciphers,
// tls-ciphersuites) have no crypto/tls equivalent and are ignored with a
// warning: Go's defaults only offer modern AEAD suites.

func (s *Server) buildTLSConfig() (*tls.Config, error) {
	c := s.cfg
	if c.TLSCertFile == "" || c.TLSKeyFile == "" {
		return nil, errors.New("tls-port is set but tls-cert-file or tls-key-file is missing")
	}
	if c.TLSKeyFilePass != "" {
		return nil, errors.New("tls-key-file-pass: encrypted private keys are not supported; decrypt the key file")
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading tls-cert-file/tls-key-file: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.TLSCACertFile != "" || c.TLSCACertDir != "" {
		pool := x509.NewCertPool()
		files := []string{}
		if c.TLSCACertFile != "" {
			files = append(files, c.TLSCACertFile)
		}
		if c.TLSCACertDir != "" {
			matches, _ := filepath.Glob(filepath.Join(c.TLSCACertDir, "*"))
			files = append(files, matches...)
		}
		for _, f := range files {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("reading CA certificates %s: %w", f, err)
			}
			pool.AppendCertsFromPEM(pem)
		}
		tc.ClientCAs = pool
	}
	switch strings.ToLower(c.TLSAuthClients) {
	case "no":
		tc.ClientAuth = tls.NoClientCert
	case "optional":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	default: // "yes", Redis's default
		if tc.ClientCAs == nil {
			return nil, errors.New("tls-auth-clients requires tls-ca-cert-file or tls-ca-cert-dir")
		}
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if p := strings.TrimSpace(c.TLSProtocols); p != "" {
		tc.MinVersion, tc.MaxVersion = 0, 0
		for _, v := range strings.Fields(p) {
			var ver uint16
			switch strings.ToLower(v) {
			case "tlsv1.2":
				ver = tls.VersionTLS12
			case "tlsv1.3":
				ver = tls.VersionTLS13
			case "tlsv1", "tlsv1.1":
				return nil, fmt.Errorf("tls-protocols: %s is not supported (TLS 1.2 and 1.3 only)", v)
			default:
				return nil, fmt.Errorf("tls-protocols: unknown protocol %q", v)
			}
			if tc.MinVersion == 0 || ver < tc.MinVersion {
				tc.MinVersion = ver
			}
			if ver > tc.MaxVersion {
				tc.MaxVersion = ver
			}
		}
	}
	if c.TLSCiphers != "" || c.TLSCiphersuites != "" {
		s.log.warning("tls-ciphers/tls-ciphersuites are OpenSSL settings and are ignored: Go's TLS offers only its modern default suites")
	}
	return tc, nil
}

// ServeTLS serves TLS connections on l with the configured certificates:
// the in-process counterpart of tls-port, used by tests and embedders.
func (s *Server) ServeTLS(l net.Listener) error {
	s.mu.Lock()
	tc, err := s.buildTLSConfig()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	go s.Serve(tls.NewListener(l, tc))
	return nil
}
