#!/bin/sh
# SPDX-License-Identifier: MIT
# Control (issue 13): the default IGVM (`igvmkit build`, Debian's OVMF.fd) booted by QEMU's IGVM
# loader gives the same serial and debug-console logs, byte for byte, as `-bios OVMF.fd` of the
# same ROM in the same QEMU, with hello_off.efi (gnu-efi; prints, then powers off, so each run
# ends by itself).  Then tools/boot-test, the user-facing smoke test, on the same IGVM: STARTED;
# on a TDX-only IGVM: QEMU's refusal; usage errors: exit 2.
# usage: boot_control.sh IGVMKIT SRC
set -u
. "$(dirname "$0")/lib.sh"
consumer_init "$1" "$2"
cd "$WORK" || exit 1
ovmf=/usr/share/ovmf/OVMF.fd
"$IK" build -q -o out || { echo "FAIL: igvmkit build (default layout)"; exit 1; }
"$IK" regen --extract-rom rom.fd out/ovmf.igvm >/dev/null && cmp -s rom.fd "$ovmf" &&
	pass "out/ovmf.igvm loads $ovmf unchanged" || bad "the default IGVM's ROM is not $ovmf"
build_hello_off hello.efi
truncate -s 16M esp.img && mkfs.vfat -n ESP esp.img >/dev/null && mmd -i esp.img ::/EFI ::/EFI/BOOT &&
	mcopy -i esp.img hello.efi ::/EFI/BOOT/BOOTX64.EFI || { echo "FAIL: cannot make the ESP"; exit 1; }

# run NAME FIRMWARE-ARGS...: one boot to power-off; NAME.serial, NAME.debugcon, NAME.qemu.
run() {
	name=$1
	shift
	t0=$(date +%s)
	timeout 300 "$QEMU_IGVM" "$@" -accel tcg -m 512 -nographic -monitor none -net none \
		-drive file=esp.img,format=raw,if=virtio,readonly=on -serial "file:$name.serial" \
		-debugcon "file:$name.debugcon" -global isa-debugcon.iobase=0x402 \
		</dev/null >"$name.qemu" 2>&1
	rc=$?
	[ $rc -eq 0 ] && pass "$name: QEMU ran to power-off ($(($(date +%s) - t0))s)" ||
		bad "$name: QEMU exit $rc: $(head -n 3 "$name.qemu")"
}
run igvm -machine q35,igvm-cfg=igvm0 -object igvm-cfg,id=igvm0,file=out/ovmf.igvm
run bios -machine q35 -bios "$ovmf"
grep -q IGVMKIT-CONSUMER-HELLO igvm.serial && pass "the IGVM boot started hello_off.efi" ||
	bad "hello_off.efi did not run under the IGVM: $(tail -n 3 igvm.serial)"
cmp igvm.serial bios.serial && pass "serial logs identical ($(wc -c <igvm.serial) bytes)" ||
	{ bad "serial logs differ"; diff igvm.serial bios.serial | head -n 20; }
cmp igvm.debugcon bios.debugcon && pass "debug-console logs identical ($(wc -c <igvm.debugcon) bytes)" ||
	{ bad "debug-console logs differ"; diff igvm.debugcon bios.debugcon | head -n 20; }

# tools/boot-test with this QEMU
bt=$SRC/tools/boot-test
out=$(QEMU=$QEMU_IGVM "$bt" --timeout 240 out/ovmf.igvm "$HELLO")
rc=$?
[ $rc -eq 0 ] && [ "$out" = STARTED ] && pass "tools/boot-test default IGVM: $out" ||
	bad "tools/boot-test default IGVM: exit $rc, '$out'"
"$IK" build -q -o tdx "$SRC/layouts/tdx.yaml" || { echo "FAIL: build layouts/tdx.yaml"; exit 1; }
out=$(QEMU=$QEMU_IGVM "$bt" tdx/ovmf-tdx.igvm "$HELLO")
rc=$?
case $rc:$out in
"1:REFUSED: "*"IGVM file does not describe a compatible supported platform"*)
	pass "tools/boot-test TDX-only IGVM: $(echo "$out" | head -n 1)" ;;
*) bad "tools/boot-test TDX-only IGVM: exit $rc, '$out'" ;;
esac
QEMU=$QEMU_IGVM "$bt" >/dev/null 2>&1
[ $? -eq 2 ] && pass "tools/boot-test without IGVM: exit 2" || bad "tools/boot-test usage: not exit 2"
QEMU=$WORK/no-such-qemu "$bt" out/ovmf.igvm >/dev/null 2>err
[ $? -eq 3 ] && grep -q "cannot run" err && pass "tools/boot-test, QEMU missing: exit 3" ||
	bad "tools/boot-test with a missing QEMU: not exit 3 ($(cat err))"
exit $fail
