#!/bin/sh
# SPDX-License-Identifier: MIT
# Real-firmware test: Debian's OVMF (OVMF_CODE_4M.secboot.fd) under Debian's
# qemu-system-x86_64 (TCG) with Secure Boot enforced.  An EFI program built
# here with Debian's gnu-efi (tests/sign/loadimage.c), signed by igvmkit, calls
# LoadImage() on:
#   \addon.efi     an igvmkit FUKI add-on signed by igvmkit   -> must load (status 0)
#   \flipped.efi   the same file with one byte flipped        -> must be refused
#   \unsigned.efi  the same add-on unsigned                   -> must be refused
# Two variable stores are used:
#   1. made by `igvmkit vars store` with a test CA in PK/KEK/db; the add-on and
#      the loader are signed by a leaf certificate that CA issued;
#   2. Debian's OVMF_VARS_4M.snakeoil.fd (Debian's snakeoil key in PK/KEK/db),
#      signed with Debian's encrypted snakeoil key (passphrase from a file).
# usage: qemu-loadimage.sh IGVMKIT SRCDIR      exit 77 = skipped (tool missing)
set -u
IGVMKIT=$1
SRCDIR=$2
CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
SNAKE_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SNAKE_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKE_CRT=/usr/share/ovmf/PkKek-1-snakeoil.pem
QEMU=${QEMU:-qemu-system-x86_64}

skip() { echo "skipping: $*"; exit 77; }
command -v "$QEMU" >/dev/null 2>&1 || skip "$QEMU not installed (qemu-system-x86)"
[ -r "$CODE" ] || skip "$CODE missing (ovmf)"
[ -r /usr/lib/crt0-efi-x86_64.o ] && [ -r /usr/lib/elf_x86_64_efi.lds ] || skip "gnu-efi not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/igvmkit-qemu.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
fail=0
die() { echo "FAIL: $*"; exit 1; }

# The LoadImage test program, built with gnu-efi the usual way.
gcc -I/usr/include/efi -I/usr/include/efi/x86_64 -fpic -fshort-wchar -fno-stack-protector \
	-mno-red-zone -DEFI_FUNCTION_WRAPPER -c "$SRCDIR/loadimage.c" -o loadimage.o || die "gcc"
ld -shared -Bsymbolic -nostdlib -L/usr/lib -T/usr/lib/elf_x86_64_efi.lds \
	/usr/lib/crt0-efi-x86_64.o loadimage.o -o loadimage.so -lefi -lgnuefi || die "ld"
objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc \
	--target=efi-app-x86_64 --subsystem=10 loadimage.so loadimage.efi || die "objcopy"
python3 "$SRCDIR/../fuki/mkigvm.py" fw.igvm 0x5a 4 || die "mkigvm"

# boot VARS KEY CERT [igvmkit sign options...]: prints the LoadImage lines
boot() {
	vars=$1 key=$2 cert=$3
	shift 3
	rm -rf esp && mkdir -p esp/EFI/BOOT
	"$IGVMKIT" sign --key "$key" --cert "$cert" "$@" -o esp/EFI/BOOT/BOOTX64.EFI loadimage.efi || die "sign loader"
	"$IGVMKIT" fuki --cmdline "console=ttyS0" --key "$key" --cert "$cert" "$@" -o esp/addon.efi fw.igvm >/dev/null ||
		die "fuki"
	"$IGVMKIT" fuki --cmdline "console=ttyS0" -o esp/unsigned.efi fw.igvm >/dev/null || die "fuki unsigned"
	# Flip one byte of the IGVM payload inside the signed add-on (offset 0x800 is in .efifw).
	python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[0x800]^=1; open(sys.argv[2],'wb').write(d)" \
		esp/addon.efi esp/flipped.efi
	cp "$vars" vars.fd
	: >serial.log
	timeout 300 "$QEMU" -machine q35,smm=on,accel=tcg -m 256 -smp 1 \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$CODE" \
		-drive if=pflash,format=raw,unit=1,file=vars.fd \
		-drive format=raw,file=fat:rw:esp \
		-display none -monitor none -serial file:serial.log -net none -no-reboot >qemu.out 2>&1
	tr -d '\r' <serial.log | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -a 'IGVMKIT-LOADIMAGE'
}

# EFI_SUCCESS for the signed add-on; EFI_ACCESS_DENIED (0x...0F) or
# EFI_SECURITY_VIOLATION (0x...1A) for the others.
judge() {
	label=$1 log=$2
	printf "%s\n" "$log" | grep -q 'LOADIMAGE-DONE' || { echo "FAIL: $label: the loader did not run"; fail=1; return; }
	printf "%s\n" "$log" | grep -q '\\addon.efi status=0x0$' || { echo "FAIL: $label: signed add-on refused"; fail=1; }
	for f in flipped unsigned; do
		printf "%s\n" "$log" | grep -Eq "\\\\$f.efi status=0x80000000000000(0F|1A)\$" ||
			{ echo "FAIL: $label: $f.efi was not refused"; fail=1; }
	done
}

# 1. igvmkit-made store: test CA in PK, KEK and db; images signed by a leaf it issued.
openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=igvmkit test CA/" \
	-addext basicConstraints=critical,CA:TRUE -keyout ca.key -out ca.crt 2>/dev/null || die "CA"
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=igvmkit test signer/" -keyout leaf.key -out leaf.csr \
	2>/dev/null || die "CSR"
openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -set_serial 2 -days 3650 -sha256 -out leaf.crt \
	2>/dev/null || die "leaf"
if "$IGVMKIT" vars store --size 4m --pk ca.crt --kek ca.crt --db ca.crt --secure-boot -o own-vars.fd; then
	log=$(boot own-vars.fd leaf.key leaf.crt)
	echo "igvmkit store, test CA in db:"
	printf "%s\n" "$log"
	judge "igvmkit store" "$log"
else
	echo "FAIL: igvmkit vars store could not build the test store"
	fail=1
fi

# 2. Debian's snakeoil store and key.
if [ -r "$SNAKE_VARS" ] && [ -r "$SNAKE_KEY" ]; then
	echo snakeoil >pass.txt
	log=$(boot "$SNAKE_VARS" "$SNAKE_KEY" "$SNAKE_CRT" --passphrase-file pass.txt)
	echo "Debian snakeoil store:"
	printf "%s\n" "$log"
	judge "snakeoil store" "$log"
else
	echo "note: Debian's snakeoil store or key is missing; second run skipped"
fi
[ $fail -eq 0 ] && echo "all LoadImage checks passed"
exit $fail
