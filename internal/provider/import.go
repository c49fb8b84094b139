package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Why each certificate resource is not imported, and what to do instead.
// The framework's default ("This resource does not support import. Please
// contact the provider developer") tells a user neither.
const (
	caImportAdvice = "A dockertls_ca is not imported: it would have to bring the CA's private key into the state, and a CA " +
		"made elsewhere is usable as it is. Give it to the certificates directly instead: ca_cert_pem = file(\"ca.pem\") and " +
		"ca_private_key_pem_wo = <the key, from a secret store> (or ca_private_key_pem = file(\"ca-key.pem\"), which stores it). " +
		"To have a dockertls_ca made for an existing key, set its private_key_pem_wo to that key."
	serverCertImportAdvice = "A dockertls_server_cert is not imported: issuing a new one costs nothing, and a certificate this " +
		"provider did not issue may not match the resource's arguments. Let Terraform create it on the next apply and deliver " +
		"the new files to the host (dockertls_daemon_config's restart_trigger restarts dockerd); to re-issue one Terraform " +
		"already manages, run terraform apply -replace=ADDRESS."
	clientCertImportAdvice = "A dockertls_client_cert is not imported: issuing a new one costs nothing, and a certificate this " +
		"provider did not issue may not match the resource's arguments. Let Terraform create it on the next apply and give the " +
		"client its new files; to re-issue one Terraform already manages, run terraform apply -replace=ADDRESS."
)

var (
	_ resource.ResourceWithImportState = (*caResource)(nil)
	_ resource.ResourceWithImportState = (*serverCertResource)(nil)
	_ resource.ResourceWithImportState = (*clientCertResource)(nil)
)

// ImportState refuses every import with advice on what to do instead. The
// message does not quote the import ID: users have pasted a key there.
func (c *certificateResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError(fmt.Sprintf("A %s cannot be imported", c.kind),
		fmt.Sprintf("terraform import of a %s: %s", c.kind, c.importAdvice))
}
