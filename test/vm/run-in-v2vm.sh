#!/bin/bash
# run-in-v2vm.sh — run a command as root on a pure cgroup-v2 machine: a throwaway QEMU VM booting
# Debian's stock kernel with only cgroup2 mounted (all controllers enabled, nsdelegate,
# memory_recursiveprot). Hosts here and in CI mount cgroups v1/hybrid, most production hosts pure
# v2; test/cgroup-v2 needs the latter. The guest sees this machine's / read-only (writes go to a
# tmpfs and vanish), the work dir read-write at its own path, fresh /tmp and /run, no network.
#
#   test/vm/run-in-v2vm.sh [options] -- COMMAND [ARGS...]
#     --prepare       only install packages, fetch the kernel and build the initramfs, then exit
#     --timeout S     kill the VM after S seconds (default 900): exit 124
#     --workdir DIR   shared read-write and the command's cwd (default: $PWD)
#     --cgroup PATH   run the command in this cgroup (default /), e.g. /ci.slice/job.scope
#     --env K=V       set a variable for the command (repeatable); otherwise it gets only PATH,
#                     HOME, LANG and TERM, so a run does not depend on the caller's environment
#     --append ARGS   more kernel command line (repeatable), e.g. "security=selinux selinux=1"
#     -v              show the guest's kernel console and the boot time
#
# Exit status: the command's; 124 on timeout; 125 if the VM did not boot (console tail printed).
# Env: V2VM_CACHE (default ~/.cache/tsrc-v2vm), V2VM_MEM (MB, 2048), V2VM_BOOT_TIMEOUT (s, 45).
# Needs root (or sudo) for apt-get the first time: qemu-system-x86, busybox-static and, unpacked
# into the cache rather than installed, Debian's linux-image-amd64.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${V2VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsrc-v2vm}
TIMEOUT=900 WORKDIR=$PWD CGROUP=/ VERBOSE=0 PREPARE=0 ENVS=() EXTRA=()

die() { echo "run-in-v2vm: $*" >&2; exit 125; }
RUN='' TMPD='' QPID='' READERS=()
cleanup() {
  if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi
  if [ ${#READERS[@]} -gt 0 ]; then kill "${READERS[@]}" 2>/dev/null || true; fi
  rm -rf "$RUN" "$TMPD" "$TMPD.cpio"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log() { if [ "$VERBOSE" = 1 ]; then echo "run-in-v2vm: $*" >&2; fi; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prepare) PREPARE=1; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --cgroup) CGROUP=$2; shift 2 ;;
    --env) ENVS+=("$2"); shift 2 ;;
    --append) EXTRA+=("$2"); shift 2 ;;
    -v) VERBOSE=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (put -- before the command)" ;;
  esac
