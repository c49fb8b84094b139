#!/usr/bin/env bash
# Installs what the build, the demo and the tests need, idempotently.
# Safe to run again: it only installs what is missing.
set -euo pipefail

need_apt=()
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(ca-certificates)
if [ "${DOCKERTLS_NEED_DOCKERD:-0}" = 1 ]; then
  command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
  # A static busybox is the root filesystem of the tests' offline image.
  [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
  # cloud-init's own validator checks the rendered cloud_init.
  command -v cloud-init >/dev/null 2>&1 || need_apt+=(cloud-init)
  # A rootless engine: RootlessKit, its network (slirp4netns) and the setuid
  # uid mappers; dockerd-rootless.sh itself comes with docker.io.
  command -v rootlesskit >/dev/null 2>&1 || need_apt+=(rootlesskit)
  command -v slirp4netns >/dev/null 2>&1 || need_apt+=(slirp4netns)
  command -v newuidmap >/dev/null 2>&1 || need_apt+=(uidmap)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need_apt[*]}; install them (as root: apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ "${DOCKERTLS_NEED_DOCKERD:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
  # The unprivileged user the rootless end-to-end test runs dockerd as, with
  # subordinate ids for RootlessKit's user namespace (useradd allots them).
  id dockertls-rootless >/dev/null 2>&1 || useradd --create-home --shell /bin/sh dockertls-rootless
  grep -q '^dockertls-rootless:' /etc/subuid || usermod --add-subuids 300000-365535 --add-subgids 300000-365535 dockertls-rootless
  # slirp4netns opens /dev/net/tun as that user. udev makes it 0666 on a
  # normal Debian host; a machine without udev leaves the kernel's 0600.
  if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    echo "setup: /dev/net/tun is $(stat -c %a /dev/net/tun); making it 0666, as udev does, for rootless networking"
    chmod 0666 /dev/net/tun
  fi
fi

command -v go >/dev/null 2>&1 || { echo "setup: Go is required (https://go.dev/dl/)" >&2; exit 1; }
if ! command -v terraform >/dev/null 2>&1 && [ -z "${TF_ACC_TERRAFORM_PATH:-}" ]; then
  echo "setup: Terraform >= 1.11 is required on PATH (or set TF_ACC_TERRAFORM_PATH)" >&2
  exit 1
fi

# Fetch modules once, so later steps fail on code, not on the network.
go mod download
