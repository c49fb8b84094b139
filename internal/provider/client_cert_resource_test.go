package provider

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestAccClientCertProfile(t *testing.T) {
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(newTestClock()),
		Steps: []resource.TestStep{{
			Config: fleetConfig,
			Check: func(s *terraform.State) error {
				a, _ := attrs(s, "dockertls_client_cert.ci")
				c := mustParseCert(t, a["cert_pem"])
				if c.Subject.CommonName != "ci-runner" || len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth ||
					c.KeyUsage != x509.KeyUsageDigitalSignature || len(c.DNSNames)+len(c.IPAddresses) != 0 {
					return fmt.Errorf("client profile: CN=%q EKU=%v KU=%b SANs=%v %v", c.Subject.CommonName, c.ExtKeyUsage, c.KeyUsage, c.DNSNames, c.IPAddresses)
				}
				ca, _ := attrs(s, "dockertls_ca.ca")
				if !bytes.Equal(c.AuthorityKeyId, mustParseCert(t, ca["cert_pem"]).SubjectKeyId) {
					return fmt.Errorf("client certificate's authority key identifier is not the CA's")
				}
				return nil
			},
		}},
	})
}
