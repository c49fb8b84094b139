# One issuer per person, and one per team: a daemon admits the clients of the
# issuers in its client_ca_cert_pem. A lost key is shut out by naming its
# issuer in var.revoked: only the daemons' ca.pem and restart_trigger change.

terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

variable "revoked" {
  description = "Issuers whose clients are shut out: a person's name, or \"team ops\"."
  type        = set(string)
  default     = []
}

locals {
  people = toset(["alice", "bob"]) # an issuer each
  ops    = toset(["carol"])        # share the ops team's issuer
}

# The daemons' own certificates come from a CA of their own, which is what
# clients verify them with.
resource "dockertls_ca" "servers" {
  common_name = "Docker servers CA"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.servers.cert_pem
  ca_private_key_pem = dockertls_ca.servers.private_key_pem
  dns_names          = ["docker1.example.internal"]
}

# An issuer renews on its own key, and outlives the client certificates it
# signs: renewing a client changes nothing on the daemons.
resource "dockertls_ca" "person" {
  for_each    = local.people
  common_name = "Docker client issuer: ${each.key}"
}

resource "dockertls_client_cert" "person" {
  for_each              = local.people
  ca_cert_pem           = dockertls_ca.person[each.key].cert_pem
  ca_private_key_pem    = dockertls_ca.person[each.key].private_key_pem
  common_name           = each.key
  validity_period_hours = 720
  early_renewal_hours   = 168
}

resource "dockertls_ca" "team" {
  common_name = "Docker client issuer: team ops"
}

resource "dockertls_client_cert" "ops" {
  for_each              = local.ops
  ca_cert_pem           = dockertls_ca.team.cert_pem
  ca_private_key_pem    = dockertls_ca.team.private_key_pem
  common_name           = each.key
  validity_period_hours = 720
  early_renewal_hours   = 168
}

locals {
  issuers = merge(
    { for name, ca in dockertls_ca.person : name => ca.cert_pem },
    { "team ops" = dockertls_ca.team.cert_pem },
  )
  # Who holds a certificate from each issuer.
  holders = merge({ for name in local.people : name => [name] }, { "team ops" = tolist(local.ops) })
  clients = merge(dockertls_client_cert.person, dockertls_client_cert.ops)
}

data "dockertls_daemon_config" "docker1" {
  ca_cert_pem        = dockertls_ca.servers.cert_pem
  client_ca_cert_pem = join("", [for name, pem in local.issuers : pem if !contains(var.revoked, name)])
  server_cert_pem    = dockertls_server_cert.docker1.cert_pem
  server_key_pem     = dockertls_server_cert.docker1.private_key_pem
}

# Each person's docker CLI files: ca.pem verifies the daemons.
data "dockertls_client_config" "client" {
  for_each           = local.clients
  host               = "tcp://docker1.example.internal:2376"
  ca_cert_pem        = dockertls_ca.servers.cert_pem
  client_ca_cert_pem = each.value.ca_cert_pem
  client_cert_pem    = each.value.cert_pem
  client_key_pem     = each.value.private_key_pem
}

# The daemon's files; each person's reach their own machine their own way.
module "deploy" {
  source             = "../modules/deploy"
  ssh_host           = "docker1.example.internal"
  host_files         = data.dockertls_daemon_config.docker1.files
  restart_trigger    = data.dockertls_daemon_config.docker1.restart_trigger
  write_client_files = false
}

# The proof: every plan connects with a certificate of each revoked issuer
# and warns while docker1 still admits it (until it has the new ca.pem and
# has restarted).
data "dockertls_endpoint" "revoked" {
  for_each        = var.revoked
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = dockertls_ca.servers.cert_pem
  client_cert_pem = local.clients[local.holders[each.key][0]].cert_pem
  client_key_pem  = local.clients[local.holders[each.key][0]].private_key_pem
}

check "revoked_keys_are_shut_out" {
  assert {
    # == false, not !: client_accepted is null when the daemon neither
    # answered nor refused, and the check must fail then too.
    condition     = alltrue([for name, endpoint in data.dockertls_endpoint.revoked : endpoint.client_accepted == false])
    error_message = "docker1 still admits clients of, or cannot tell about, ${join(", ", [for name, endpoint in data.dockertls_endpoint.revoked : name if endpoint.client_accepted != false])}: deliver its ca.pem and restart dockerd."
  }
}

output "client_env" {
  description = "Each person's docker CLI environment (with their files in ~/.docker)."
  value       = { for name, c in data.dockertls_client_config.client : name => c.env }
}
