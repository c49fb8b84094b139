# A daemon's authorization policy, checked in the plan.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_client_cert" "client" {
  for_each           = toset(["alice", "monitoring"])
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = each.key
}

locals {
  policy = provider::dockertls::authorization_policy({
    ca_cert_pem = dockertls_ca.docker.cert_pem
    roles = {
      ops     = { base = "admin", members = [dockertls_client_cert.client["alice"].cert_pem] }
      monitor = { base = "read_only", members = [dockertls_client_cert.client["monitoring"].cert_pem] }
    }
  })
}

output "policy" {
  value = local.policy.policy
}
