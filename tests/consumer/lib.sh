# SPDX-License-Identifier: MIT
# Sourced by the consumer boot scripts (issue 13): finds ../shared/tools, skips with the reason
# where something is missing, boots an IGVM with qemu-igvm-boot and checks its verdict.
#
#   consumer_init IGVMKIT SRC   sets IK, SRC, TOOLS, QEMU_IGVM, HELLO, WORK (removed on exit)
#   skip REASON                 exit 77 (a failure under IGVMKIT_TEST_NO_SKIP=1)
#   expect_boot NAME IGVM APP WANT   WANT: STARTED, DENIED or REFUSED (the verdict's first word)
#   build_hello_off OUT.efi     the gnu-efi program hello_off.c (prints, then powers off)
#   build_gnuefi SRC.c OUT.efi  any one-file gnu-efi program (e.g. tcglog.c)
#   mkcert NAME CN              NAME.key / NAME.crt, a throw-away self-signed RSA-2048 pair
# The tools folder is $IGVMKIT_SHARED_DIR/tools, else SRC/../shared/tools.

fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

skip() {
	if [ "${IGVMKIT_TEST_NO_SKIP:-}" = 1 ]; then
		echo "FAIL (IGVMKIT_TEST_NO_SKIP=1): $1"
		exit 1
	fi
	echo "SKIP: $1"
	exit 77
}

consumer_init() {
	IK=$1 SRC=$2
	TOOLS=${IGVMKIT_SHARED_DIR:-$SRC/../shared}/tools
	QEMU_IGVM=$TOOLS/qemu-igvm/bin/qemu-system-x86_64
	[ -x "$TOOLS/qemu-igvm-boot" ] && [ -x "$QEMU_IGVM" ] ||
		skip "$TOOLS/qemu-igvm-boot or qemu-igvm/ is absent (set IGVMKIT_SHARED_DIR)"
	PATH=$PATH:/usr/sbin:/sbin
	command -v mkfs.vfat >/dev/null || skip "mkfs.vfat is not installed (package dosfstools)"
	command -v mcopy >/dev/null || skip "mcopy is not installed (package mtools)"
	HELLO=/usr/lib/efitools/x86_64-linux-gnu/HelloWorld.efi
	[ -r "$HELLO" ] || skip "$HELLO is not installed (package efitools)"
	[ -r /usr/share/ovmf/OVMF.fd ] || skip "/usr/share/ovmf/OVMF.fd is not installed (package ovmf)"
	command -v openssl >/dev/null || skip "openssl is not installed (package openssl)"
	"$QEMU_IGVM" -version >/dev/null 2>&1 ||
		skip "$QEMU_IGVM does not run here (it needs the libraries of package qemu-system-x86)"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	export TMPDIR=$WORK SOURCE_DATE_EPOCH=1700000000
}

# expect_boot NAME IGVM APP WANT: one boot; prints the verdict and the seconds it took.
expect_boot() {
	name=$1 igvm=$2 app=$3 want=$4
	t0=$(date +%s)
	out=$("$TOOLS/qemu-igvm-boot" --timeout 240 "$igvm" "$app" 2>&1)
	secs=$(($(date +%s) - t0))
	verdict=$(printf '%s\n' "$out" | head -n 1)
	logs=$(printf '%s\n' "$out" | sed -n 's/^logs: //p')
	case $verdict in
	"$want" | "$want: "*)
		pass "boot $name: $verdict (${secs}s)"
		LAST_VERDICT=$verdict
		;;
	*)
		bad "boot $name: got '$verdict', want $want (${secs}s)"
		[ -n "$logs" ] && tail -n 15 "$logs/serial.log" "$logs/qemu.log" 2>/dev/null | sed 's/^/    /'
		;;
	esac
	[ -n "$logs" ] && rm -rf "$logs"
}

build_hello_off() {
	build_gnuefi "$SRC/tests/consumer/hello_off.c" "$1"
}

# build_gnuefi SRC.c OUT.efi: one-file EFI application, the usual gnu-efi recipe (package gnu-efi).
build_gnuefi() {
	d=$WORK/gnuefi-build
	mkdir -p "$d"
	[ -r /usr/lib/crt0-efi-x86_64.o ] || skip "gnu-efi is not installed (package gnu-efi)"
	gcc -I/usr/include/efi -I/usr/include/efi/x86_64 -fpic -fshort-wchar -fno-stack-protector \
		-mno-red-zone -DEFI_FUNCTION_WRAPPER -c "$1" -o "$d/h.o" &&
		ld -shared -Bsymbolic -nostdlib -L/usr/lib -T/usr/lib/elf_x86_64_efi.lds \
			/usr/lib/crt0-efi-x86_64.o "$d/h.o" -o "$d/h.so" -lefi -lgnuefi &&
		objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc \
			--target=efi-app-x86_64 --subsystem=10 "$d/h.so" "$2" ||
		{ echo "FAIL: cannot build $(basename "$1") with gnu-efi"; exit 1; }
}

mkcert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" \
		-days 30 2>/dev/null || { echo "FAIL: openssl req for $1"; exit 1; }
}
