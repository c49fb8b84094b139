terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

# The provider takes no arguments.
provider "dockertls" {}
