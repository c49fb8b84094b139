# A builder's clients, checked in the plan: server_names are the server
# certificate's planned names, so a server_name it will not carry fails the
# plan, even on the first run (the data source would read only at apply).
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "build" {
  common_name = "Build CA"
}

resource "dockertls_server_cert" "builder1" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  dns_names          = ["builder1.example.internal"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  common_name        = "ci-runner"
}

locals {
  ci = provider::dockertls::buildkit_client_config({
    host            = "tcp://builder1.example.internal:1234"
    server_names    = dockertls_server_cert.builder1.dns_names
    cert_dir        = "/home/ci/.buildkit/builder1"
    ca_cert_pem     = dockertls_ca.build.cert_pem
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
    server_cert_pem = dockertls_server_cert.builder1.cert_pem
  })
}

output "buildx_create" {
  value = nonsensitive(local.ci.buildx_create_command)
}
