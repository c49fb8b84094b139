# A Podman host's files, known in the plan: a renewal plans only the files
# whose bytes change.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "hosts" {
  common_name = "Podman hosts CA"
}

resource "dockertls_server_cert" "podman1" {
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  ca_private_key_pem = dockertls_ca.hosts.private_key_pem
  ip_addresses       = ["10.0.0.30"]
}

locals {
  podman1 = provider::dockertls::podman_config({
    address         = "tcp://10.0.0.30:2376"
    ca_cert_pem     = dockertls_ca.hosts.cert_pem
    server_cert_pem = dockertls_server_cert.podman1.cert_pem
    server_key_pem  = dockertls_server_cert.podman1.private_key_pem
  })
}

output "systemd_service" {
  value = nonsensitive(local.podman1.systemd_service)
}
