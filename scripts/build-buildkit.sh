#!/usr/bin/env bash
# Builds BuildKit's daemon and client (buildkitd, buildctl) from the Go
# module proxy and caches them outside the work tree, so later runs and
# fresh clones on the same machine reuse them. buildkitd's OCI worker runs
# with Debian's runc as root. Prints the folder that holds both binaries.
#
# `go install` refuses github.com/moby/buildkit (its go.mod has exclude
# directives), so it is built from a writable copy of the module, as
# dockerd is.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${BUILDKIT_VERSION:-v0.34.2}
cache=${BUILDKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
dir_out=$cache/buildkit-$version
if [ -x "$dir_out/buildkitd" ] && [ -x "$dir_out/buildctl" ] && "$dir_out/buildctl" --version >/dev/null 2>&1; then
  echo "$dir_out"
  exit 0
fi
mkdir -p "$dir_out"
echo "build-buildkit: building buildkitd and buildctl $version from the Go module proxy (about two minutes, once per machine)" >&2
ldflags="-X github.com/moby/buildkit/version.Version=$version"
for cmd in buildkitd buildctl; do
  # A subshell each: build_from_proxy cleans its copy on exit.
  (build_from_proxy build-buildkit github.com/moby/buildkit "$version" "./cmd/$cmd" "$dir_out/$cmd" -ldflags "$ldflags")
done
"$dir_out/buildctl" --version >&2
echo "$dir_out"
