terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "server_cert_pem" {
  description = "A server certificate made elsewhere, to be checked before use."
  type        = string

  validation {
    condition     = contains(provider::dockertls::certificate_info(var.server_cert_pem).ext_key_usages, "serverAuth")
    error_message = "The certificate cannot serve TLS: it lacks the serverAuth extended key usage."
  }
}

locals {
  server = provider::dockertls::certificate_info(var.server_cert_pem)
}

output "server_names" {
  value = concat(local.server.dns_names, local.server.ip_addresses)
}

output "server_expires" {
  value = local.server.not_after
}
