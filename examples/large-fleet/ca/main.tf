# The CA of a large fleet, in a state of its own. Its key comes from a secret
# store the fleet already has, write-only: neither this state nor any host
# state holds it. Only the certificate is shared, as an output.

terraform {
  required_version = ">= 1.11" # write-only attributes
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

variable "ca_private_key_pem" {
  description = "The CA key, from your secret store (for example TF_VAR_ca_private_key_pem in CI)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "ca_key_version" {
  description = "Change it when the key in ca_private_key_pem changes."
  type        = number
  default     = 1
}

resource "dockertls_ca" "fleet" {
  common_name                = "Docker fleet CA"
  private_key_pem_wo         = var.ca_private_key_pem
  private_key_pem_wo_version = var.ca_key_version
}

output "ca_cert_pem" {
  description = "For the host states, through terraform_remote_state."
  value       = dockertls_ca.fleet.cert_pem
}
