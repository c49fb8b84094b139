package dockerconf

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// EndpointReport is what a daemon's TLS endpoint serves.
type EndpointReport struct {
	Certificate *x509.Certificate
	// VerifyError is nil when the certificate chains to one of the CAs and
	// names the host; otherwise it says why not, as a client would.
	VerifyError error
	TLSVersion  string
	// ClientAccepted is whether the daemon admitted the client
	// certificate: true on an HTTP answer, false only on the daemon's
	// refusal (a TLS alert), and nil without a certificate or when neither
	// happened (a timeout, a reset); ClientRefusal then says why
	// not.
	ClientAccepted *bool
	ClientRefusal  error
}

// ProbeRequest says which endpoint to probe and with what.
type ProbeRequest struct {
	Host Host
	// ServerName is the name to verify, when it differs from Host.Hostname.
	ServerName string
	// CAs is the trust bundle the served certificate is verified against.
	CAs []*x509.Certificate
	// ClientCert is presented when set, as the docker CLI presents it: only
	// if its issuer is among the CAs the daemon lists as acceptable.
	ClientCert *tls.Certificate
	Timeout    time.Duration
}

// Probe connects to a TLS endpoint, completes the handshake and reports the
// certificate the server presented, verified against the CAs separately so
// that an untrusted certificate is reported rather than hidden behind a
// handshake failure.
//
// With a client certificate it also finds out whether the daemon admits
// it. Under TLS 1.2 a refused certificate fails the handshake; under TLS
// 1.3 the client's side of the handshake completes and the refusal
// arrives with the first read, so the probe makes one request (GET /_ping)
// and reads its answer.
func Probe(ctx context.Context, req ProbeRequest) (*EndpointReport, error) {
	name := req.ServerName
	if name == "" {
		name = req.Host.Hostname
	}
	var served *x509.Certificate
	offered := false
	cfg := &tls.Config{
		ServerName: name,
		MinVersion: tls.VersionTLS12,
		// Verification happens below, against the CAs only, so that the
		// report can say what is wrong instead of failing the handshake.
		InsecureSkipVerify: true, //nolint:gosec // verified explicitly after the handshake
		// Keeps the served certificate even when the handshake then fails
		// because the daemon refuses the client. (No session is resumed:
		// the config has no ClientSessionCache.)
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				served = cs.PeerCertificates[0]
			}
			return nil
		},
	}
	if req.ClientCert != nil {
		cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			// What crypto/tls does with Certificates, recorded: a client
			// sends nothing unless the daemon accepts its issuer.
			if cri.SupportsCertificate(req.ClientCert) == nil {
				offered = true
				return req.ClientCert, nil
			}
			return &tls.Certificate{}, nil
		}
	}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: req.Timeout}, Config: cfg}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	conn, err := dialer.DialContext(ctx, "tcp", req.Host.Address())
	if err != nil {
		if served == nil || !isRemoteAlert(err) {
			return nil, describeDialError(req.Host, req.Timeout, err)
		}
		// The daemon sent its certificate, then refused the client's.
		report := &EndpointReport{Certificate: served}
		report.VerifyError = pki.VerifyBundle(req.CAs, served, pki.UsageServer, name, time.Now())
		report.refused(req.ClientCert, offered, err)
		return report, nil
	}
	defer func() { _ = conn.Close() }()
	state := conn.(*tls.Conn).ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return nil, fmt.Errorf("%s presented no certificate", req.Host.Address())
	}
	leaf := state.PeerCertificates[0]
	report := &EndpointReport{Certificate: leaf, TLSVersion: tls.VersionName(state.Version)}
	report.VerifyError = pki.VerifyBundle(req.CAs, leaf, pki.UsageServer, name, time.Now())
	if req.ClientCert != nil {
		switch err := pingOver(ctx, conn, req.Host); {
		case err == nil:
			accepted := true
			report.ClientAccepted = &accepted
		case isRemoteAlert(err):
			// Under TLS 1.3 the refusal is an alert after the handshake.
			report.refused(req.ClientCert, offered, err)
		default:
			// A timeout, a reset or an early close: the daemon may have
			// admitted the certificate and failed otherwise. Not knowing
			// is not a refusal.
			report.ClientRefusal = fmt.Errorf("could not tell whether the daemon admits %s: it neither answered GET /_ping nor refused "+
				"the certificate (%w); client_accepted is null", describeClient(req.ClientCert), err)
		}
	}
	return report, nil
}

func describeClient(cert *tls.Certificate) string {
	if cert.Leaf != nil {
		return fmt.Sprintf("the client certificate %q (issued by %q)", cert.Leaf.Subject.CommonName, cert.Leaf.Issuer.CommonName)
	}
	return "the client certificate"
}

// refused records that the daemon did not admit the client certificate.
func (r *EndpointReport) refused(cert *tls.Certificate, offered bool, err error) {
	if cert == nil {
		return
	}
	accepted := false
	r.ClientAccepted = &accepted
	subject := describeClient(cert)
	if !offered {
		r.ClientRefusal = fmt.Errorf("the daemon does not list the issuer of %s among the CAs it admits clients of, so Go clients "+
			"(the docker CLI) do not send it, and the daemon refuses the connection: %w", subject, err)
		return
	}
	r.ClientRefusal = fmt.Errorf("the daemon refused %s: %w", subject, err)
}

// pingOver sends GET /_ping on an established connection and reads the
// answer: any HTTP response means the daemon admitted the client.
func pingOver(ctx context.Context, conn net.Conn, h Host) error {
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+h.Address()+"/_ping", nil)
	if err != nil {
		return err
	}
	req.Close = true
	if err := req.Write(conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// isRemoteAlert reports an alert from the peer, such as "remote error:
// tls: bad certificate"; crypto/tls does not export its type.
func isRemoteAlert(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error"
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
