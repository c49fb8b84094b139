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
		{"long path kept", "/var/lib/dockertls/Buildkit2024/Registry5000/certs/ClientPairs2026", ""},
		{"fingerprint kept", "sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""},
		{"certificate header kept", "-----BEGIN CERTIFICATE-----", ""},
		{"a relative path kept", `tls_dir "etc/docker/TLS/CertificatesFor2024/buildkitdServer" is not an absolute path`, ""},
		{"an SSH fingerprint kept", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", ""},
		{"mixed-case hex kept", "serial 0aBcDeF0123456789aBcDeF0123456789aBcDeF01", ""},
		{"a body line starting with a slash", `key_path "/` + body[1:] + `"`, `key_path "` + RedactedKey + `"`},
		{"JSON-escaped slashes", `{"k": "` + strings.ReplaceAll(body[:30], "G", `\/`) + body[30:] + `"}`, `{"k": "` + RedactedKey + `"}`},
		{"URL-encoded PEM", "id=-----BEGIN+PRIVATE+KEY-----%0A" + body + "%0A-----END+PRIVATE+KEY-----", "id=" + RedactedKey},
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
