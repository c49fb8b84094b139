#!/usr/bin/env bash
# Builds Podman from the Go module proxy and caches it outside the work
# tree, so later runs and fresh clones on the same machine reuse it. Debian
# 12's own podman is 4.3, without the service's TLS flags (Podman 5.7 added
# them). It runs with Debian's conmon, netavark and runc, which
# scripts/setup.sh installs. Prints the path of the podman binary.
#
# cgo links libseccomp (Debian's libseccomp-dev); the tags leave out what
# would need more C libraries: gpgme (containers_image_openpgp signs in Go),
# btrfs and devicemapper (the tests use the vfs storage driver).
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${PODMAN_VERSION:-v5.7.0}
cache=${PODMAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/podman-$version/podman
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
echo "build-podman: building podman $version from the Go module proxy (about eleven minutes, once per machine)" >&2
tags="containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper seccomp"
CGO_ENABLED=1 build_from_proxy build-podman github.com/containers/podman/v5 "$version" ./cmd/podman "$bin" -tags "$tags"
"$bin" --version >&2
echo "$bin"
