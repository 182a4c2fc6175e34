//go:build !js

package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// certReloader serves the certificate in -cert/-key and loads it again
// on SIGHUP. Handshakes take whatever certificate is current; sessions
// already open keep theirs, so a reload drops nothing. A reload that
// fails (a half-written file) keeps the previous certificate.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	cur               atomic.Pointer[tls.Certificate]
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s, key %s: %w", c.certFile, c.keyFile, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("TLS certificate %s: %w", c.certFile, err)
	}
	cert.Leaf = leaf
	c.cur.Store(&cert)
	left := time.Until(leaf.NotAfter).Round(time.Hour)
	c.log.Info("TLS certificate loaded", "path", c.certFile, "subject", leaf.Subject.String(), "dns", leaf.DNSNames,
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339), "valid_for", left.String())
	if left < 14*24*time.Hour {
		c.log.Warn("TLS certificate expires soon", "path", c.certFile, "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// notAfter is the current certificate's expiry, for the metrics.
func (c *certReloader) notAfter() float64 {
	return float64(c.cur.Load().Leaf.NotAfter.Unix())
}

func (c *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
		// Browsers open websockets over HTTP/1.1 unless the server
		// offers RFC 8441's extended CONNECT, which net/http does not;
		// the static files may use HTTP/2.
		NextProtos: []string{"h2", "http/1.1"},
	}
}
