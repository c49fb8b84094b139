#!/usr/bin/env bash
# Builds a current Docker Engine daemon from the Go module proxy (no
# prebuilt binary can be downloaded here) and caches it outside the work
# tree, so later runs and fresh clones on the same machine reuse it. It runs
# with Debian's containerd and runc (docker.io). Prints the binary's path.
#
#   DOCKERD_MODULE=github.com/docker/docker DOCKERD_VERSION=v28.5.2+incompatible   Docker Engine 28
#   DOCKERD_MODULE=github.com/moby/moby/v2  DOCKERD_VERSION=v2.0.0-beta.24          Docker Engine 29
#
# github.com/docker/docker keeps its dependencies in vendor.mod and
# vendor.sum rather than go.mod and go.sum; the build renames them and
# resolves modules from the proxy instead of vendor/.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
module=${DOCKERD_MODULE:-github.com/docker/docker}
version=${DOCKERD_VERSION:-v28.5.2+incompatible}
name=${DOCKERD_NAME:-dockerd-$(echo "${version#v}" | sed 's/+incompatible//')}
cache=${DOCKERD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/$name
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-dockerd: building dockerd from $module@$version (10 to 20 minutes on 2 cores, once per machine)" >&2
prepare_source() {
  if [ -f vendor.mod ]; then
    mv vendor.mod go.mod
    mv vendor.sum go.sum
    rm -rf vendor
  fi
}
engine=$(echo "${version#v}" | sed 's/+incompatible//')
ldflags=""
case "$module" in
  github.com/docker/docker) ldflags="-X github.com/docker/docker/dockerversion.Version=$engine" ;;
  github.com/moby/moby/v2) ldflags="-X github.com/moby/moby/v2/dockerversion.Version=$engine" ;;
esac
CGO_ENABLED=1 build_from_proxy build-dockerd "$module" "$version" ./cmd/dockerd "$bin" -tags exclude_graphdriver_btrfs -ldflags "$ldflags"
"$bin" --version >&2
echo "$bin"
