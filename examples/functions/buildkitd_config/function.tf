# A builder's files, known in the plan: a renewal plans only the files whose
# bytes change.
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

locals {
  builder1 = provider::dockertls::buildkitd_config({
    ca_cert_pem     = dockertls_ca.build.cert_pem
    server_cert_pem = dockertls_server_cert.builder1.cert_pem
    server_key_pem  = dockertls_server_cert.builder1.private_key_pem
  })
}

output "buildkitd_toml" {
  value = nonsensitive(local.builder1.toml)
}
