#!/usr/bin/env bash
# Builds runc from the Go module proxy and caches it outside the work tree.
# Docker Engine 29 asks for a time namespace, which Debian's runc 1.1 does
# not know ("namespace {"time" ""} does not exist"); the end-to-end tests
# run Engine 29's containers with this runc instead. Needs Debian's
# libseccomp-dev (scripts/setup.sh installs it). Prints the folder that
# holds the binary as "runc", to put first on dockerd's PATH.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${RUNC_VERSION:-v1.5.3}
cache=${RUNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
dir_out=$cache/runc-$version
bin=$dir_out/runc
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$dir_out"
  exit 0
fi
mkdir -p "$dir_out"
echo "build-runc: building runc $version from the Go module proxy (a minute, once per machine)" >&2
CGO_ENABLED=1 build_from_proxy build-runc github.com/opencontainers/runc "$version" . "$bin" -tags seccomp
"$bin" --version >&2
echo "$dir_out"
