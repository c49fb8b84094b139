package provider

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestConcurrentIssuance issues 300 certificates with 50 at a time against
// one provider process and checks that every serial number and key is
// distinct and every chain verifies. `make test` runs it under the race
// detector too.
func TestConcurrentIssuance(t *testing.T) {
	const n = 300
	tf := newCLI(t, newTestClock(), providerBlock+`
resource "dockertls_ca" "ca" {
  common_name = "Concurrency CA"
}

resource "dockertls_server_cert" "host" {
  count              = 250
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["host-${count.index}.example.internal"]
  ip_addresses       = [cidrhost("10.0.0.0/8", count.index + 1)]
}

resource "dockertls_client_cert" "user" {
  count              = 50
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "user-${count.index}"
}
`)
	tf.mustRun("apply", "-auto-approve", "-input=false", "-parallelism=50")

	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	var caPEM string
	for _, r := range state.Values.RootModule.Resources {
		if r.Type == "dockertls_ca" {
			caPEM = r.Values["cert_pem"].(string)
		}
	}
	ca := mustParseCert(t, caPEM)
	serials, keys := map[string]bool{}, map[string]bool{}
	leaves := 0
	for _, r := range state.Values.RootModule.Resources {
		if r.Type == "dockertls_ca" {
			continue
		}
		leaves++
		cert := mustParseCert(t, r.Values["cert_pem"].(string))
		usage := pki.UsageServer
		if r.Type == "dockertls_client_cert" {
			usage = pki.UsageClient
		}
		if err := pki.Verify(ca, cert, usage, "", time.Now()); err != nil {
			t.Error(err)
		}
		if serials[cert.SerialNumber.String()] {
			t.Errorf("serial %s issued twice", cert.SerialNumber)
		}
		serials[cert.SerialNumber.String()] = true
		pub := r.Values["public_key_pem"].(string)
		if keys[pub] {
			t.Error("a key was issued twice")
		}
		keys[pub] = true
	}
	if leaves != n {
		t.Fatalf("%d certificates in state, want %d", leaves, n)
	}
}
