resource "dockertls_ca" "registry" {
  common_name = "Registry CA"
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  ca_private_key_pem = dockertls_ca.registry.private_key_pem
  common_name        = "ci-pusher"
}

data "dockertls_registry_client_config" "ci" {
  # Exactly as image references write it: the clients' folder is this name.
  registry        = "registry.example.internal:5000"
  ca_cert_pem     = dockertls_ca.registry.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
}

# Pick the files of the clients you run, such as dockerd's:
#   /etc/docker/certs.d/registry.example.internal:5000/{ca.crt,client.cert,client.key}
output "docker_paths" {
  value = { for name, f in data.dockertls_registry_client_config.ci.docker_files : name => f.path }
}

# or containerd's hosts.toml, or buildkitd.toml's [registry] section:
output "buildkitd_toml" {
  value = data.dockertls_registry_client_config.ci.buildkitd_toml
}
