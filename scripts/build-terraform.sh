#!/usr/bin/env bash
# Builds Terraform from the Go module proxy (the last MPL release, 1.5.7, is
# what many repositories pin; no prebuilt binary can be downloaded here) and
# caches the binary outside the work tree, so later runs and fresh clones on
# the same machine reuse it. Prints the path.
set -euo pipefail
. "$(dirname "$0")/lib/build-from-proxy.sh"
version=${TERRAFORM_OLD_VERSION:-v1.5.7}
cache=${TF_OLD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
bin=$cache/terraform-$version
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "build-terraform: building Terraform $version from the Go module proxy (a few minutes, once)" >&2
build_from_proxy build-terraform github.com/hashicorp/terraform "$version" . "$bin"
"$bin" version >&2
echo "$bin"
