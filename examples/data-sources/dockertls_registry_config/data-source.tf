resource "dockertls_ca" "registry" {
  common_name = "Registry CA"
}

# The issuer of the clients the registry admits: retiring it shuts them out.
resource "dockertls_ca" "pushers" {
  common_name = "Registry pushers"
}

resource "dockertls_server_cert" "registry" {
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  ca_private_key_pem = dockertls_ca.registry.private_key_pem
  dns_names          = ["registry.example.internal"]
}

data "dockertls_registry_config" "registry" {
  address            = ":5000"
  registry           = "registry.example.internal:5000" # the server certificate must name it
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  client_ca_cert_pem = dockertls_ca.pushers.cert_pem
  server_cert_pem    = dockertls_server_cert.registry.cert_pem
  server_key_pem     = dockertls_server_cert.registry.private_key_pem

  # The rest of the configuration; files["config.yml"] is then the whole.
  config_yaml = yamlencode({
    version = "0.1"
    storage = { filesystem = { rootdirectory = "/var/lib/registry" } }
  })
}

# The http section alone, for a configuration managed elsewhere.
output "http_section" {
  value = data.dockertls_registry_config.registry.yaml
}
