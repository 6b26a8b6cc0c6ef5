#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 17, proof in real firmware: Debian's OVMF with a Debian swtpm vTPM measures the Secure Boot
# policy of stores igvmkit made into PCR 7 exactly as predicted.  tcglog.c (gnu-efi) saves the
# firmware's TCG2 event log and PCR 7 (SHA-256, SHA-384, read from the TPM) to its FAT volume; this
# script reads them back with mtools and checks, for every boot:
#   - sb_expect.py (independent of igvmkit): the log's PCR 7 events are, event by event (type and
#     UEFI_VARIABLE_DATA bytes), what edk2 measures for the test's own inputs, the log replays to
#     the TPM's PCR 7, and PCR 7 computed from the expected events alone equals it too;
#   - tpm2_eventlog (tpm2-tools) replays the same log to the same PCR 7;
#   - igvmkit's prediction (`igvmkit measure`/`eventlog --check`, see IK_PREDICT below) agrees.
# The stores (docs/boot-test.md, "vTPM proof"):
#   empty     no PK/KEK/db/dbx: setup mode, SecureBoot=0, four empty variables measured;
#   ms        PK/KEK/db/dbx of Debian's OVMF_VARS_4M.ms.fd (Microsoft's keys, ESLs read from that
#             file by sb_expect.py), SecureBootEnable=0: the same measured databases as Debian's
#             Microsoft store, SecureBoot=0, so the unsigned tcglog.efi starts (Microsoft's db
#             would refuse it under enforcement; edk2 measures the databases either way);
#   customer  the ms store, enforcing (SecureBootEnable=1), then db replaced by a customer
#             certificate (`regen --db` / `vars store -i … --db`); tcglog.efi signed by the
#             customer key with sbsign: SecureBoot=1 and, after the separator, the
#             EV_EFI_VARIABLE_AUTHORITY event for the db entry that verified the image.
# MODE pflash: OVMF_CODE_4M.secboot.fd (SMM) + a 4m store from `igvmkit vars store`, and the
#   customer IGVM's unified ROM (`regen`, then `regen --extract-rom`) as a single pflash, whose log
#   is also checked against `regen --db` of a FUKI wrapping the vendor IGVM; controls:
#   the enforcing vendor (Microsoft) and customer stores refuse the unsigned program;
# MODE igvm: the IGVMs igvmkit built (layout seeds, `regen --db`) in ../shared/tools' QEMU IGVM
#   loader (Debian's OVMF.fd inside; it has TPM 2.0 support and its QEMU the emulator backend).
# IGVMKIT_TPM_KEEP=DIR keeps each boot's files (TCGLOG.BIN, PCR7.TXT, serial log, checks) in DIR/NAME
# and the customer certificate in DIR (tests/consumer/recorded/ was made so).
# usage: boot_tpm.sh IGVMKIT SRC pflash|igvm
set -u
. "$(dirname "$0")/lib.sh"
IK=$1 SRC=$2 mode=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin:/sbin
CODE4M=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
MSVARS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
OWNER=4f9a1c3e-6b1d-4d2c-9e7a-2a5b8c0d1e2f # the customer's SignatureOwner
case $mode in
pflash)
	QEMU=${QEMU:-qemu-system-x86_64}
	command -v "$QEMU" >/dev/null || skip "$QEMU is not installed (package qemu-system-x86)"
	for f in "$CODE4M" "$MSVARS" /usr/share/ovmf/OVMF.fd; do
		[ -r "$f" ] || skip "$f is not installed (package ovmf)"
	done
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	export SOURCE_DATE_EPOCH=1700000000
	;;
igvm)
	consumer_init "$IK" "$SRC"
	QEMU=$QEMU_IGVM
	"$QEMU" -tpmdev help 2>&1 | grep -q emulator ||
		skip "$QEMU has no TPM emulator backend (-tpmdev emulator)"
	[ -r "$MSVARS" ] || skip "$MSVARS is not installed (package ovmf)"
	;;
