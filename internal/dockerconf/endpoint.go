package dockerconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// EndpointReport is what a daemon's TLS endpoint serves.
type EndpointReport struct {
	Certificate *x509.Certificate
	// VerifyError is nil when the certificate chains to one of the CAs and names
	// the host; otherwise it says why not, as a client would.
	VerifyError error
	TLSVersion  string
}

// ProbeRequest says which endpoint to probe and with what.
type ProbeRequest struct {
	Host Host
	// ServerName is the name to verify, when it differs from Host.Hostname.
	ServerName string
	// CAs is the trust bundle the served certificate is verified against.
	CAs []*x509.Certificate
	// ClientCert is presented when set; a daemon with tlsverify needs it
	// to complete a TLS 1.2 handshake.
	ClientCert *tls.Certificate
	Timeout    time.Duration
}

// Probe connects to a TLS endpoint, completes the handshake and reports the
// certificate the server presented, verified against the CA separately so
// that an untrusted certificate is reported rather than hidden behind a
// handshake failure. It sends no HTTP request.
func Probe(ctx context.Context, req ProbeRequest) (*EndpointReport, error) {
	name := req.ServerName
	if name == "" {
		name = req.Host.Hostname
	}
	cfg := &tls.Config{
		ServerName: name,
		MinVersion: tls.VersionTLS12,
		// Verification happens below, against the CA only, so that the
		// report can say what is wrong instead of failing the handshake.
		InsecureSkipVerify: true, //nolint:gosec // verified explicitly after the handshake
	}
	if req.ClientCert != nil {
		cfg.Certificates = []tls.Certificate{*req.ClientCert}
	}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: req.Timeout}, Config: cfg}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	conn, err := dialer.DialContext(ctx, "tcp", req.Host.Address())
	if err != nil {
		return nil, describeDialError(req.Host, req.Timeout, err)
	}
	defer func() { _ = conn.Close() }()
	state := conn.(*tls.Conn).ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return nil, fmt.Errorf("%s presented no certificate", req.Host.Address())
	}
	leaf := state.PeerCertificates[0]
	report := &EndpointReport{Certificate: leaf, TLSVersion: tls.VersionName(state.Version)}
	report.VerifyError = pki.VerifyBundle(req.CAs, leaf, pki.UsageServer, name, time.Now())
	return report, nil
}

func describeDialError(h Host, timeout time.Duration, err error) error {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("connecting to %s timed out after %s: check that dockerd listens there and that no firewall drops the port", h.Address(), timeout)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("connecting to %s timed out after %s", h.Address(), timeout)
	}
	var recordErr tls.RecordHeaderError
	if errors.As(err, &recordErr) {
		return fmt.Errorf("%s does not speak TLS (\"tls: first record does not look like a TLS handshake\"): dockerd there runs without tls; set tls_verify and the certificates in its daemon.json", h.Address())
	}
	return fmt.Errorf("connecting to %s: %w", h.Address(), err)
}
