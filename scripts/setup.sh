#!/usr/bin/env bash
# One set-up for everything: Debian packages tsrc needs to build, test and demo, then npm
# dependencies and the build. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "tsrc setup: run as root (a container runtime needs it, and apt-get installs packages)" >&2
  exit 1
fi

PACKAGES=(cmake g++ make pkg-config libseccomp-dev libcap-dev busybox-static musl-tools
          runc crun containerd docker.io podman conmon qemu-system-x86 jq iproute2 procps time dbus-daemon
          containernetworking-plugins apparmor selinux-policy-default)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tsrc setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as docker.io and containerd would start their daemons on install: the tests
  # start private instances themselves, so block service starts for the duration.
  policy=/usr/sbin/policy-rc.d
  had_policy=false; [ -e "$policy" ] && had_policy=true
  $had_policy || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $had_policy || rm -f "$policy"
fi

# npm ci only when the lock file changed since the last install (it wipes node_modules).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
node scripts/build.mjs
