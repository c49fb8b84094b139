# A registry's http section and TLS files, known in the plan.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "registry" {
  common_name = "Registry CA"
}

resource "dockertls_server_cert" "registry" {
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  ca_private_key_pem = dockertls_ca.registry.private_key_pem
  dns_names          = ["registry.example.internal"]
}

locals {
  registry = provider::dockertls::registry_config({
    registry        = "registry.example.internal:5000"
    ca_cert_pem     = dockertls_ca.registry.cert_pem
    server_cert_pem = dockertls_server_cert.registry.cert_pem
    server_key_pem  = dockertls_server_cert.registry.private_key_pem
  })
}

output "http_section" {
  value = nonsensitive(local.registry.yaml)
}
