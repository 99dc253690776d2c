#!/bin/bash
# Runs the pure-cgroup-v2 tests (test/cgroup-v2) inside a throwaway QEMU VM that mounts only
# cgroup2, using the project's harness test/vm/run-in-v2vm.sh (it installs qemu-system-x86 and
# busybox-static with apt-get when missing and caches Debian's kernel under ~/.cache/tsrc-v2vm).
# Then the SELinux tests (test/selinux) in a second boot of the same VM with SELinux as the
# kernel's LSM (Debian's kernel picks AppArmor, and only one of the two can be active), permissive.
#
# The test process runs in the cgroup /ci.slice/job.scope, not the root, so that relative
# cgroupsPaths exercise the "below the parent of our own cgroup" rule.
#
# Env: V2VM_TOOL (another run-in-v2vm.sh with the same options), V2VM_TIMEOUT (seconds, default
# 1800); CI is passed on. Extra arguments go to tap (e.g. a single file); files under
# test/selinux get the SELinux boot.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM=${V2VM_TOOL:-$ROOT/test/vm/run-in-v2vm.sh}
[ -f "$VM" ] || { echo "test-cgroup-v2: $VM not found" >&2; exit 1; }

# Fetching the kernel and building the initramfs happen here, outside the test timeout.
bash "$VM" --prepare

cd "$ROOT"
# The VM shares this directory read-write and runs the command as root inside it. The plain TAP
# reporter halves the run under software emulation (the default one loads a terminal UI stack).
run_vm() {
  bash "$VM" --timeout "${V2VM_TIMEOUT:-1800}" --workdir "$ROOT" --cgroup /ci.slice/job.scope \
    --env "CI=${CI:-}" "$@"
}
SELINUX=(--append "security=selinux selinux=1 enforcing=0")
PLAIN=() SE=()
for a in "${@:-test/cgroup-v2 test/selinux}"; do
  for f in $a; do case "$f" in test/selinux*) SE+=("$f") ;; *) PLAIN+=("$f") ;; esac; done
done
rc=0
if [ ${#PLAIN[@]} -gt 0 ]; then run_vm -- npx tap --reporter=tap "${PLAIN[@]}" || rc=$?; fi
if [ ${#SE[@]} -gt 0 ]; then run_vm "${SELINUX[@]}" -- npx tap --reporter=tap "${SE[@]}" || rc=$?; fi
exit "$rc"
