package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPassphraseOutOfState issues leaves under an openssl CA whose key is
// encrypted (OpenSSL 3's `genrsa -aes256` form), with the passphrase given
// write-only: with the write-only key too, neither the key nor the
// passphrase is anywhere in the raw state; with the stored key, the
// passphrase still is not. The stored passphrase with a write-only key
// warns that it is stored while the key is not.
func TestPassphraseOutOfState(t *testing.T) {
	const passphrase = "correct horse battery staple 7f3a"
	dir := t.TempDir()
	// RSA, so that the key traces cannot match the leaves' own ECDSA keys.
	encKey := openssl(t, dir, "ca-key.pem", "genrsa", "-aes256", "-passout", "pass:"+passphrase, "-out", "ca-key.pem", "2048")
	caPEM := opensslCA(t, dir, "ca-key.pem", passphrase)
	leaf := func(name, keyAttr, passAttr string) string {
		version := ""
		if strings.HasSuffix(keyAttr, "_wo") {
			version = "\n  ca_private_key_pem_wo_version = 1"
		}
		return fmt.Sprintf(`
resource "dockertls_server_cert" %q {
  ca_cert_pem = local.ca
  %s = local.key%s
  %s = local.passphrase
  dns_names   = ["%s.example.internal"]
}
`, name, keyAttr, version, passAttr, strings.ReplaceAll(name, "_", "-"))
	}
	locals := fmt.Sprintf("locals {\n  ca = %s\n  key = %s\n  passphrase = %q\n}\n", hclString(caPEM), hclString(encKey), passphrase)

	t.Run("write-only key and passphrase", func(t *testing.T) {
		needsCLI(t, featureWriteOnly)
		tf := newCLI(t, newTestClock(), providerBlock+locals+
			leaf("both_wo", "ca_private_key_pem_wo", "ca_private_key_passphrase_wo")+
			leaf("stored_key", "ca_private_key_pem", "ca_private_key_passphrase_wo"))
		out := tf.mustRun("apply", "-auto-approve", "-input=false")
		if strings.Contains(out, "passphrase is stored") {
			t.Errorf("a warning about a stored passphrase without one:\n%s", out)
		}
		raw, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), passphrase) || strings.Contains(string(raw), `"ca_private_key_passphrase": "`) {
			t.Error("the passphrase is in the state")
		}
		// The stored-key leaf holds the encrypted key by design; the
		// write-only one holds nothing of it.
		if v := tf.stateAttr("dockertls_server_cert.both_wo", "ca_private_key_pem"); v != nil {
			t.Error("the write-only CA key is in the state")
		}
		for _, addr := range []string{"dockertls_server_cert.both_wo", "dockertls_server_cert.stored_key"} {
			if err := opensslVerify(t, caPEM, tf.stateAttr(addr, "cert_pem").(string), "sslserver"); err != nil {
				t.Errorf("%s: %v", addr, err)
			}
		}
		if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
			t.Errorf("plan after apply exited %d:\n%s", code, out)
		}
		// Everything else in the state: no trace of the CA key.
		rest := strings.ReplaceAll(string(raw), jsonString(t, encKey), "")
		for _, trace := range keyTraces(t, encKey, passphrase) {
			if strings.Contains(rest, trace) {
				t.Errorf("a trace of the CA key is in the state outside the stored-key leaf's ca_private_key_pem: %.12s...", trace)
				break
			}
		}
	})

	t.Run("stored passphrase with a write-only key warns", func(t *testing.T) {
		needsCLI(t, featureWriteOnly)
		tf := newCLI(t, newTestClock(), providerBlock+locals+leaf("mixed", "ca_private_key_pem_wo", "ca_private_key_passphrase"))
		out := tf.mustRun("plan", "-input=false")
		if !strings.Contains(unwrap(out), "Warning: The CA key's passphrase is stored while the key is not") ||
			!strings.Contains(unwrap(out), "Use ca_private_key_passphrase_wo instead to keep both out") {
			t.Errorf("no warning that the passphrase is stored:\n%s", out)
		}
	})

	t.Run("both passphrases", func(t *testing.T) {
		config := providerBlock + locals + strings.Replace(leaf("two", "ca_private_key_pem", "ca_private_key_passphrase"),
			"ca_private_key_passphrase = local.passphrase", "ca_private_key_passphrase = local.passphrase\n  ca_private_key_passphrase_wo = local.passphrase", 1)
		tf := newCLI(t, newTestClock(), providerBlock)
		tf.write(config)
		if out, code := tf.run(nil, "plan", "-input=false"); code == 0 || !strings.Contains(unwrap(out), "ca_private_key_passphrase_wo") {
			t.Errorf("both passphrase attributes were accepted (exit %d):\n%s", code, out)
		}
	})
}

// jsonString is s as a JSON string's contents, as the state file holds it.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(string(b), `"`)
}
