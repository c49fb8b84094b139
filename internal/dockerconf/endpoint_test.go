package dockerconf

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

type testAuthority struct {
	*pki.Authority
}

func newTestAuthority(t *testing.T, cn string) testAuthority {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: cn}, Validity: time.Hour}, key, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testAuthority{&pki.Authority{Certificate: ca.Certificate, Key: key}}
}

func (a testAuthority) pair(t *testing.T, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := a.Issue(pki.LeafRequest{Subject: pki.Subject{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, Validity: time.Hour, PublicKey: key.Public()}, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{issued.Certificate.Raw}, PrivateKey: key, Leaf: issued.Certificate}
}

// TestProbeClientAccepted runs Probe against a TLS server that verifies
// clients as dockerd does, under TLS 1.2 (a refused client fails the
// handshake) and TLS 1.3 (the refusal comes after it, with the first read).
func TestProbeClientAccepted(t *testing.T) {
	servers, admitted, other := newTestAuthority(t, "servers"), newTestAuthority(t, "admitted issuer"), newTestAuthority(t, "other issuer")
	clientPool := x509.NewCertPool()
	clientPool.AddCert(admitted.Certificate)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/_ping" {
					http.NotFound(w, r)
					return
				}
				fmt.Fprint(w, "OK")
			}))
			srv.TLS = &tls.Config{
				Certificates: []tls.Certificate{servers.pair(t, x509.ExtKeyUsageServerAuth)},
				ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: clientPool,
				MinVersion: tls.VersionTLS12, MaxVersion: version,
			}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refusals are the point
			srv.StartTLS()
			defer srv.Close()
			host, err := ParseHost("tcp://" + srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			probe := func(cert *tls.Certificate) *EndpointReport {
				t.Helper()
				report, err := Probe(context.Background(), ProbeRequest{Host: host, CAs: []*x509.Certificate{servers.Certificate}, ClientCert: cert, Timeout: 5 * time.Second})
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				if report.Certificate == nil || report.VerifyError != nil {
					t.Errorf("served certificate %v, verification %v", report.Certificate, report.VerifyError)
				}
				return report
			}
			good, bad := admitted.pair(t, x509.ExtKeyUsageClientAuth), other.pair(t, x509.ExtKeyUsageClientAuth)
			if r := probe(&good); r.ClientAccepted == nil || !*r.ClientAccepted || r.ClientRefusal != nil {
				t.Errorf("a client of the admitted issuer: accepted %v, refusal %v", r.ClientAccepted, r.ClientRefusal)
			}
			r := probe(&bad)
			if r.ClientAccepted == nil || *r.ClientAccepted {
				t.Errorf("a client of another issuer: accepted %v", r.ClientAccepted)
			}
			if r.ClientRefusal == nil || !strings.Contains(r.ClientRefusal.Error(), `does not list the issuer of the client certificate "127.0.0.1" (issued by "other issuer")`) ||
				!strings.Contains(r.ClientRefusal.Error(), "remote error: tls:") {
				t.Errorf("refusal: %v", r.ClientRefusal)
			}
			if r := probe(nil); r.ClientAccepted != nil {
				t.Errorf("without a client certificate: accepted %v, want unknown", *r.ClientAccepted)
			}
		})
	}
}

// TestProbeNeverCallsSilenceARefusal runs Probe against loopback TLS
// servers that admit the client certificate in the handshake and then do
// not answer: one stays silent, one resets the connection. Neither is a
// refusal, so client_accepted must be unknown, never false: a revocation
// check over it then fails closed.
func TestProbeNeverCallsSilenceARefusal(t *testing.T) {
	servers, admitted := newTestAuthority(t, "servers"), newTestAuthority(t, "admitted issuer")
	clientPool := x509.NewCertPool()
	clientPool.AddCert(admitted.Certificate)
	serverPair := servers.pair(t, x509.ExtKeyUsageServerAuth)
	for _, c := range []struct {
		name  string
		after func(*tls.Conn)
	}{
		{"silent", func(c *tls.Conn) { time.Sleep(3 * time.Second) }},
		{"reset", func(c *tls.Conn) {
			if tcp, ok := c.NetConn().(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // close with RST
			}
		}},
		{"closed", func(*tls.Conn) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
				Certificates: []tls.Certificate{serverPair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientPool, MinVersion: tls.VersionTLS12,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			handshook := make(chan error, 1)
			go func() {
				conn, err := l.Accept()
				if err != nil {
					handshook <- err
					return
				}
				tc := conn.(*tls.Conn)
				err = tc.Handshake()
				handshook <- err
				if err == nil {
					// Read the request, so the client's write succeeds.
					_, _ = tc.Read(make([]byte, 512))
					c.after(tc)
				}
				_ = conn.Close()
			}()
			host, _ := ParseHost("tcp://" + l.Addr().String())
			good := admitted.pair(t, x509.ExtKeyUsageClientAuth)
			report, err := Probe(context.Background(), ProbeRequest{Host: host, CAs: []*x509.Certificate{servers.Certificate}, ClientCert: &good, Timeout: time.Second})
			if herr := <-handshook; herr != nil {
				t.Fatalf("the server did not admit the client in the handshake: %v", herr)
			}
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if report.ClientAccepted != nil {
				t.Errorf("client_accepted = %v, want unknown (the server admitted the certificate)", *report.ClientAccepted)
			}
			if report.ClientRefusal == nil || !strings.Contains(report.ClientRefusal.Error(), "could not tell whether the daemon admits") {
				t.Errorf("client_refusal = %v", report.ClientRefusal)
			}
		})
	}
}
