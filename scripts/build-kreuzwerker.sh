#!/usr/bin/env bash
# Builds the kreuzwerker/docker provider, the usual consumer of
# dockertls_client_config's *_material outputs, from the Go module proxy
# (no registry is reachable here) at a pinned commit, and caches it outside
# the work tree. Prints the folder that holds the binary, for dev_overrides.
set -euo pipefail
version=${KREUZWERKER_VERSION:-v0.0.0-20260916201441-96d331c98ff4}
cache=${KREUZWERKER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}/kreuzwerker-docker-$version
bin=$cache/terraform-provider-docker
if [ -x "$bin" ]; then
  echo "$cache"
  exit 0
fi
mkdir -p "$cache"
echo "build-kreuzwerker: building kreuzwerker/docker $version from the Go module proxy (a few minutes, once)" >&2
dir=$(go mod download -json "github.com/kreuzwerker/terraform-provider-docker@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build-kreuzwerker: could not download github.com/kreuzwerker/terraform-provider-docker@$version" >&2; exit 1; }
src=$(mktemp -d)
trap 'chmod -R u+w "$src"; rm -rf "$src"' EXIT
cp -r "$dir"/. "$src"/
chmod -R u+w "$src"
(cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" .) >&2
mv "$bin.tmp" "$bin"
echo "$cache"