*)
	echo "usage: boot_tpm.sh IGVMKIT SRC pflash|igvm" >&2
	exit 2
	;;
esac
for t in swtpm swtpm_setup:swtpm-tools tpm2_eventlog:tpm2-tools mkfs.vfat:dosfstools mcopy:mtools \
	sbsign:sbsigntool openssl python3; do
	command -v "${t%%:*}" >/dev/null || skip "${t%%:*} is not installed (package ${t#*:})"
done
cd "$WORK" || exit 1
build_gnuefi "$here/tcglog.c" tcglog.efi
mkcert customer-db "igvmkit vTPM test customer db"
sbsign --key customer-db.key --cert customer-db.crt --output tcglog-customer.efi tcglog.efi 2>/dev/null ||
	{ echo "FAIL: sbsign"; exit 1; }
mkdir ms && python3 "$here/sb_expect.py" store-esl "$MSVARS" ms >/dev/null || { echo "FAIL: reading $MSVARS"; exit 1; }
for v in PK KEK db dbx; do
	[ -r "ms/$v.esl" ] || { echo "FAIL: $MSVARS has no $v"; exit 1; }
done

# The vendor IGVMs (layout seeds in the ROM's store) and the customer's `regen --db`.
layout() { # NAME SECURE-BOOT [seeds]
	# native boots in QEMU's IGVM loader; sev-snp gives `igvmkit measure` a platform to measure
	printf 'version: 1\ninclude:\n  - %s/templates/ovmf-debian.yaml\nplatforms:\n  native:\n  sev-snp:\n' "$SRC"
	printf 'outputs:\n  igvm: %s.igvm\n  measurements: %s.measurements.json\n' "$1" "$1"
	[ "$2" = none ] && return
	printf 'variables:\n  store: rom\n  secure-boot: %s\n' "$2"
	printf '  pk: ms/PK.esl\n  kek: ms/KEK.esl\n  db: ms/db.esl\n  dbx: ms/dbx.esl\n'
}
layout empty none >empty.yaml
layout ms false >ms.yaml
layout vendor true >vendor.yaml
for l in empty ms vendor; do
	"$IK" build -q -o out "$l.yaml" || { echo "FAIL: igvmkit build $l.yaml"; exit 1; }
done
"$IK" regen -g "$OWNER" --db customer-db.crt -o out/customer.igvm out/vendor.igvm >regen.txt ||
	{ echo "FAIL: igvmkit regen --db"; exit 1; }

tpm_pid=
stop_tpm() {
	[ -n "$tpm_pid" ] && kill "$tpm_pid" 2>/dev/null
	[ -n "$tpm_pid" ] && wait "$tpm_pid" 2>/dev/null
	tpm_pid=
}
trap 'stop_tpm; rm -rf "$WORK"' EXIT

