# A fleet: one CA, and for each host a server certificate and the daemon's
# configuration, through a module used with for_each. A scheduled
# `terraform plan -detailed-exitcode` over this catches every certificate
# before it expires.

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "hosts" {
  description = "The Docker hosts, by name, with the address clients use."
  type = map(object({
    ip = string
  }))
  default = {
    "runner-1.ci.example.internal" = { ip = "10.0.1.11" }
    "runner-2.ci.example.internal" = { ip = "10.0.1.12" }
    "build-1.example.internal"     = { ip = "10.0.2.21" }
  }
}

resource "dockertls_ca" "fleet" {
  common_name           = "Fleet Docker CA"
  permitted_dns_domains = ["example.internal"]
  permitted_ip_ranges   = ["10.0.0.0/8"]
}

module "host" {
  source   = "./modules/docker-host"
  for_each = var.hosts

  name               = each.key
  ip                 = each.value.ip
  ca_cert_pem        = dockertls_ca.fleet.cert_pem
  ca_private_key_pem = dockertls_ca.fleet.private_key_pem
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem           = dockertls_ca.fleet.cert_pem
  ca_private_key_pem    = dockertls_ca.fleet.private_key_pem
  common_name           = "ci"
  validity_period_hours = 2160
  early_renewal_hours   = 240
}

output "cloud_init" {
  description = "cloud-init user data per host."
  value       = { for name, h in module.host : name => h.cloud_init }
  sensitive   = true
}

output "expiry" {
  description = "When each host's certificate expires."
  value       = { for name, h in module.host : name => h.not_after }
}
