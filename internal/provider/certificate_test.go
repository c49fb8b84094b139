package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

const fleetConfig = `
resource "dockertls_ca" "ca" {
  common_name  = "Docker CA"
  organization = "Example"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["docker1.example.internal"]
  ip_addresses       = ["10.0.0.5"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci-runner"
}
`

// checkIssued parses what the three resources wrote to state and checks the
// certificates the way their consumers will: Go's verifier for the right
// usage and names, and openssl verify -purpose.
func checkIssued(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ca, err := attrs(s, "dockertls_ca.ca")
		if err != nil {
			return err
		}
		server, err := attrs(s, "dockertls_server_cert.docker1")
		if err != nil {
			return err
		}
		client, err := attrs(s, "dockertls_client_cert.ci")
		if err != nil {
			return err
		}
		caCert := mustParseCert(t, ca["cert_pem"])
		if !caCert.IsCA || !caCert.MaxPathLenZero || len(caCert.ExtKeyUsage) != 0 {
			return fmt.Errorf("CA profile: IsCA=%v pathLenZero=%v EKU=%v", caCert.IsCA, caCert.MaxPathLenZero, caCert.ExtKeyUsage)
		}
		caKey, err := pki.ParsePrivateKeyPEM(ca["private_key_pem"])
		if err != nil {
			return err
		}
		if !strings.HasPrefix(ca["private_key_pem"], "-----BEGIN PRIVATE KEY-----") || !pki.PublicKeysEqual(caKey.Public(), caCert.PublicKey) {
			return fmt.Errorf("CA private_key_pem is not the CA's PKCS#8 key")
		}
		serverCert := mustParseCert(t, server["cert_pem"])
		for _, name := range []string{"docker1.example.internal", "10.0.0.5", "localhost", "127.0.0.1", "::1"} {
			if err := pki.Verify(caCert, serverCert, pki.UsageServer, name, time.Now()); err != nil {
				return err
			}
		}
		if serverCert.Subject.CommonName != "docker1.example.internal" {
			return fmt.Errorf("server CN = %q, want the first DNS name", serverCert.Subject.CommonName)
		}
		if server["common_name"] != "docker1.example.internal" {
			return fmt.Errorf("common_name attribute = %q", server["common_name"])
		}
		clientCert := mustParseCert(t, client["cert_pem"])
		if err := pki.Verify(caCert, clientCert, pki.UsageClient, "", time.Now()); err != nil {
			return err
		}
		if err := pki.Verify(caCert, clientCert, pki.UsageServer, "", time.Now()); err == nil {
			return fmt.Errorf("client certificate verifies for serverAuth")
		}
		for addr, a := range map[string]map[string]string{"server": server, "client": client} {
			cert := mustParseCert(t, a["cert_pem"])
			key, err := pki.ParsePrivateKeyPEM(a["private_key_pem"])
			if err != nil {
				return fmt.Errorf("%s key: %w", addr, err)
			}
			if !pki.PublicKeysEqual(key.Public(), cert.PublicKey) {
				return fmt.Errorf("%s private_key_pem does not match cert_pem", addr)
			}
			pub, err := pki.ParsePublicKeyPEM(a["public_key_pem"])
			if err != nil || !pki.PublicKeysEqual(pub, cert.PublicKey) {
				return fmt.Errorf("%s public_key_pem does not match cert_pem: %w", addr, err)
			}
			if a["id"] != cert.SerialNumber.String() || a["serial_number"] != cert.SerialNumber.String() {
				return fmt.Errorf("%s id/serial_number %s/%s, certificate serial %s", addr, a["id"], a["serial_number"], cert.SerialNumber)
			}
			if a["not_after"] != pki.FormatTime(cert.NotAfter) || a["not_before"] != pki.FormatTime(cert.NotBefore) {
				return fmt.Errorf("%s validity attributes %s..%s do not match the certificate", addr, a["not_before"], a["not_after"])
			}
			if a["sha256_fingerprint"] != pki.Fingerprint(cert) || a["ca_sha256_fingerprint"] != pki.Fingerprint(caCert) {
				return fmt.Errorf("%s fingerprints do not match", addr)
			}
			if a["ready_for_renewal"] != "false" {
				return fmt.Errorf("%s ready_for_renewal = %s", addr, a["ready_for_renewal"])
			}
		}
		if err := opensslVerify(t, ca["cert_pem"], server["cert_pem"], "sslserver"); err != nil {
			return err
		}
		return opensslVerify(t, ca["cert_pem"], client["cert_pem"], "sslclient")
	}
}