# boot NAME APP.efi QEMU-FIRMWARE-ARGS...: one boot with a new vTPM (SHA-256 and SHA-384 banks);
# leaves NAME/TCGLOG.BIN and NAME/PCR7.TXT; returns 1 (with the log tails) if they are missing.
boot() {
	name=$1 app=$2
	shift 2
	mkdir -p "$name/tpm"
	swtpm_setup --tpm2 --tpmstate "$WORK/$name/tpm" --pcr-banks sha256,sha384 --config /dev/null \
		>"$name/swtpm_setup.log" 2>&1 || { bad "$name: swtpm_setup: $(tail -n1 "$name/swtpm_setup.log")"; return 1; }
	truncate -s 16M "$name/esp.img" && mkfs.vfat -n ESP "$name/esp.img" >/dev/null &&
		mmd -i "$name/esp.img" ::/EFI ::/EFI/BOOT && mcopy -i "$name/esp.img" "$app" ::/EFI/BOOT/BOOTX64.EFI ||
		{ bad "$name: cannot make the FAT ESP"; return 1; }
	swtpm socket --tpm2 --tpmstate dir="$WORK/$name/tpm" --ctrl type=unixio,path="$WORK/$name/swtpm.sock" \
		--flags startup-clear --terminate --log file="$WORK/$name/swtpm.log" &
	tpm_pid=$!
	i=0
	while [ ! -S "$name/swtpm.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	t0=$(date +%s)
	timeout 300 "$QEMU" "$@" -m 256 -smp 1 -drive "format=raw,file=$WORK/$name/esp.img,if=virtio" \
		-chardev "socket,id=chrtpm,path=$WORK/$name/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
		-device tpm-tis,tpmdev=tpm0 -display none -monitor none -serial "file:$WORK/$name/serial.log" \
		-net none -no-reboot >"$name/qemu.log" 2>&1
	rc=$?
	stop_tpm
	secs=$(($(date +%s) - t0))
	if ! mcopy -n -i "$name/esp.img" ::/TCGLOG.BIN ::/PCR7.TXT "$name/" 2>/dev/null; then
		bad "$name: no TCGLOG.BIN/PCR7.TXT after the boot (QEMU exit $rc, ${secs}s)"
		tr -d '\r' <"$name/serial.log" | tail -n 15 | sed 's/^/    /'
		sed 's/^/    /' "$name/qemu.log"
		return 1
	fi
	summary=$(tr -d '\r' <"$name/serial.log" | grep -a -m1 'IGVMKIT-TCG2 log')
	pass "$name: booted, log and PCR 7 saved (${secs}s): ${summary#IGVMKIT-TCG2 }"
}

# check NAME SECURE-BOOT [sb_expect.py expectation options]: the independent check and tpm2_eventlog.
check() {
	name=$1 sb=$2
	shift 2
	if ! tpm2_eventlog "$name/TCGLOG.BIN" >"$name/tpm2_eventlog.yaml" 2>"$name/tpm2_eventlog.err"; then
		bad "$name: tpm2_eventlog: $(head -n1 "$name/tpm2_eventlog.err")"
	fi
	if python3 "$here/sb_expect.py" check --log "$name/TCGLOG.BIN" --pcr "$name/PCR7.TXT" --secure-boot "$sb" \
		--tpm2-eventlog "$name/tpm2_eventlog.yaml" --json "$name/pcr7.json" "$@" >"$name/check.txt"; then
		pass "$name: firmware PCR 7 events = the independent expectation, event by event; PCR 7 replays (sb_expect.py, tpm2_eventlog)"
	else
		bad "$name: the firmware's PCR 7 events or values differ from the independent expectation"
		grep -v '^ok' "$name/check.txt" | sed 's/^/    /'
	fi
}

# predicted NAME INPUT [--sb-authority CERT]: igvmkit's prediction for the store, ROM or IGVM INPUT
#   - `igvmkit measure --boot --json`: equals the firmware's PCR 7 events (type, size, SHA-256,
#     SHA-384) and the TPM's PCR 7 (sb_expect.py compare);
#   - `igvmkit eventlog LOG --check INPUT`: every Secure Boot event and PCR 7 match (exit 0).
predicted() {
	name=$1 input=$2
	shift 2
	[ -r "$name/pcr7.json" ] || return 1
	# A raw ROM is measured for a platform too: SEV needs no vCPU signature.
	case $input in *-rom.fd) rom="--platform sev" ;; *) rom= ;; esac
	# shellcheck disable=SC2086 # $rom is empty or two words
	if ! "$IK" measure --boot --json $rom "$@" "$input" >"$name/predicted.json" 2>"$name/predicted.err"; then
		bad "$name: igvmkit measure --boot $*: $(head -n1 "$name/predicted.err")"
	elif python3 "$here/sb_expect.py" compare "$name/pcr7.json" "$name/predicted.json" >"$name/compare.txt"; then
		pass "$name: igvmkit measure --boot $(basename "$input") = the firmware's PCR 7 events and the TPM's PCR 7"
	else
		bad "$name: igvmkit's prediction for $(basename "$input") differs from the firmware"
	fi
	[ -r "$name/compare.txt" ] && sed 's/^/    /' "$name/compare.txt"
	"$IK" eventlog "$name/TCGLOG.BIN" --check "$input" "$@" >"$name/eventlog-check.txt" 2>&1
	rc=$?
	verdict=$(grep '^verdict:' "$name/eventlog-check.txt")
	if [ $rc -eq 0 ] && case $verdict in "verdict: match"*) true ;; *) false ;; esac then
		pass "$name: igvmkit eventlog --check $(basename "$input"): ${verdict#verdict: }"
	else
		bad "$name: igvmkit eventlog --check $(basename "$input") exited $rc"
		sed 's/^/    /' "$name/eventlog-check.txt"
	fi
}

