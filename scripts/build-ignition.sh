#!/usr/bin/env bash
# Builds Ignition's ignition-apply, which applies an Ignition config to a
# root filesystem (as Fedora CoreOS does for container builds), from the Go
# module proxy, at the version whose config package the tests already use
# (go.mod), and caches it outside the work tree. The boot test applies the
# rendered `ignition` with it and boots the result. Prints its path.
#
# Ignition is one program that acts on its name (argv[0]); it links
# libblkid with cgo (Debian's libblkid-dev, which scripts/setup.sh
# installs).
set -euo pipefail
version=${IGNITION_VERSION:-$(awk '$1 == "github.com/coreos/ignition/v2" {print $2}' "$(dirname "$0")/../go.mod")}
cache=${IGNITION_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/ignition-$version/ignition-apply
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
echo "build-ignition: building ignition-apply $version from the Go module proxy (about two minutes, once per machine)" >&2
mkdir -p "$cache"
# Built beside its place, so that the last step is a rename.
tmp=$(mktemp -d "$cache/ignition-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
GOBIN=$tmp GOFLAGS= CGO_ENABLED=1 go install -ldflags "-X github.com/coreos/ignition/v2/internal/version.Raw=$version" \
  "github.com/coreos/ignition/v2/internal@$version" >&2
"$tmp/internal" --version >&2
mkdir -p "$(dirname "$bin")"
mv "$tmp/internal" "$bin"
echo "$bin"
