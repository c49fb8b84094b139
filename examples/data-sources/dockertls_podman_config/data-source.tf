resource "dockertls_ca" "hosts" {
  common_name = "Podman hosts CA"
}

resource "dockertls_server_cert" "podman1" {
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  ca_private_key_pem = dockertls_ca.hosts.private_key_pem
  dns_names          = ["podman1.example.internal"]
  ip_addresses       = ["10.0.0.30"]
}

data "dockertls_podman_config" "podman1" {
  # systemd holds the port (podman-tls.socket) and hands it to podman.
  address         = "tcp://10.0.0.30:2376"
  ca_cert_pem     = dockertls_ca.hosts.cert_pem
  server_cert_pem = dockertls_server_cert.podman1.cert_pem
  server_key_pem  = dockertls_server_cert.podman1.private_key_pem
}

# The units and the TLS files, for a new Fedora CoreOS host's user_data.
output "podman1_ignition" {
  value     = data.dockertls_podman_config.podman1.ignition
  sensitive = true
}