# build_json NAME JSON: the "boot" object `igvmkit build` wrote into a seeded layout's measurements
# JSON equals the firmware's events and PCR 7 too.
build_json() {
	[ -r "$1/pcr7.json" ] || return 1
	if python3 "$here/sb_expect.py" compare "$1/pcr7.json" "$2" >"$1/compare-build.txt"; then
		pass "$1: the build's measurements JSON ($(basename "$2")) predicts the same events and PCR 7"
	else
		bad "$1: the build's measurements JSON ($(basename "$2")) differs from the firmware"
		sed 's/^/    /' "$1/compare-build.txt"
	fi
}

# not_vacuous LOG-NAME INPUT WHAT: eventlog --check of one boot's log against another store exits 1
# and names WHAT as different (the comparison can fail).
not_vacuous() {
	"$IK" eventlog "$1/TCGLOG.BIN" --check "$2" >"$1/eventlog-wrong.txt" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "DIFFERENT  *$3 " "$1/eventlog-wrong.txt"; then
		pass "control: eventlog --check of $1's log against $(basename "$2"): exit 1, $3 DIFFERENT"
	else
		bad "control: eventlog --check of $1's log against $(basename "$2") exited $rc"
		sed 's/^/    /' "$1/eventlog-wrong.txt"
	fi
}