func TestAccCertificates(t *testing.T) {
	clock := newTestClock()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{
			{
				Config: fleetConfig,
				Check:  checkIssued(t),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue("dockertls_ca.ca", tfjsonpath.New("private_key_pem")),
					statecheck.ExpectKnownValue("dockertls_server_cert.docker1", tfjsonpath.New("key_algorithm"), knownvalue.StringExact("ECDSA_P256")),
					statecheck.ExpectKnownValue("dockertls_server_cert.docker1", tfjsonpath.New("validity_period_hours"), knownvalue.Int64Exact(8760)),
					statecheck.ExpectKnownValue("dockertls_server_cert.docker1", tfjsonpath.New("early_renewal_hours"), knownvalue.Int64Exact(720)),
					statecheck.ExpectKnownValue("dockertls_ca.ca", tfjsonpath.New("validity_period_hours"), knownvalue.Int64Exact(87600)),
				},
			},
			{
				// A later day: refresh and plan must change nothing.
				PreConfig: func() { clock.Advance(30 * 24 * time.Hour) },
				Config:    fleetConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Changing early renewal is an in-place update with every
				// output known at plan time.
				Config: strings.Replace(fleetConfig, `common_name        = "ci-runner"`, `common_name        = "ci-runner"
  early_renewal_hours = 100`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("dockertls_client_cert.ci", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("dockertls_client_cert.ci", tfjsonpath.New("cert_pem"), knownvalue.NotNull()),
						plancheck.ExpectKnownValue("dockertls_client_cert.ci", tfjsonpath.New("ready_for_renewal"), knownvalue.Bool(false)),
					},
				},
			},
		},
	})
}

func TestAccKeyAlgorithms(t *testing.T) {
	for _, alg := range pki.KeyAlgorithms() {
		if alg == pki.RSA4096 || alg == pki.RSA3072 {
			continue // covered by the pki unit tests; slow to generate twice here
		}
		t.Run(string(alg), func(t *testing.T) {
			config := strings.ReplaceAll(fleetConfig, "ca_private_key_pem = dockertls_ca.ca.private_key_pem",
				fmt.Sprintf("ca_private_key_pem = dockertls_ca.ca.private_key_pem\n  key_algorithm = %q", alg))
			config = strings.Replace(config, `organization = "Example"`, fmt.Sprintf("organization = \"Example\"\n  key_algorithm = %q", alg), 1)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(newTestClock()),
				Steps: []resource.TestStep{{
					Config: config,
					Check: resource.ComposeAggregateTestCheckFunc(checkIssued(t), func(s *terraform.State) error {
						for _, addr := range []string{"dockertls_ca.ca", "dockertls_server_cert.docker1", "dockertls_client_cert.ci"} {
							a, _ := attrs(s, addr)
							got, err := pki.AlgorithmOf(mustParseCert(t, a["cert_pem"]).PublicKey)
							if err != nil || got != alg {
								return fmt.Errorf("%s key algorithm %s, want %s (%v)", addr, got, alg, err)
							}
						}
						return nil
					}),
				}},
			})
		})
	}
}

