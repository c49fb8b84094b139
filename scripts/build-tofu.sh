#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy (no prebuilt binary can be
# downloaded here) and caches the binary outside the work tree, so later
# runs and fresh clones on the same machine reuse it. Prints the path.
set -euo pipefail
version=${TOFU_VERSION:-v1.12.6}
cache=${TOFU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/tofu-$version
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-tofu: building OpenTofu $version from the Go module proxy (a few minutes, once)" >&2
dir=$(go mod download -json "github.com/opentofu/opentofu@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build-tofu: could not download github.com/opentofu/opentofu@$version" >&2; exit 1; }
src=$(mktemp -d)
trap 'chmod -R u+w "$src"; rm -rf "$src"' EXIT
cp -r "$dir"/. "$src"/
chmod -R u+w "$src"
(cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$bin.tmp" ./cmd/tofu) >&2
mv "$bin.tmp" "$bin"
"$bin" version >&2
echo "$bin"
