# Least privilege per client: one Docker host, and three clients with a
# role each. Mutual TLS decides who connects; the authorization policy, what
# each may then ask. Without it, every certificate the daemon trusts is root
# on the host.
#
# Deliver in this order, so that the plugin never runs without its policy:
# the policy's files, its install_commands, then daemon.json with the
# policy's settings and dockerd's restart (outputs below).

terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = ["docker1.example.internal"]
}

locals {
  # Each client, by the common name of its certificate, and its role.
  clients = {
    alice       = "ops"     # an administrator: everything
    monitoring  = "monitor" # inspect, list, logs, events: nothing that changes the host
    ci-runner-1 = "ci"      # pull, build, run containers that cannot reach the host
  }
  bases = { ops = "admin", monitor = "read_only", ci = "builder" }
}

resource "dockertls_client_cert" "client" {
  for_each           = local.clients
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = each.key
}

data "dockertls_authorization_policy" "docker1" {
  ca_cert_pem = dockertls_ca.docker.cert_pem
  # opa-docker-authz run by systemd on the host: it resolves the links of a
  # bind source where they are, which a managed plugin (docker plugin
  # install, seeing only /etc/docker) cannot; without bind_paths, "managed".
  plugin = "legacy"
  roles = {
    for role, base in local.bases : role => {
      base    = base
      members = [for name, r in local.clients : dockertls_client_cert.client[name].cert_pem if r == role]
      # The CI runner's checkouts, bound read-only.
      bind_paths = base == "builder" ? ["/srv/ci"] : null
    }
  }
}

data "dockertls_daemon_config" "docker1" {
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
  server_key_pem  = dockertls_server_cert.docker1.private_key_pem
  live_restore    = true
  settings_json   = data.dockertls_authorization_policy.docker1.daemon_settings_json
}

data "dockertls_client_config" "client" {
  for_each        = local.clients
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.client[each.key].cert_pem
  client_key_pem  = dockertls_client_cert.client[each.key].private_key_pem
}

# 1. The policy (and, for a legacy plugin, its unit): no keys among them.
output "policy_files" {
  value = { for name, f in data.dockertls_authorization_policy.docker1.files : name => { path = f.path, mode = f.mode, content = f.content } }
}

# 2. Then the plugin.
output "install_commands" {
  value = data.dockertls_authorization_policy.docker1.install_commands
}

# 3. Then dockerd's files, daemon.json with authorization-plugins among
# them, and its restart.
output "daemon_files" {
  value     = data.dockertls_daemon_config.docker1.files
  sensitive = true
}

output "restart_command" {
  value = data.dockertls_daemon_config.docker1.restart_command
}

# Run them beside the policy: opa check authz.rego authz_test.rego && opa test .
output "policy_tests" {
  value = data.dockertls_authorization_policy.docker1.policy_tests
}

output "client_files" {
  value     = { for name, c in data.dockertls_client_config.client : name => c.files }
  sensitive = true
}

# CIS Docker Benchmark 2.12 (authorization for client commands): pass.
output "authorization_finding" {
  value = one([for f in data.dockertls_daemon_config.docker1.findings : f.status if f.id == "2.12"])
}
