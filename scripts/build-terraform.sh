#!/usr/bin/env bash
# Builds Terraform from the Go module proxy (the last MPL release, 1.5.7, is
# what many repositories pin; no prebuilt binary can be downloaded here) and
# caches the binary outside the work tree, so later runs and fresh clones on
# the same machine reuse it. Prints the path.
set -euo pipefail
version=${TERRAFORM_OLD_VERSION:-v1.5.7}
cache=${TF_OLD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/terraform-$version
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-terraform: building Terraform $version from the Go module proxy (a few minutes, once)" >&2
dir=$(go mod download -json "github.com/hashicorp/terraform@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build-terraform: could not download github.com/hashicorp/terraform@$version" >&2; exit 1; }
src=$(mktemp -d)
trap 'chmod -R u+w "$src"; rm -rf "$src"' EXIT
cp -r "$dir"/. "$src"/
chmod -R u+w "$src"
(cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .) >&2
mv "$bin.tmp" "$bin"
"$bin" version >&2
echo "$bin"
