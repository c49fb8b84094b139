resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_client_cert" "client" {
  for_each           = toset(["alice", "monitoring", "ci-runner-1"])
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = each.key # the name the plugin sees
}

data "dockertls_authorization_policy" "docker1" {
  ca_cert_pem = dockertls_ca.docker.cert_pem # the daemon's client trust
  plugin      = "legacy"                     # bind_paths need a plugin that sees the host's folders

  roles = {
    ops     = { base = "admin", members = [dockertls_client_cert.client["alice"].cert_pem] }
    monitor = { base = "read_only", members = [dockertls_client_cert.client["monitoring"].cert_pem] }
    ci = {
      base       = "builder"
      members    = [dockertls_client_cert.client["ci-runner-1"].cert_pem]
      bind_paths = ["/srv/ci"] # read-only
      # A rule of the role's own: the checks that keep containers off the
      # host still apply to what it allows.
      allow_rules = ["input.Method == \"GET\"; request_path == \"/plugins\""]
    }
  }
}

# Merge into dockertls_daemon_config's settings_json.
output "daemon_settings_json" {
  value = data.dockertls_authorization_policy.docker1.daemon_settings_json
}
