# The recommended layout for a fleet, host by host: the daemons' certificates from a
# servers' CA, and an issuer per person whose clients every daemon admits.
# The daemons' files are rendered with the daemon_config function, which a
# plan evaluates, so a renewal's plan replaces exactly the files whose bytes
# change and restarts exactly the hosts whose restart_trigger changes, one
# at a time (var.restart_batch at a time).
#
# What each change does here (the e2e test checks these plans):
#   the servers' CA renews on its key: no host file, no restart; clients
#     get the renewed ca.pem;
#   a person's issuer renews: every host's ca.pem, a restart of each host;
#   a person's client certificate renews: nothing on any host;
#   a person is revoked (var.revoked): every host's ca.pem, a restart of
#     each host, and from then on that person is refused.

terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

variable "hosts" {
  description = "The Docker hosts by name: the DNS name in its certificate (which SSH uses too), and where clients reach its API when that is not dns_name:2376."
  type = map(object({
    dns_name = string
    address  = optional(string)
    port     = optional(number, 2376)
  }))
  default = {
    docker1 = { dns_name = "docker1.example.internal" }
    docker2 = { dns_name = "docker2.example.internal" }
  }
}

variable "revoked" {
  description = "People whose clients are shut out of every host."
  type        = set(string)
  default     = []
}

variable "restart_batch" {
  description = "How many hosts may restart at once."
  type        = number
  default     = 1

  validation {
    condition     = var.restart_batch >= 1 && floor(var.restart_batch) == var.restart_batch
    error_message = "restart_batch is a whole number of hosts, 1 or more."
  }
}

locals {
  people = toset(["alice", "bob"])
  # Where clients reach each host's API.
  api = { for name, h in var.hosts : name => "tcp://${coalesce(h.address, h.dns_name)}:${h.port}" }
  # Per-host arguments of daemon_config, beside the PEMs.
  # Add socket_activation = true to have docker.socket hold the sockets, so
  # that the restarts refuse no connection (the renewal guide says how).
  daemon_settings = { for name, h in var.hosts : name => {
    hosts = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:${h.port}"]
  } }
}

resource "dockertls_ca" "servers" {
  common_name = "Docker servers CA"
}

resource "dockertls_server_cert" "host" {
  for_each           = var.hosts
  ca_cert_pem        = dockertls_ca.servers.cert_pem
  ca_private_key_pem = dockertls_ca.servers.private_key_pem
  dns_names          = [each.value.dns_name]
}

resource "dockertls_ca" "person" {
  for_each    = local.people
  common_name = "Docker client issuer: ${each.key}"
}

resource "dockertls_client_cert" "person" {
  for_each           = local.people
  ca_cert_pem        = dockertls_ca.person[each.key].cert_pem
  ca_private_key_pem = dockertls_ca.person[each.key].private_key_pem
  common_name        = each.key
}

locals {
  # Every daemon admits the clients of every issuer not revoked.
  admitted = join("", [for name, ca in dockertls_ca.person : ca.cert_pem if !contains(var.revoked, name)])
  daemon = { for name in keys(var.hosts) : name => provider::dockertls::daemon_config(merge(local.daemon_settings[name], {
    ca_cert_pem        = dockertls_ca.servers.cert_pem
    client_ca_cert_pem = local.admitted
    server_cert_pem    = dockertls_server_cert.host[name].cert_pem
    server_key_pem     = dockertls_server_cert.host[name].private_key_pem
  })) }
  # A person's client files are the same for every host; their env differs.
  client = { for person in local.people : person => { for name, api in local.api : name => provider::dockertls::client_config({
    host               = api
    ca_cert_pem        = dockertls_ca.servers.cert_pem
    client_ca_cert_pem = dockertls_ca.person[person].cert_pem
    client_cert_pem    = dockertls_client_cert.person[person].cert_pem
    client_key_pem     = dockertls_client_cert.person[person].private_key_pem
  }) } }
  # Hosts take turns: those with the same lock restart one at a time.
  restart_lock = { for i, name in sort(keys(var.hosts)) : name => "${path.root}/.terraform/dockertls-restart-${i % var.restart_batch}.lock" }
}

module "deploy" {
  source   = "../modules/deploy"
  for_each = var.hosts

  ssh_host           = each.value.dns_name
  host_files         = local.daemon[each.key].files
  restart_trigger    = local.daemon[each.key].restart_trigger
  restart_lock       = local.restart_lock[each.key]
  write_client_files = false
}

# The proof, per host: every plan connects with a certificate of each
# revoked person to each host, and the check fails while a host still
# admits it (until the host has its new ca.pem and has restarted).
data "dockertls_endpoint" "revoked" {
  for_each        = { for pair in setproduct(var.revoked, keys(var.hosts)) : "${pair[0]} on ${pair[1]}" => { person = pair[0], host = pair[1] } }
  host            = local.api[each.value.host]
  ca_cert_pem     = dockertls_ca.servers.cert_pem
  client_cert_pem = dockertls_client_cert.person[each.value.person].cert_pem
  client_key_pem  = dockertls_client_cert.person[each.value.person].private_key_pem
}

check "revoked_keys_are_shut_out" {
  assert {
    # == false, not !: client_accepted is null when a daemon neither
    # answered nor refused, and the check must fail then too.
    condition     = alltrue([for pair, endpoint in data.dockertls_endpoint.revoked : endpoint.client_accepted == false])
    error_message = "Still admitted, or not known: ${join(", ", [for pair, endpoint in data.dockertls_endpoint.revoked : pair if endpoint.client_accepted != false])}. Deliver the host's ca.pem and restart dockerd."
  }
}

output "restart_triggers" {
  description = "Each host's restart_trigger: a plan that changes one restarts that host."
  value       = { for name, d in local.daemon : name => nonsensitive(d.restart_trigger) }
}

output "client_env" {
  description = "Each person's docker CLI environment for each host (with their files in ~/.docker)."
  value       = { for person, hosts in local.client : person => { for name, c in hosts : name => nonsensitive(c.env) } }
}
