resource "dockertls_ca" "docker" {
  common_name  = "Docker CA"
  organization = "Example Corp"

  # The defaults: ECDSA P-256, 10 years, renewed 1 year before expiry.
  key_algorithm         = "ECDSA_P256"
  validity_period_hours = 87600
  early_renewal_hours   = 8760
}
