#!/usr/bin/env bash
# Builds the kreuzwerker/docker provider, the usual consumer of
# dockertls_client_config's *_material outputs, from the Go module proxy
# (no registry is reachable here) at a pinned commit, and caches it outside
# the work tree. Prints the folder that holds the binary, for dev_overrides.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${KREUZWERKER_VERSION:-v0.0.0-20260916201441-96d331c98ff4}
cache=${KREUZWERKER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}/kreuzwerker-docker-$version
bin=$cache/terraform-provider-docker
if [ -x "$bin" ]; then
  echo "$cache"
  exit 0
fi
mkdir -p "$cache"
echo "build-kreuzwerker: building kreuzwerker/docker $version from the Go module proxy (a few minutes, once)" >&2
CGO_ENABLED=0 build_from_proxy build-kreuzwerker github.com/kreuzwerker/terraform-provider-docker "$version" . "$bin"
echo "$cache"
