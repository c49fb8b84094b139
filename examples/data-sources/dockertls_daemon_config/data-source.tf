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

  settings_json = jsonencode({
    "log-driver" = "journald"
  })
}

# cloud-init's write_files, with each file's mode. The key goes only into
# sensitive_content, so the whole user_data is sensitive.
locals {
  write_files = [
    for name, f in data.dockertls_daemon_config.docker1.files : {
      path        = f.path
      permissions = f.mode
      content     = coalesce(f.content, f.sensitive_content)
    }
  ]
  user_data = "#cloud-config\n${yamlencode({
    write_files = local.write_files
    runcmd      = [["systemctl", "daemon-reload"], ["systemctl", "restart", "docker"]]
  })}"
}
