# One of many host states (per region, per team), applied on its own or in
# parallel with the others. It takes the CA certificate from the CA's state
# and the CA key write-only from the secret store, so that its state holds no
# CA key. When the CA renews on its own key, the next apply here updates each
# certificate's stored ca_cert_pem in place and re-issues nothing.

terraform {
  required_version = ">= 1.11" # write-only attributes
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

variable "ca_private_key_pem" {
  description = "The CA key, from your secret store."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "ca_state_path" {
  description = "Where the CA's state is (here a local backend; s3, gcs or HCP Terraform alike)."
  type        = string
  default     = "../ca/terraform.tfstate"
}

variable "hosts" {
  description = "This state's Docker hosts."
  type        = set(string)
  default     = ["docker1.eu-west.example.internal", "docker2.eu-west.example.internal"]
}

data "terraform_remote_state" "ca" {
  backend = "local"
  config = {
    path = var.ca_state_path
  }
}

resource "dockertls_server_cert" "host" {
  for_each                      = var.hosts
  ca_cert_pem                   = data.terraform_remote_state.ca.outputs.ca_cert_pem
  ca_private_key_pem_wo         = var.ca_private_key_pem
  ca_private_key_pem_wo_version = 1
  dns_names                     = [each.key]
}

data "dockertls_daemon_config" "host" {
  for_each        = var.hosts
  ca_cert_pem     = data.terraform_remote_state.ca.outputs.ca_cert_pem
  server_cert_pem = dockertls_server_cert.host[each.key].cert_pem
  server_key_pem  = dockertls_server_cert.host[each.key].private_key_pem
}

output "user_data" {
  description = "Each host's cloud-config."
  value       = { for name, d in data.dockertls_daemon_config.host : name => d.cloud_init }
  sensitive   = true
}
