# Hosts whose files a renewal plan shows exactly: the function is evaluated
# at plan time, where the data source would be read only during apply.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

locals {
  hosts = toset(["docker1.example.internal", "docker2.example.internal"])
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "host" {
  for_each           = local.hosts
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = [each.key]
}

locals {
  daemon = { for h in local.hosts : h => provider::dockertls::daemon_config({
    ca_cert_pem     = dockertls_ca.docker.cert_pem
    server_cert_pem = dockertls_server_cert.host[h].cert_pem
    server_key_pem  = dockertls_server_cert.host[h].private_key_pem
  }) }
}

# The result is sensitive (it holds the server key); its digests are not
# secret, and nonsensitive() shows them in plans.
output "restart_triggers" {
  value = { for h, d in local.daemon : h => nonsensitive(d.restart_trigger) }
}

output "daemon_json" {
  value = nonsensitive(local.daemon["docker1.example.internal"].json)
}
