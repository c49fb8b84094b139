#!/usr/bin/env bash
# Builds the root filesystem the boot test boots (TestE2EBoot): Debian 12
# (bookworm) minbase with systemd as PID 1, cloud-init and Debian's
# docker.io, from the mirror apt already uses, set up to take its only input
# from cloud-init's NoCloud seed. Cached outside the work tree as a folder,
# once per machine (about two minutes, 520 MB); the test boots each case on
# an overlay of it and never changes it. Prints the folder.
#
# Needs root and debootstrap (scripts/setup.sh installs it). With
# BOOTROOT_IF_BUILT=1 it prints the folder only when it is already built.
set -euo pipefail
suite=${BOOTROOT_SUITE:-bookworm}
cache=${BOOTROOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dockertls}
# debootstrap does not resolve virtual packages: python3-cffi-backend is
# what cloud-init's python3-cryptography needs and names virtually.
# openssh-client has ssh-keygen, which cloud-init's ssh module runs at
# first boot, as on a cloud image.
# conmon and netavark are what a Podman host runs containers with (the Podman boot case
# copies in the podman make test builds; Debian 12's is 4.3, without TLS).
packages=systemd,systemd-sysv,dbus,cloud-init,python3-cffi-backend,openssh-client,docker.io,conmon,netavark,iproute2,ca-certificates,netbase,procps,iptables
# cloud-init in a container: only the NoCloud seed (no cloud to ask), the
# guest's network left to the test (it has one veth, configured by the
# host), and the image's own locale, C.UTF-8 (minbase has no locales to
# generate; /etc/default/locale says the same, so cloud-init's locale
# module has nothing to do). Every key valid in cloud-init's schema: an
# invalid one is a warning the boot test fails on.
cloud_cfg='# Written by scripts/build-bootroot.sh for the boot test.
datasource_list: [NoCloud, None]
network: {config: disabled}
locale: C.UTF-8
'
# The folder's name changes with this script, so that a changed recipe
# builds anew instead of booting a stale image.
stamp=$({ echo "$suite"; cat "$0"; } | sha256sum | cut -c1-12)
dir=$cache/bootroot-$suite-$stamp
if [ -f "$dir/.dockertls-bootroot" ]; then
  echo "$dir"
  exit 0
fi
# make check boots only what make test has built.
[ "${BOOTROOT_IF_BUILT:-0}" = 1 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "build-bootroot: debootstrap needs root (run make test as root, as CI does)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "build-bootroot: debootstrap is missing (DOCKERTLS_NEED_DOCKERD=1 scripts/setup.sh installs it)" >&2; exit 1; }

# The mirror apt uses: deb822 sources first, then sources.list.
mirror=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache"
# One build at a time: a second caller waits, then finds the image built.
exec 9>"$cache/bootroot.lock"
flock 9
if [ -f "$dir/.dockertls-bootroot" ]; then
  echo "$dir"
  exit 0
fi
tmp=$(mktemp -d "$cache/bootroot-build.XXXXXX")
# An interrupted debootstrap can leave /proc or /sys mounted in its root:
# detach them, and never delete across a mount.
# (awk, not grep: with pipefail, a grep that finds nothing would fail the
# trap, and so the whole build, after it succeeded.)
cleanup() {
  awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
echo "build-bootroot: debootstrap $suite from $mirror with $packages (about two minutes, once per machine)" >&2
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
  tail -n 30 "$tmp/debootstrap.log" >&2
  [ -f "$tmp/root/debootstrap/debootstrap.log" ] && tail -n 30 "$tmp/root/debootstrap/debootstrap.log" >&2
  exit 1
fi
printf '%s' "$cloud_cfg" >"$tmp/root/etc/cloud/cloud.cfg.d/90-dockertls-boot-test.cfg"
echo 'LANG=C.UTF-8' >"$tmp/root/etc/default/locale"
# An empty machine-id: systemd makes one at each first boot, as on a
# cloud image.
: >"$tmp/root/etc/machine-id"
rm -rf "$tmp/root"/var/cache/apt/archives/*.deb "$tmp/root"/var/lib/apt/lists/*
touch "$tmp/root/.dockertls-bootroot"
# One image per machine: those of earlier recipes go.
rm -rf "$cache/bootroot-$suite"-*
mv "$tmp/root" "$dir"
echo "build-bootroot: $(du -sh "$dir" | cut -f1) in $dir" >&2
echo "$dir"
