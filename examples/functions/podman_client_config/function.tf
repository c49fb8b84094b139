# podman-remote's connections to several hosts, one call each.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "hosts" {
  type    = set(string)
  default = ["podman1.example.internal", "podman2.example.internal"]
}

resource "dockertls_ca" "hosts" {
  common_name = "Podman hosts CA"
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  ca_private_key_pem = dockertls_ca.hosts.private_key_pem
  common_name        = "ci-runner"
}

locals {
  connections = { for h in var.hosts : h => provider::dockertls::podman_client_config({
    host            = "tcp://${h}:2376"
    cert_dir        = "/home/ci/.config/containers/tls/${h}"
    ca_cert_pem     = dockertls_ca.hosts.cert_pem
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
  }) }
}

output "podman_connection_commands" {
  value = nonsensitive([for h, c in local.connections : c.podman_connection_command])
}
