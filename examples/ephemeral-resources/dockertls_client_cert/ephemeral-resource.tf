# Ephemeral resources need Terraform 1.10 or later.
terraform {
  required_version = ">= 1.10"
}

variable "ca_cert_pem" {
  type = string
}

variable "ca_private_key_pem" {
  type      = string
  sensitive = true
}

# A client certificate that lives for one run: nothing of it is stored.
ephemeral "dockertls_client_cert" "terraform" {
  ca_cert_pem        = var.ca_cert_pem
  ca_private_key_pem = var.ca_private_key_pem
  common_name        = "terraform"
  # validity_period_hours defaults to 1
}

# Configure the kreuzwerker/docker provider with it:
#
# provider "docker" {
#   host          = "tcp://docker1.example.internal:2376"
#   ca_material   = var.ca_cert_pem
#   cert_material = ephemeral.dockertls_client_cert.terraform.cert_pem
#   key_material  = ephemeral.dockertls_client_cert.terraform.private_key_pem
# }