done
[ "$PREPARE" = 1 ] || [ $# -gt 0 ] || die "no command (usage: $0 [options] -- COMMAND ARGS...)"
# The path is written into a shell file the guest sources: allow only plain cgroup names.
[[ "$CGROUP" =~ ^/[A-Za-z0-9._@:/-]*$ ]] || die "--cgroup must be an absolute path of plain names, not '$CGROUP'"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds, not '$TIMEOUT'"
# Kernel parameters only: the guest's init reads its settings from the command line too.
for a in "${EXTRA[@]+"${EXTRA[@]}"}"; do
  [[ "$a" =~ ^[A-Za-z0-9._=,:\ -]*$ ]] && [[ ! "$a" =~ (^|\ )v2vm\. ]] || die "--append takes plain kernel parameters, not '$a'"
done

# ---- host packages
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_install() {  # a fresh CI image has no package lists: update only when the install fails
  echo "run-in-v2vm: installing $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get install -y -qq --no-install-recommends "$@" ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "$@"; }; } >&2 ||
    die "apt-get install $* failed"
}
is_static() { [ -x "$1" ] && ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }
command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86
# The initramfs has no libc: its busybox must be the static build (Debian's busybox-static).
is_static /bin/busybox || apt_install busybox-static
is_static /bin/busybox || die "/bin/busybox is not statically linked (install busybox-static)"

# ---- kernel and initramfs, cached
mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
exec 9>"$CACHE/.lock"; flock 9   # parallel runs: one download / initramfs build at a time
# linux-image-amd64 is a meta package; the cache is keyed by the versioned package it points at,
# so a kernel update fetches once more and an offline machine keeps using what it has.
resolve_kernel() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
PKG=$(resolve_kernel)
if [ -z "$PKG" ] && ! ls -d "$CACHE"/linux-image-*/.done >/dev/null 2>&1; then
  $SUDO apt-get update -qq >&2 || true
  PKG=$(resolve_kernel)
fi
[ -n "$PKG" ] || PKG=$(ls -d "$CACHE"/linux-image-*/.done 2>/dev/null | tail -1 | xargs -r dirname | xargs -r basename)
[ -n "$PKG" ] || die "cannot find Debian's kernel package linux-image-amd64 (apt-get update failed?)"
KDIR=$CACHE/$PKG
if [ ! -e "$KDIR/.done" ]; then
  echo "run-in-v2vm: fetching $PKG into $KDIR (once)" >&2
  rm -rf "$KDIR" && mkdir -p "$KDIR/dl"
  # As root apt would drop to _apt, which cannot write to root's cache (it warns, then goes on).
  dl() { (cd "$KDIR/dl" && apt-get download -q -o APT::Sandbox::User=root "$PKG" >&2); }
  if ! dl; then  # stale package lists may name a version the mirror no longer has
    $SUDO apt-get update -qq >&2 || true
    PKG=$(resolve_kernel); KDIR=$CACHE/$PKG
    [ -n "$PKG" ] && rm -rf "$KDIR" && mkdir -p "$KDIR/dl" && dl || die "apt-get download ${PKG:-linux-image-amd64} failed"
  fi
  dpkg-deb -x "$KDIR"/dl/*.deb "$KDIR/root" || die "cannot unpack $PKG"
  rm -rf "$KDIR/dl"
  KV=$(ls "$KDIR/root/lib/modules")
  # The package's postinst would run depmod; busybox's writes the modules.dep modprobe reads.
  /bin/busybox depmod -b "$KDIR/root" "$KV" || die "depmod for $PKG failed"
  touch "$KDIR/.done"
fi
KV=$(ls "$KDIR/root/lib/modules")
KERNEL=$KDIR/root/boot/vmlinuz-$KV
MODDIR=$KDIR/root/lib/modules/$KV
[ -r "$KERNEL" ] || die "no kernel at $KERNEL (remove $KDIR to fetch it again)"
# Under emulation a bzImage's real-mode setup and self-decompression take ~2.5 s of each boot; the
# ELF vmlinux inside it (Debian's is xz-compressed) boots directly through its PVH entry point.
if [ ! -s "$KDIR/vmlinux" ] && command -v xz >/dev/null; then
  off=$(LC_ALL=C grep -obaP '\xfd7zXZ\x00' "$KERNEL" | head -1 | cut -d: -f1 || true)
  if [ -n "$off" ] && xz -dc --single-stream < <(tail -c +$((off + 1)) "$KERNEL") > "$KDIR/vmlinux.tmp" 2>/dev/null &&
     [ "$(head -c4 "$KDIR/vmlinux.tmp")" = $'\x7fELF' ]; then
    mv "$KDIR/vmlinux.tmp" "$KDIR/vmlinux"
  else
    rm -f "$KDIR/vmlinux.tmp"
  fi
fi
BOOT=$KERNEL; [ -s "$KDIR/vmlinux" ] && BOOT=$KDIR/vmlinux

# Rebuilt when the init script or the kernel changes (the name carries both).
INITRD=$CACHE/initramfs-$KV-$(cat "$HERE/init" /bin/busybox | md5sum | cut -c1-12).cpio
if [ ! -s "$INITRD" ]; then
  log "building $INITRD"
  TMPD=$(mktemp -d "$CACHE/initramfs.XXXXXX") && d=$TMPD
  mkdir -p "$d/bin" "$d/dev" "$d/proc" "$d/sys" "$d/lib/modules/$KV"
  cp /bin/busybox "$d/bin/busybox" && cp "$HERE/init" "$d/init" && chmod 755 "$d/init"
  # The modules stage 1 loads, with what they depend on, as modules.dep lists them.
  for m in virtio_mmio virtio_pci 9pnet_virtio 9p overlay virtio_console; do
    line=$(grep -E "(^|/)${m}\.ko:" "$MODDIR/modules.dep") || die "module $m missing from $MODDIR"
    for f in ${line%%:*} ${line#*:}; do
      mkdir -p "$d/lib/modules/$KV/$(dirname "$f")" && cp "$MODDIR/$f" "$d/lib/modules/$KV/$f"
    done
  done
  /bin/busybox depmod -b "$d" "$KV" || die "depmod for the initramfs failed"
  (cd "$d" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) > "$d.cpio" || die "cpio failed"
  mv "$d.cpio" "$INITRD" && rm -rf "$d" && TMPD=''
  # Older builds (an hour's grace: a run elsewhere may be about to boot one).
  find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio' ! -path "$INITRD" -mmin +60 -delete
fi
exec 9>&-
if [ "$PREPARE" = 1 ]; then echo "run-in-v2vm: ready (kernel $KV, cache $CACHE)" >&2; exit 0; fi

# ---- one run
WORKDIR=$(cd "$WORKDIR" && pwd -P) || die "--workdir $WORKDIR is not a directory"
case "$WORKDIR" in *,*|*[[:space:]]*) die "the work dir path must not contain commas or spaces: $WORKDIR" ;; esac
# The guest reads config and cmd from here through its view of the host's /.
RUN=$(mktemp -d "${TMPDIR:-/tmp}/tsrc-v2vm.XXXXXX") || die "mktemp failed"
case "$RUN" in *[[:space:]]*) rm -rf "$RUN"; die "TMPDIR must not contain spaces (the path goes on the kernel command line)" ;; esac

{
  for v in PATH HOME LANG TERM; do if [ -n "${!v:-}" ]; then printf 'export %s=%q\n' "$v" "${!v}"; fi; done
  for e in "${ENVS[@]+"${ENVS[@]}"}"; do printf 'export %q\n' "$e"; done
  printf 'cd %q || exit 125\nexec' "$WORKDIR"; printf ' %q' "$@"; echo
} > "$RUN/cmd"
printf 'KV=%q\nMODDIR=%q\nCGROUP=%q\nWORKDIR=%q\n' "$KV" "$MODDIR" "$CGROUP" "$WORKDIR" > "$RUN/config"

# /dev/kvm here is a nested PVM that cannot run a stock kernel, so only real VT-x/AMD-V counts.
if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
  ACCEL=(-accel kvm -cpu host)
else
  ACCEL=(-accel tcg,thread=multi -cpu max,la57=off)
fi
CPUS=$(nproc); [ "$CPUS" -le 4 ] || CPUS=4
# reboot=t: the guest ends (done, failed or panicked) by rebooting, which -no-reboot turns into
# qemu exiting; the default ACPI-then-keyboard-controller reset sometimes never completes on microvm.
APPEND="console=ttyS0 panic=-1 reboot=t rdinit=/init v2vm.run=$RUN cgroup_no_v1=all mitigations=off"
APPEND+=" random.trust_cpu=on 8250.nr_uarts=1 i8042.noaux i8042.nokbd i8042.nopnp"
[ "$VERBOSE" = 1 ] || APPEND+=" quiet"
for a in "${EXTRA[@]+"${EXTRA[@]}"}"; do APPEND+=" $a"; done
# microvm (no PCI, no firmware tables to walk) boots fastest, but has no HPET or PM timer: under
# emulation the kernel's TSC calibration against the PIT can then hang or go wrong. Handing it the
# host's TSC frequency avoids that; without one, q35 has an HPET to calibrate against.
# dmesg is often unreadable in containers; cpuinfo's MHz is exact only with tsc_known_freq.
KHZ=$( { dmesg 2>/dev/null | grep -oP 'Refined TSC clocksource calibration: \K[0-9.]+|tsc: Detected \K[0-9.]+(?= MHz)' | tail -1
         grep -qw tsc_known_freq /proc/cpuinfo && grep -m1 -oP '^cpu MHz\s*:\s*\K[0-9.]+' /proc/cpuinfo
       } 2>/dev/null | head -1 | awk '{printf "%d", $1*1000}' || true)
if [ -n "$KHZ" ] && [ "$KHZ" -gt 0 ] && [ "${ACCEL[1]}" = "tcg,thread=multi" ]; then
  BUS=device MACHINE=(-M microvm,acpi=on,pcie=off,rtc=on,isa-serial=on,pit=on,pic=on)
  APPEND+=" pci=off tsc_early_khz=$KHZ tsc=reliable"
else
  BUS=pci MACHINE=(-M q35)
fi
T0=$SECONDS

# One boot: qemu in the background writing the command's output into FIFOs that cat copies to
# ours, and the status port into a file. Returns 99 if no "ready" came within the boot timeout.
boot() {
  rm -f "$RUN"/out "$RUN"/err "$RUN"/status "$RUN"/console
  mkfifo "$RUN/out" "$RUN/err" && : > "$RUN/status" && : > "$RUN/console"
  cat "$RUN/out" & READERS=($!)
  cat "$RUN/err" >&2 & READERS+=($!)
  if [ "$VERBOSE" = 1 ]; then tail -f "$RUN/console" >&2 & READERS+=($!); fi
  local left=$((TIMEOUT - (SECONDS - T0)))
  [ "$left" -gt 0 ] || left=1
  timeout --kill-after=10 "$left" qemu-system-x86_64 "${ACCEL[@]}" "${MACHINE[@]}" -m "${V2VM_MEM:-2048}" \
    -smp "$CPUS" -nodefaults -no-user-config -nographic -no-reboot \
    -kernel "$BOOT" -initrd "$INITRD" -append "$APPEND" \
    -chardev file,id=con,path="$RUN/console" -serial chardev:con \
    -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-$BUS,fsdev=root,mount_tag=hostroot \
    -fsdev local,id=rw0,path="$WORKDIR",security_model=none,multidevs=remap \
    -device virtio-9p-$BUS,fsdev=rw0,mount_tag=rw0 \
    -device virtio-serial-$BUS,id=vser \
    -chardev file,id=out,path="$RUN/out" -device virtserialport,bus=vser.0,chardev=out,name=v2vm.out \
    -chardev file,id=err,path="$RUN/err" -device virtserialport,bus=vser.0,chardev=err,name=v2vm.err \
    -chardev file,id=st,path="$RUN/status" -device virtserialport,bus=vser.0,chardev=st,name=v2vm.status \
    </dev/null >"$RUN/qemu.log" 2>&1 &
  QPID=$!
  local n=0 t
  t=$(date +%s.%N)
  until grep -q '^ready' "$RUN/status"; do
    if ! kill -0 "$QPID" 2>/dev/null; then break; fi
    if [ $((n += 1)) -gt $((${V2VM_BOOT_TIMEOUT:-45} * 5)) ]; then
      kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null || true; QPID=
      kill "${READERS[@]}" 2>/dev/null || true; READERS=()
      return 99
    fi
    sleep 0.2
  done
  if grep -q '^ready' "$RUN/status"; then log "booted in $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')s"; fi
  QRC=0; wait "$QPID" || QRC=$?
  QPID=
  # A qemu that died before opening the FIFOs leaves cat blocked in open(): opening them
  # read-write never blocks and lets cat see end-of-file.
  for f in "$RUN/out" "$RUN/err"; do exec 8<>"$f"; exec 8>&-; done
  wait "${READERS[@]:0:2}" 2>/dev/null || true
  if [ ${#READERS[@]} -gt 2 ]; then kill "${READERS[2]}" 2>/dev/null || true; fi
  READERS=()
}
# A rare hang early in boot under software emulation (before the console shows anything useful)
# is not worth diagnosing per run: kill it and boot again.
for try in 1 2 3; do
  rc=0; boot || rc=$?
  [ "$rc" = 99 ] || break
  [ "$try" -lt 3 ] || { tr -d '\r' < "$RUN/console" | grep -v 'PCI: Fatal: No config space' | tail -n 20 >&2  # that line is normal
                         die "the VM did not boot in 3 tries"; }
  echo "run-in-v2vm: boot $try hung (no ready report in ${V2VM_BOOT_TIMEOUT:-45}s), retrying" >&2
done

RC=$(sed -n 's/^exit \([0-9]*\).*/\1/p' "$RUN/status" | tail -1)
log "total $((SECONDS - T0))s"
if [ -z "$RC" ]; then
  if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    echo "run-in-v2vm: killed after the ${TIMEOUT}s timeout" >&2; exit 124
  fi
  { echo "run-in-v2vm: the VM stopped (qemu status $QRC) without reporting the command's status"
    tail -n 10 "$RUN/qemu.log"; echo "---- guest console:"; tail -n 30 "$RUN/console" | tr -d '\r'; } >&2
  exit 125
fi
exit "$RC"
