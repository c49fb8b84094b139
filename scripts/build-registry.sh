#!/usr/bin/env bash
# Builds the registry (distribution) from the Go module proxy and caches it
# outside the work tree, so later runs and fresh clones on the same machine
# reuse it. Prints the binary's path.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${REGISTRY_VERSION:-v3.1.2}
cache=${REGISTRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/registry-$version
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-registry: building the registry $version from the Go module proxy (about a minute, once per machine)" >&2
build_from_proxy build-registry github.com/distribution/distribution/v3 "$version" ./cmd/registry "$bin" \
  -ldflags "-X github.com/distribution/distribution/v3/version.version=$version"
"$bin" --version >&2
echo "$bin"