MSARGS="--pk ms/PK.esl --kek ms/KEK.esl --db ms/db.esl --dbx ms/dbx.esl"
CUSTARGS="--pk ms/PK.esl --kek ms/KEK.esl --db customer-db.crt --owner $OWNER --dbx ms/dbx.esl --authority $OWNER:customer-db.crt"
# shellcheck disable=SC2086,SC2046 # MSARGS, CUSTARGS and the firmware arguments are lists of words
case $mode in
pflash)
	pf4m() { # the 4 MiB Secure Boot build with SMM, and a private copy of STORE as its VARS
		cp "$1" "$1.boot" && echo "-machine q35,smm=on,accel=tcg -global driver=cfi.pflash01,property=secure,value=on
			-drive if=pflash,format=raw,unit=0,readonly=on,file=$CODE4M -drive if=pflash,format=raw,unit=1,file=$WORK/$1.boot"
	}
	"$IK" vars store --size 4m -o empty.fd &&
		"$IK" vars store --size 4m --pk ms/PK.esl --kek ms/KEK.esl --db ms/db.esl --dbx ms/dbx.esl \
			--no-secure-boot -o ms.fd &&
		"$IK" vars store -i ms.fd --secure-boot -o vendor.fd &&
		"$IK" vars store -i vendor.fd -g "$OWNER" --db customer-db.crt -o customer.fd ||
		{ echo "FAIL: igvmkit vars store"; exit 1; }
	boot pflash-empty tcglog.efi $(pf4m empty.fd) && check pflash-empty 0 && predicted pflash-empty empty.fd
	boot pflash-ms tcglog.efi $(pf4m ms.fd) && check pflash-ms 0 $MSARGS && predicted pflash-ms ms.fd &&
		build_json pflash-ms out/ms.measurements.json
	boot pflash-customer tcglog-customer.efi $(pf4m customer.fd) && check pflash-customer 1 $CUSTARGS &&
		predicted pflash-customer customer.fd --sb-authority customer-db.crt
	# Controls: the enforcing stores refuse the unsigned program (tests/qemu/boot-efi.sh, no TPM).
	for st in vendor customer; do
		line=$(sh "$SRC/tests/qemu/boot-efi.sh" --code "$CODE4M" --vars "$st.fd" --efi tcglog.efi --timeout 200 \
			--expect 'IGVMKIT-TCG2' --expect 'Access Denied|Security Violation' 2>/dev/null)
		case $line in
		*Denied* | *Violation*) pass "control: $st store (enforcing) refuses the unsigned program: $line" ;;
		*) bad "control: $st store did not refuse the unsigned program: '$line'" ;;
		esac
	done
	# The customer IGVM's ROM (Debian's unified 2 MiB OVMF.fd with the regenerated store).
	"$IK" regen --extract-rom customer-rom.fd out/customer.igvm >/dev/null || { echo "FAIL: regen --extract-rom"; exit 1; }
	boot pflash-regen-rom tcglog-customer.efi -machine q35,accel=tcg \
		-drive "if=pflash,format=raw,file=$WORK/customer-rom.fd" && check pflash-regen-rom 1 $CUSTARGS &&
		predicted pflash-regen-rom customer-rom.fd --sb-authority customer-db.crt
	not_vacuous pflash-empty ms.fd PK
	# The same prediction from a FUKI: the vendor IGVM wrapped and signed, then `regen --db` of
	# the FUKI (re-signed by the customer); its store is the one the ROM above booted with.
	if [ -r pflash-regen-rom/TCGLOG.BIN ]; then
		"$IK" fuki --key customer-db.key --cert customer-db.crt -o vendor.fuki.efi out/vendor.igvm >/dev/null &&
			"$IK" regen -g "$OWNER" --db customer-db.crt --key customer-db.key --cert customer-db.crt \
				--no-measurements -o customer.fuki.efi vendor.fuki.efi >/dev/null ||
			{ echo "FAIL: igvmkit fuki / regen of the FUKI"; exit 1; }
		if "$IK" eventlog pflash-regen-rom/TCGLOG.BIN --check customer.fuki.efi --sb-authority customer-db.crt \
			>fuki-check.txt 2>&1; then
			pass "pflash-regen-rom: igvmkit eventlog --check of the regenerated FUKI: $(sed -n 's/^verdict: //p' fuki-check.txt)"
		else
			bad "pflash-regen-rom: eventlog --check of the regenerated FUKI"
			sed 's/^/    /' fuki-check.txt
		fi
	fi
	;;
igvm)
	igvm() { echo "-machine q35,igvm-cfg=igvm0,accel=tcg -object igvm-cfg,id=igvm0,file=$WORK/out/$1"; }
	boot igvm-empty tcglog.efi $(igvm empty.igvm) && check igvm-empty 0 && predicted igvm-empty out/empty.igvm
	boot igvm-ms tcglog.efi $(igvm ms.igvm) && check igvm-ms 0 $MSARGS && predicted igvm-ms out/ms.igvm &&
		build_json igvm-ms out/ms.measurements.json
	boot igvm-customer tcglog-customer.efi $(igvm customer.igvm) && check igvm-customer 1 $CUSTARGS &&
		predicted igvm-customer out/customer.igvm --sb-authority customer-db.crt
	not_vacuous igvm-customer out/vendor.igvm db
	;;
esac
if [ -n "${IGVMKIT_TPM_KEEP:-}" ]; then
	mkdir -p "$IGVMKIT_TPM_KEEP" && cp customer-db.crt "$IGVMKIT_TPM_KEEP/" && for d in "$mode"-*; do
		rm -rf "${IGVMKIT_TPM_KEEP:?}/$d" && cp -r "$d" "$IGVMKIT_TPM_KEEP/" && rm -rf "$IGVMKIT_TPM_KEEP/$d/tpm" "$IGVMKIT_TPM_KEEP/$d/esp.img"
	done
fi
exit $fail
