# One client certificate for two registries: a call per registry.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

locals {
  registries = ["registry.example.internal:5000", "mirror.example.internal:5000"]
}

resource "dockertls_ca" "registry" {
  common_name = "Registry CA"
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  ca_private_key_pem = dockertls_ca.registry.private_key_pem
  common_name        = "ci-pusher"
}

locals {
  clients = { for r in local.registries : r => provider::dockertls::registry_client_config({
    registry        = r
    ca_cert_pem     = dockertls_ca.registry.cert_pem
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
  }) }
}

output "docker_folders" {
  value = [for r, c in local.clients : dirname(nonsensitive(c.docker_files["ca.crt"].path))]
}
