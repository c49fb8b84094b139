locals {
  daemon_settings = jsonencode({
    "log-driver" = "journald"
  })
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = ["docker1.example.internal"]
  ip_addresses       = ["10.0.0.5"]
}

data "dockertls_daemon_config" "docker1" {
  # The engine: "linux" (the default: dockerd run by systemd), "rootless"
  # (with rootless_user) or "windows". Each has its own paths, rules and
  # restart_command.
  platform = "linux"

  # The defaults: the local socket and TLS on every interface, client
  # certificates required, files in /etc/docker/tls.
  hosts = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]

  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
  server_key_pem  = dockertls_server_cert.docker1.private_key_pem

  # The issuers whose clients docker1 admits (its tlscacert), when they are
  # not the CA above: one per person or team, so that removing one shuts
  # out exactly its clients. Defaults to ca_cert_pem.
  # client_ca_cert_pem = join("", [for ca in dockertls_ca.person : ca.cert_pem])

  # Containers keep running while dockerd restarts for renewed files (the
  # default; false on swarm nodes).
  live_restore = true

  # systemd's docker.socket holds the sockets, so that those restarts refuse
  # no connection: daemon.json without hosts, systemd_dropin for
  # docker.socket. Off by default; see the renewal guide.
  socket_activation = true

  settings_json = local.daemon_settings
}

# The CIS Docker Benchmark's daemon baseline is on by default (hardening =
# "baseline"); findings judges the final daemon.json against section 2.
# findings depends on the settings, not on the PEMs. docker1 above takes its
# PEMs from resources, so on a first run Terraform reads it only during
# apply, after the certificates exist. The same settings without the PEMs
# are read at plan time, on the first run too: a check over them warns in
# every plan while a recommendation fails.
data "dockertls_daemon_config" "docker1_settings" {
  live_restore  = true
  settings_json = local.daemon_settings
}

check "cis_docker_daemon" {
  assert {
    condition = alltrue([for f in data.dockertls_daemon_config.docker1_settings.findings : f.status != "fail"])
    error_message = join("\n", [
      for f in data.dockertls_daemon_config.docker1_settings.findings : "${f.id} ${f.title}: ${f.detail}" if f.status == "fail"
    ])
  }
}

# A complete #cloud-config that writes every file with its owner and mode and
# restarts dockerd: user_data for any cloud. Sensitive (it holds the key).
output "user_data" {
  value     = data.dockertls_daemon_config.docker1.cloud_init
  sensitive = true
}
