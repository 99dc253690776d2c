#!/usr/bin/env bash
# Runs a real container from the embedded default bundle (busybox-static + tsrc's default spec)
# and prints what it sees from inside.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=$(mktemp -d /tmp/tsrc-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
node scripts/make-bundle.mjs "$bundle" sh -c '
  echo "hello from inside a tsrc container"
  echo "hostname:  $(hostname)"
  echo "pid:       $$ (pid 1 of its own pid namespace)"
  echo "user:      $(id)"
  echo "root:      $(ls / | tr "\n" " ")"
  echo "processes: $(ps -o pid,comm | tail -n +2 | tr -s " \n" " ")"
  echo "cgroup:    $(grep -m1 memory /proc/self/cgroup || head -1 /proc/self/cgroup)"'
./bin/tsrc run --bundle "$bundle" "tsrc-demo-$$"
