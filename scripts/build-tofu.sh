#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy (no prebuilt binary can be
# downloaded here) and caches the binary outside the work tree, so later
# runs and fresh clones on the same machine reuse it. Prints the path.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${TOFU_VERSION:-v1.12.6}
cache=${TOFU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/tofu-$version
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-tofu: building OpenTofu $version from the Go module proxy (a few minutes, once)" >&2
build_from_proxy build-tofu github.com/opentofu/opentofu "$version" ./cmd/tofu "$bin" \
  -ldflags "-X github.com/opentofu/opentofu/version.dev=no"
"$bin" version >&2
echo "$bin"
