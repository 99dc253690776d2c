#!/bin/bash
# Runs the pure-cgroup-v2 tests (test/cgroup-v2) inside a throwaway QEMU VM that mounts only
# cgroup2, using the shared tool ../shared/tools/run-in-v2vm.sh (shared/ is a sibling of the
# repository clone, in CI and on the dev VM). Installs qemu-system-x86 (and busybox-static, which
# the tool's initramfs needs) with apt-get when missing.
#
# The test process runs in the cgroup /ci.slice/job.scope, not the root, so that relative
# cgroupsPaths exercise the "below the parent of our own cgroup" rule.
#
# Env: V2VM_TOOL (path of run-in-v2vm.sh), V2VM_TIMEOUT (seconds, default 1800); CI is passed on.
# Extra arguments go to tap (e.g. a single file).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM=${V2VM_TOOL:-$ROOT/../shared/tools/run-in-v2vm.sh}
[ -f "$VM" ] || { echo "test-cgroup-v2: $VM not found (shared/ must be a sibling of the repository, or set V2VM_TOOL)" >&2; exit 1; }

need_pkgs=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_pkgs+=(qemu-system-x86)
[ -x /bin/busybox ] || command -v busybox >/dev/null 2>&1 || need_pkgs+=(busybox-static)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "test-cgroup-v2: installing ${need_pkgs[*]}" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends "${need_pkgs[@]}" ||
    { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${need_pkgs[@]}"; }
fi

bash "$VM" --prepare

cd "$ROOT"
# The VM shares this directory read-write and runs the command as root inside it. The plain TAP
# reporter halves the run under software emulation (the default one loads a terminal UI stack).
exec bash "$VM" --timeout "${V2VM_TIMEOUT:-1800}" --workdir "$ROOT" --cgroup /ci.slice/job.scope \
  --env "CI=${CI:-}" -- npx tap --reporter=tap "${@:-test/cgroup-v2}"
