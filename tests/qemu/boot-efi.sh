#!/bin/sh
# SPDX-License-Identifier: MIT
# Boots one EFI application under Debian's OVMF in QEMU (TCG, no display) and
# reports which of the given serial-console patterns appears first.
#
# usage: boot-efi.sh --code CODE.fd --vars VARS.fd --efi APP.efi
#                    --expect REGEX [--expect REGEX]... [--timeout SECONDS]
#                    [--log FILE] [--vars-out FILE] [--esp-file SRC:PATH]...
#                    [--qemu-arg ARG]...
#
#   --code      OVMF code image (e.g. /usr/share/OVMF/OVMF_CODE_4M.secboot.fd)
#   --vars      variable store; a private copy is booted, the file is not changed
#   --efi       installed as \EFI\BOOT\BOOTX64.EFI on a FAT drive (vvfat)
#   --expect    extended regex; the first serial line matching any of them ends the run
#   --timeout   seconds before giving up (default 120)
#   --log       keep the serial log here (default: a temporary file, removed)
#   --vars-out  after the run, save the store as the firmware left it
#   --esp-file  also copy SRC to PATH on the FAT drive (e.g. app.efi:EFI/test/addon.efi)
#   --qemu-arg  extra QEMU argument (repeatable)
#
# Prints the first matching line on stdout.  Exit status: 0 a pattern matched,
# 1 timeout or QEMU exited first (the log tail goes to stderr), 2 usage,
# 77 QEMU or the firmware file is missing (ctest SKIP).
# Secure-Boot builds need SMM, so the machine is q35 with smm=on and a secure
# pflash, as Debian's libvirt/OVMF documentation prescribes.
set -u

code= vars= efi= timeout=120 log= patterns= extra= espfiles= varsout=
while [ $# -gt 0 ]; do
	case "$1" in
	--code) code=$2; shift 2 ;;
	--vars) vars=$2; shift 2 ;;
	--efi) efi=$2; shift 2 ;;
	--expect) patterns="${patterns:+$patterns|}($2)"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--vars-out) varsout=$2; shift 2 ;;
	--qemu-arg) extra="$extra $2"; shift 2 ;;
	--esp-file) espfiles="$espfiles
$2"; shift 2 ;;
	*) echo "boot-efi.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
if [ -z "$code" ] || [ -z "$vars" ] || [ -z "$efi" ] || [ -z "$patterns" ]; then
	echo "boot-efi.sh: --code, --vars, --efi and --expect are required" >&2
	exit 2
fi
QEMU=${QEMU:-qemu-system-x86_64}
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "boot-efi.sh: $QEMU not installed; skipping" >&2
	exit 77
fi
if [ ! -r "$code" ]; then
	echo "boot-efi.sh: firmware '$code' not found; skipping" >&2
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/boot-efi.XXXXXX") || exit 1
qpid=
stop_qemu() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	qpid=
	[ -z "$varsout" ] || cp "$work/vars.fd" "$varsout"
}
cleanup() {
	stop_qemu
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/esp/EFI/BOOT"
cp "$efi" "$work/esp/EFI/BOOT/BOOTX64.EFI" || exit 1
cp "$vars" "$work/vars.fd" || exit 1
printf '%s\n' "$espfiles" | while IFS= read -r pair; do
	[ -n "$pair" ] || continue
	src=${pair%%:*} dst=${pair#*:}
	mkdir -p "$work/esp/$(dirname "$dst")" && cp "$src" "$work/esp/$dst" || exit 1
done || exit 1
[ -n "$log" ] || log="$work/serial.log"
: >"$log"

# shellcheck disable=SC2086 # $extra is a list of words
"$QEMU" -machine q35,smm=on,accel=tcg -m 256 -smp 1 \
	-global driver=cfi.pflash01,property=secure,value=on \
	-drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
	-drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
	-drive format=raw,file=fat:rw:"$work/esp" \
	-display none -monitor none -serial file:"$log" -net none -no-reboot \
	$extra >"$work/qemu.out" 2>&1 &
qpid=$!

elapsed=0
while [ "$elapsed" -lt "$timeout" ]; do
	hit=$(tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -E -m1 "$patterns")
	if [ -n "$hit" ]; then
		echo "$hit"
		stop_qemu
		exit 0
	fi
	if ! kill -0 "$qpid" 2>/dev/null; then
		echo "boot-efi.sh: QEMU exited before any pattern appeared" >&2
		cat "$work/qemu.out" >&2
		break
	fi
	sleep 1
	elapsed=$((elapsed + 1))
done
echo "boot-efi.sh: none of the patterns appeared within ${timeout}s; log tail:" >&2
tr -d '\r' <"$log" | tail -n 20 >&2
exit 1
