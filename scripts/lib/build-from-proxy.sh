# Sourced by scripts/build-*.sh, which build the tools the tests need from
# the Go module proxy (no prebuilt binary can be downloaded here).
#
# build_from_proxy NAME MODULE VERSION PACKAGE BIN [go build arguments...]
#
# downloads MODULE@VERSION, copies it somewhere writable (the module cache
# is read-only), runs the caller's prepare_source function in the copy when
# one is defined, and builds PACKAGE into BIN, replacing it only once the
# build succeeded. NAME prefixes the messages.
build_from_proxy() {
  local name=$1 module=$2 version=$3 pkg=$4 bin=$5
  shift 5
  local dir
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "$name: could not download $module@$version" >&2; return 1; }
  build_src=$(mktemp -d)
  trap 'chmod -R u+w "$build_src"; rm -rf "$build_src"' EXIT
  cp -r "$dir"/. "$build_src"/
  chmod -R u+w "$build_src"
  if declare -F prepare_source >/dev/null; then (cd "$build_src" && prepare_source); fi
  mkdir -p "$(dirname "$bin")"
  (cd "$build_src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath "$@" -o "$bin.tmp" "$pkg") >&2
  mv "$bin.tmp" "$bin"
}
