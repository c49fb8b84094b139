package pki

import (
	"crypto/x509"
	"fmt"
	"time"
)

// Usage is what a leaf certificate is checked for.
type Usage int

// The usages a Docker TLS leaf certificate is verified for.
const (
	UsageServer Usage = iota + 1
	UsageClient
)

// ExtKeyUsage is the extended key usage a certificate for u must carry.
func (u Usage) ExtKeyUsage() x509.ExtKeyUsage {
	if u == UsageClient {
		return x509.ExtKeyUsageClientAuth
	}
	return x509.ExtKeyUsageServerAuth
}

// Side names the end of the connection: "server" or "client".
func (u Usage) Side() string {
	if u == UsageClient {
		return "client"
	}
	return "server"
}

func (u Usage) String() string {
	if u == UsageClient {
		return "clientAuth"
	}
	return "serverAuth"
}

// Verify checks that leaf chains to ca, and to ca only, for usage at now, the
// way dockerd (client certificates) and the docker CLI (server certificates)
// check it. A name, when given, must be among the leaf's SANs.
func Verify(ca, leaf *x509.Certificate, usage Usage, name string, now time.Time) error {
	return VerifyBundle([]*x509.Certificate{ca}, leaf, usage, name, now)
}

func verify(roots *x509.CertPool, leaf *x509.Certificate, usage Usage, name string, now time.Time) error {
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{usage.ExtKeyUsage()},
		DNSName:     name,
	})
	if err != nil {
		return fmt.Errorf("the certificate %q does not verify for %s: %w", leaf.Subject.CommonName, usage, err)
	}
	return nil
}
