#!/usr/bin/env bash
# Installs a Go tool at a pinned version into the shared cache, once, and
# prints its path: install-tool.sh NAME MODULE/PATH@VERSION
set -euo pipefail
name=$1
pkg=$2
cache=${TOOLS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
version=${pkg##*@}
bin=$cache/$name-$version
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  echo "install-tool: building $pkg (once)" >&2
  tmp=$(mktemp -d)
  GOBIN=$tmp GOFLAGS= go install "$pkg" >&2
  mv "$tmp/$name" "$bin"
  rm -rf "$tmp"
fi
echo "$bin"
