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
  # systemd-analyze verify parses the rendered drop-ins with their units.
  command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
  # A rootless engine: RootlessKit, its network (slirp4netns) and the setuid
  # uid mappers; dockerd-rootless.sh itself comes with docker.io.
  command -v rootlesskit >/dev/null 2>&1 || need_apt+=(rootlesskit)
  command -v slirp4netns >/dev/null 2>&1 || need_apt+=(slirp4netns)
  command -v newuidmap >/dev/null 2>&1 || need_apt+=(uidmap)
  # scripts/build-runc.sh links runc, for the current engines, with libseccomp.
  [ -e /usr/include/seccomp.h ] || need_apt+=(libseccomp-dev)
  # The registry test's network namespace: ip netns, and nsenter into it.
  command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || need_apt+=(util-linux)
  # The boot test: debootstrap builds its Debian root filesystem once
  # (scripts/build-bootroot.sh), systemd-nspawn boots it.
  command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
  command -v systemd-nspawn >/dev/null 2>&1 || need_apt+=(systemd-container)
  # scripts/build-ignition.sh links Ignition's ignition-apply with libblkid.
  [ -e /usr/include/blkid/blkid.h ] || need_apt+=(libblkid-dev)
  # Podman 5.7 (scripts/build-podman.sh) runs containers through Debian's
  # conmon; netavark is its network backend (the tests run with --network none).
  command -v conmon >/dev/null 2>&1 || [ -x /usr/libexec/podman/conmon ] || need_apt+=(conmon)
  [ -x /usr/lib/podman/netavark ] || command -v netavark >/dev/null 2>&1 || need_apt+=(netavark)
fi

# What this run would change on the machine, said before any of it is done.
host_changes=()
[ ${#need_apt[@]} -gt 0 ] && host_changes+=("install Debian's ${need_apt[*]} (apt-get)")
rootless_user=0 rootless_ids=0 tun_mode=0
if [ "${DOCKERTLS_NEED_DOCKERD:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
  # The unprivileged user the rootless end-to-end test runs dockerd as, with
  # subordinate ids for RootlessKit's user namespace.
  id dockertls-rootless >/dev/null 2>&1 || { rootless_user=1; host_changes+=("add the user dockertls-rootless (useradd --create-home), for the rootless engine test"); }
  grep -q '^dockertls-rootless:' /etc/subuid 2>/dev/null || { rootless_ids=1; host_changes+=("give dockertls-rootless the subordinate ids 300000-365535 (/etc/subuid, /etc/subgid)"); }
  # slirp4netns opens /dev/net/tun as that user. udev makes it 0666 on a
  # normal Debian host; a machine without udev leaves the kernel's 0600.
  if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    tun_mode=1; host_changes+=("chmod 0666 /dev/net/tun (now $(stat -c %a /dev/net/tun)), as udev does, for rootless networking")
  fi
fi
if [ ${#host_changes[@]} -gt 0 ]; then
  echo "setup: changing this machine (once; later runs find it done):"
  printf 'setup:   - %s\n' "${host_changes[@]}"
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need_apt[*]}; install them (as root: apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ $rootless_user = 1 ] && useradd --create-home --shell /bin/sh dockertls-rootless
[ $rootless_ids = 1 ] && usermod --add-subuids 300000-365535 --add-subgids 300000-365535 dockertls-rootless
[ $tun_mode = 1 ] && chmod 0666 /dev/net/tun

command -v go >/dev/null 2>&1 || { echo "setup: Go is required (https://go.dev/dl/)" >&2; exit 1; }
if ! command -v terraform >/dev/null 2>&1 && [ -z "${TF_ACC_TERRAFORM_PATH:-}" ]; then
  echo "setup: Terraform >= 1.11 is required on PATH (or set TF_ACC_TERRAFORM_PATH)" >&2
  exit 1
fi

# Fetch modules once, so later steps fail on code, not on the network.
go mod download
