package pki

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	body := "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq3Rk1kZr9Xz0aQ5Y"
	for _, tc := range []struct{ name, in, want string }{
		{"whole PEM key", "terraform import x -----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n: no", "terraform import x " + RedactedKey + "\n: no"},
		{"cut short", "id -----BEGIN EC PRIVATE KEY-----\n" + body[:20], "id " + RedactedKey},
		{"body alone", "id " + body + " end", "id " + RedactedKey + " end"},
		{"path kept", "tls_dir \"/etc/docker/certs.d/registry.example.internal:5000/client.cert\"", ""},
		{"long path without dots kept", "/var/lib/AbcDefGhi1234567890AbcDefGhi1234567890", ""},
		{"fingerprint kept", "sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""},
		{"certificate header kept", "-----BEGIN CERTIFICATE-----", ""},
	} {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if got := Redact(tc.in); got != want {
			t.Errorf("%s: Redact(%q) = %q, want %q", tc.name, tc.in, got, want)
		}
		if strings.Contains(Redact(tc.in), body[40:]) {
			t.Errorf("%s: the key's body is left", tc.name)
		}
	}
}
