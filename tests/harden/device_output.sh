#!/bin/sh
# An output that names a device or a FIFO (-o /dev/null, -o /dev/stdout, a named pipe) is
# written through, never replaced: an atomic write renames a new file over its target, and as
# root a rename over /dev/null turns the system's null device into a regular file.  Runs
# against a private null device node (mknod c 1 3, root only) and a FIFO with a reader.
#   device_output.sh IGVMKIT
set -u
ik=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
ovmf=/usr/share/ovmf/OVMF.fd
[ -r "$ovmf" ] || { echo "SKIP: $ovmf is absent (package ovmf)"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed (package openssl)"; exit 77; }
if ! mknod null c 1 3 2>/dev/null; then
	echo "SKIP: cannot make a device node here (needs root and a mount without nodev)"
	exit 77
fi
rm -f null
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=device output" -days 30 \
	-keyout db.key -out db.crt 2>/dev/null
SOURCE_DATE_EPOCH=1700000000 "$ik" build -q -o out >/dev/null || { echo "FAIL: build"; exit 1; }
"$ik" fuki -q -o f.efi out/ovmf.igvm || { echo "FAIL: fuki"; exit 1; }

# Each single-output command, with -o naming the device node: exit 0, the node still a device.
check() {
	name=$1
	shift
	rm -f null
	mknod null c 1 3
	"$ik" "$@" >/dev/null 2>err
	rc=$?
	if [ $rc -ne 0 ] || [ ! -c null ]; then
		echo "FAIL: $name: exit $rc, null is now '$(stat -c %F null)': $(head -c 300 err)"
		fail=1
	else
		echo "ok: $name"
	fi
}
check measure measure --vcpu-type EPYC-v4 --json -o null out/ovmf.igvm
check descriptor descriptor --filename /usr/share/igvm/ovmf.igvm -o null out/ovmf.igvm
check fuki fuki -o null out/ovmf.igvm
check sign sign --key db.key --cert db.crt -o null f.efi
check diff diff -o null out/ovmf.igvm out/ovmf.igvm
check "vars esl" vars esl -c db.crt -o null
check "vars store" vars store --pk db.crt --kek db.crt --db db.crt -o null
check "regen --extract-rom" regen --extract-rom null out/ovmf.igvm

# A multi-output commit cannot put a device back: refused (exit 4), and the node stays.
rm -f null
mknod null c 1 3
"$ik" regen --db db.crt --pk db.crt --kek db.crt -o null out/ovmf.igvm >/dev/null 2>err
rc=$?
if [ $rc -ne 4 ] || [ ! -c null ] || ! grep -q "not a regular file" err; then
	echo "FAIL: regen -o device: exit $rc (expected 4), null is '$(stat -c %F null)': $(head -c 300 err)"
	fail=1
else
	echo "ok: regen -o device refused, node kept"
fi
# A FIFO nobody reads is refused (exit 4) rather than waited for, and stays a FIFO.
mkfifo pipe
"$ik" measure --vcpu-type EPYC-v4 --json -o pipe out/ovmf.igvm >/dev/null 2>err
rc=$?
if [ $rc -ne 4 ] || [ ! -p pipe ] || ! grep -q "FIFO nobody reads" err; then
	echo "FAIL: measure -o FIFO without reader: exit $rc (expected 4): $(head -c 300 err)"
	fail=1
else
	echo "ok: FIFO without a reader refused, kept"
fi
ls -a | grep -q 'tmp-' && { echo "FAIL: temporary files left: $(ls -a)"; fail=1; }
exit $fail
