#!/bin/sh
# Adds seeds taken from installed Debian packages to a fuzz working corpus:
# real files that are not igvmkit's to commit (docs/fuzzing.md).  Missing
# packages are skipped silently.  usage: system-seeds.sh TARGET DIR
# (TARGET without the fuzz_ prefix: ovmf, pe, vars, elf, ...)
set -u
target=$1
dir=$2
add() { # name command...
	name=$1; shift
	"$@" > "$dir/system-$name" 2>/dev/null || rm -f "$dir/system-$name"
	[ -s "$dir/system-$name" ] || rm -f "$dir/system-$name"
}
case $target in
eventlog)
	# This machine's own firmware event logs, when the kernel exposes them (root only).
	for f in /sys/kernel/security/tpm0/binary_bios_measurements /sys/firmware/acpi/tables/data/CCEL; do
		[ -r "$f" ] && add "$(echo "$f" | tr / -)" cat "$f"
	done ;;
ovmf)
	# The last 64 KiB of a ROM carry its metadata: footer GUID table, SEV-ES reset
	# block, SEV and TDX metadata (the fuzz target skips inputs over 256 KiB).
	for f in /usr/share/ovmf/OVMF.fd /usr/share/OVMF/OVMF_CODE.fd /usr/share/OVMF/OVMF_CODE_4M.fd; do
		[ -r "$f" ] && add "$(basename "$f")-tail-64k" tail -c 65536 "$f"
	done ;;
pe)
	for f in /usr/lib/systemd/boot/efi/linuxx64.efi.stub /usr/lib/systemd/boot/efi/systemd-bootx64.efi; do
		[ -r "$f" ] && add "$(basename "$f")" cat "$f"
	done ;;
vars)
	for f in /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_VARS.ms.fd; do
		[ -r "$f" ] && add "$(basename "$f")" cat "$f"
	done ;;
elf)
	f=/usr/lib/systemd/boot/efi/linuxx64.elf.stub
	[ -r "$f" ] && add linuxx64.elf.stub cat "$f" ;;
esac
exit 0
