#!/bin/bash
# Runs the pure-cgroup-v2 tests (test/cgroup-v2) inside a throwaway QEMU VM that mounts only
# cgroup2, using the project's harness test/vm/run-in-v2vm.sh (it installs qemu-system-x86 and
# busybox-static with apt-get when missing and caches Debian's kernel under ~/.cache/tsrc-v2vm).
#
# The test process runs in the cgroup /ci.slice/job.scope, not the root, so that relative
# cgroupsPaths exercise the "below the parent of our own cgroup" rule.
#
# Env: V2VM_TOOL (another run-in-v2vm.sh with the same options), V2VM_TIMEOUT (seconds, default
# 1800); CI is passed on. Extra arguments go to tap (e.g. a single file).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM=${V2VM_TOOL:-$ROOT/test/vm/run-in-v2vm.sh}
[ -f "$VM" ] || { echo "test-cgroup-v2: $VM not found" >&2; exit 1; }

# Fetching the kernel and building the initramfs happen here, outside the test timeout.
bash "$VM" --prepare

cd "$ROOT"
# The VM shares this directory read-write and runs the command as root inside it. The plain TAP
# reporter halves the run under software emulation (the default one loads a terminal UI stack).
exec bash "$VM" --timeout "${V2VM_TIMEOUT:-1800}" --workdir "$ROOT" --cgroup /ci.slice/job.scope \
  --env "CI=${CI:-}" -- npx tap --reporter=tap "${@:-test/cgroup-v2}"
