package pki

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestServerProfileRequest(t *testing.T) {
	long := strings.Repeat("a", 60) + ".example.internal"
	tests := []struct {
		name     string
		profile  ServerProfile
		cn       string
		dnsNames []string
		ips      string
		usages   []x509.ExtKeyUsage
	}{
		{"names and loopback", ServerProfile{DNSNames: []string{"docker1.example.internal"}, IPAddresses: []string{"10.0.0.5"}, IncludeLoopback: true},
			"docker1.example.internal", []string{"docker1.example.internal", "localhost"}, "[10.0.0.5 127.0.0.1 ::1]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"loopback already given, in other forms", ServerProfile{DNSNames: []string{"LOCALHOST"}, IPAddresses: []string{"0:0:0:0:0:0:0:1"}, IncludeLoopback: true},
			"LOCALHOST", []string{"LOCALHOST"}, "[::1 127.0.0.1]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"no loopback, an address only, client auth", ServerProfile{IPAddresses: []string{"fd00:0::5"}, ClientAuth: true},
			"fd00::5", []string{}, "[fd00::5]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
		{"a DNS name too long for a common name", ServerProfile{DNSNames: []string{long, "docker2"}},
			"docker2", []string{long, "docker2"}, "[]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"nothing but loopback", ServerProfile{IncludeLoopback: true},
			"localhost", []string{"localhost"}, "[127.0.0.1 ::1]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"a common name given", ServerProfile{Subject: Subject{CommonName: "Docker host 1"}, DNSNames: []string{"docker1"}},
			"Docker host 1", []string{"docker1"}, "[]", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.profile.Request()
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject.CommonName != tc.cn {
				t.Errorf("common name %q, want %q", r.Subject.CommonName, tc.cn)
			}
			if !slices.Equal(r.DNSNames, tc.dnsNames) {
				t.Errorf("DNS names %q, want %q", r.DNSNames, tc.dnsNames)
			}
			if got := fmt.Sprint(r.IPAddresses); got != tc.ips {
				t.Errorf("IP addresses %s, want %s", got, tc.ips)
			}
			if !slices.Equal(r.ExtKeyUsage, tc.usages) {
				t.Errorf("extended key usages %v, want %v", r.ExtKeyUsage, tc.usages)
			}
		})
	}
	if _, err := (ServerProfile{IPAddresses: []string{"docker1"}}).Request(); err == nil {
		t.Error("a host name among the addresses was accepted")
	}
}

func TestServerProfileDoesNotChangeItsInput(t *testing.T) {
	names := make([]string, 1, 4)
	names[0] = "docker1"
	p := ServerProfile{DNSNames: names, IncludeLoopback: true}
	if _, _, err := p.Names(); err != nil {
		t.Fatal(err)
	}
	if got := names[:cap(names)][1]; got != "" {
		t.Errorf("Names wrote %q into the caller's array", got)
	}
}

func TestClientProfileRequest(t *testing.T) {
	r := ClientProfile{Subject: Subject{CommonName: "ci", Organization: "Builds"}}.Request()
	if r.Subject.CommonName != "ci" || r.Subject.Organization != "Builds" || len(r.DNSNames)+len(r.IPAddresses) != 0 ||
		!slices.Equal(r.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("client request %+v", r)
	}
}
