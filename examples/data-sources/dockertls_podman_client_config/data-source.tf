resource "dockertls_ca" "hosts" {
  common_name = "Podman hosts CA"
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  ca_private_key_pem = dockertls_ca.hosts.private_key_pem
  common_name        = "ci-runner"
}

data "dockertls_podman_client_config" "ci" {
  host            = "tcp://podman1.example.internal:2376"
  cert_dir        = "/home/ci/.config/containers/tls/podman1"
  ca_cert_pem     = dockertls_ca.hosts.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
}

# Run once on the client, after writing files: podman --remote then uses it.
output "podman_connection_command" {
  value = data.dockertls_podman_client_config.ci.podman_connection_command
}