func TestAccCAReplacementReplacesLeaves(t *testing.T) {
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(newTestClock()),
		Steps: []resource.TestStep{
			{Config: fleetConfig},
			{
				Config: strings.Replace(fleetConfig, `"Docker CA"`, `"Docker CA 2"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("dockertls_ca.ca", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("dockertls_server_cert.docker1", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("dockertls_client_cert.ci", plancheck.ResourceActionReplace),
					},
				},
				Check: checkIssued(t),
			},
		},
	})
}

// leafConfig issues a server certificate under a CA given as PEM literals.
func leafConfig(caPEM, keyPEM, extra string) string {
	return fmt.Sprintf(`
resource "dockertls_server_cert" "s" {
  ca_cert_pem        = %s
  ca_private_key_pem = %s
  ip_addresses       = ["10.0.0.5"]
  %s
}
`, hclString(caPEM), hclString(keyPEM), extra)
}

func TestAccSameMaterialInAnotherFormDoesNotReplace(t *testing.T) {
	clock := newTestClock()
	caPEM, keyPEM, key := externalCA(t, pki.ECDSAP256, clock.Now(), 1000*time.Hour)
	sec1 := toSEC1(t, key)
	crlfCA := strings.ReplaceAll(caPEM, "\n", "\r\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{
			{Config: leafConfig(caPEM, keyPEM, "")},
			{
				Config: leafConfig(crlfCA, sec1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("dockertls_server_cert.s", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("dockertls_server_cert.s", tfjsonpath.New("cert_pem"), knownvalue.NotNull()),
					},
				},
			},
			{
				// The same address in another notation is the same SAN.
				Config: strings.Replace(leafConfig(crlfCA, sec1, ""), `"10.0.0.5"`, `"::ffff:10.0.0.5"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("dockertls_server_cert.s", plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}

func TestAccIgnoreChangesKeepsPlansValid(t *testing.T) {
	for name, ignore := range map[string]string{
		"all":     "all",
		"outputs": "[cert_pem, not_after, ready_for_renewal, serial_number]",
		"inputs":  "[dns_names, ip_addresses, early_renewal_hours]",
	} {
		t.Run(name, func(t *testing.T) {
			clock := newTestClock()
			config := strings.Replace(fleetConfig, `ip_addresses       = ["10.0.0.5"]`,
				`ip_addresses       = ["10.0.0.5"]
  lifecycle {
    ignore_changes = `+ignore+`
  }`, 1)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(clock),
				Steps: []resource.TestStep{
					{Config: config},
					{
						PreConfig:          func() { clock.Advance(8760*time.Hour - 100*time.Hour) },
						Config:             strings.Replace(config, `"10.0.0.5"`, `"10.0.0.6"`, 1),
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					},
				},
			})
		})
	}
}

func TestAccPlanTimeErrors(t *testing.T) {
	clock := newTestClock()
	now := clock.Now()
	caPEM, keyPEM, _ := externalCA(t, pki.ECDSAP256, now, 1000*time.Hour)
	_, otherKey, _ := externalCA(t, pki.ED25519, now, time.Hour)
	expiredCA, expiredKey, _ := externalCA(t, pki.ECDSAP256, now.Add(-100*time.Hour), 10*time.Hour)
	futureCA, futureKey, _ := externalCA(t, pki.ECDSAP256, now.Add(100*time.Hour), 1000*time.Hour)
	shortCA, shortKey, _ := externalCA(t, pki.ECDSAP256, now, 100*time.Hour)
	leafPEM := issueExternalLeaf(t, caPEM, keyPEM, now)

	tests := []struct {
		name, config string
		want         string
	}{
		{"unknown key algorithm", `resource "dockertls_ca" "x" {
  common_name   = "x"
  key_algorithm = "DSA_1024"
}`, `key_algorithm.*ECDSA_P256`},
		{"zero validity", `resource "dockertls_ca" "x" {
  common_name           = "x"
  validity_period_hours = 0
}`, `validity_period_hours.*between 1 and 876000`},
		{"early renewal not shorter", `resource "dockertls_ca" "x" {
  common_name           = "x"
  validity_period_hours = 100
  early_renewal_hours   = 100
}`, `early_renewal_hours is 100 but validity_period_hours is 100`},
		{"empty common name", `resource "dockertls_ca" "x" {
  common_name = ""
}`, `common_name.*between 1 and 64`},
		{"malformed IP", strings.Replace(leafConfig(caPEM, keyPEM, ""), `"10.0.0.5"`, `"256.1.1.1"`, 1), `ip_addresses\[0\].*not a valid IPv4 or IPv6`},
		{"malformed DNS name", leafConfig(caPEM, keyPEM, `dns_names = ["bad_name.example.com"]`), `dns_names\[0\].*only letters, digits and hyphens`},
		{"duplicate IP", strings.Replace(leafConfig(caPEM, keyPEM, ""), `["10.0.0.5"]`, `["10.0.0.5", "::ffff:10.0.0.5"]`, 1), `ip_addresses.*remove the duplicate`},
		{"no SAN at all", strings.Replace(leafConfig(caPEM, keyPEM, "include_loopback = false"), `ip_addresses       = ["10.0.0.5"]`, "", 1), `needs at least one name`},
		{"leaf certificate as CA", leafConfig(leafPEM, keyPEM, ""), `ca_cert_pem.*not a CA`},
		{"not a PEM", leafConfig("hello", keyPEM, ""), `ca_cert_pem.*no PEM block`},
		{"CA key that does not match", leafConfig(caPEM, otherKey, ""), `ca_private_key_pem.*does not belong to the CA certificate`},
		{"expired CA", leafConfig(expiredCA, expiredKey, ""), `ca_cert_pem.*expired at`},
		{"CA not yet valid", leafConfig(futureCA, futureKey, ""), `ca_cert_pem.*not valid until`},
		{"CA expires inside the renewal window", leafConfig(shortCA, shortKey, ""), `expires too soon.*early_renewal_hours = 720`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(clock),
				Steps: []resource.TestStep{{
					Config:      tt.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tt.want, " ", `\s+`)),
				}},
			})
		})
	}
}
