#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 17 without QEMU: the firmware event logs boot_tpm.sh recorded (tests/consumer/recorded/,
# README there) against igvmkit's prediction for stores igvmkit makes here from the same inputs,
# so the comparison of real OVMF logs also runs in the ASan stage and where QEMU/swtpm are absent.
#   empty     `vars store --size 4m`                                         SecureBoot 0
#   ms        Debian's OVMF_VARS_4M.ms.fd PK/KEK/db/dbx, --no-secure-boot      SecureBoot 0
#   customer  the same, --secure-boot, db replaced by recorded/customer-db.crt (owner below);
#             the program was signed by that certificate's key: one EV_EFI_VARIABLE_AUTHORITY
# For each: `igvmkit eventlog LOG --check STORE` matches (exit 0), `igvmkit measure --boot`
# gives the PCR 7 the TPM returned, and sb_expect.py (independent of igvmkit) finds the log's PCR 7
# events equal to the expectation built from the inputs and the log replaying to that PCR 7.
# Control: the empty boot's log against the ms store exits 1 naming PK.  Debian's own ms store
# (Secure Boot enforced) differs from the ms boot only in SecureBoot.
# usage: recorded_tpm.sh IGVMKIT
set -u
. "$(dirname "$0")/lib.sh"
IK=$1
here=$(cd "$(dirname "$0")" && pwd)
rec=$here/recorded
MSVARS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
OWNER=4f9a1c3e-6b1d-4d2c-9e7a-2a5b8c0d1e2f # as in boot_tpm.sh
[ -r "$MSVARS" ] || skip "$MSVARS is not installed (package ovmf)"
command -v python3 >/dev/null || skip "python3 is not installed"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
export SOURCE_DATE_EPOCH=1700000000

mkdir ms && python3 "$here/sb_expect.py" store-esl "$MSVARS" ms >/dev/null || { echo "FAIL: reading $MSVARS"; exit 1; }
"$IK" vars store --size 4m -o empty.fd &&
	"$IK" vars store --size 4m --pk ms/PK.esl --kek ms/KEK.esl --db ms/db.esl --dbx ms/dbx.esl \
		--no-secure-boot -o ms.fd &&
	"$IK" vars store -i ms.fd --secure-boot -g "$OWNER" --db "$rec/customer-db.crt" -o customer.fd ||
	{ echo "FAIL: igvmkit vars store"; exit 1; }

MSARGS="--pk ms/PK.esl --kek ms/KEK.esl --db ms/db.esl --dbx ms/dbx.esl"
CUSTARGS="--pk ms/PK.esl --kek ms/KEK.esl --db $rec/customer-db.crt --owner $OWNER --dbx ms/dbx.esl"
CUSTARGS="$CUSTARGS --authority $OWNER:$rec/customer-db.crt"

# one NAME SECURE-BOOT AUTHORITY-OPTION [sb_expect.py options]
one() {
	name=$1 sb=$2 auth=$3
	shift 3
	log=$rec/ovmf-4m-$name.tcglog pcr=$rec/ovmf-4m-$name.pcr7
	# shellcheck disable=SC2086 # $auth is empty or two words
	if "$IK" eventlog "$log" --check "$name.fd" $auth >"$name.check" 2>&1; then
		pass "$name: eventlog --check: $(sed -n 's/^verdict: //p' "$name.check")"
	else
		bad "$name: eventlog --check exited $?"
		sed 's/^/    /' "$name.check"
	fi
	for alg in sha256 sha384; do
		want=$(sed -n "s/^$alg //p" "$pcr")
		# shellcheck disable=SC2086
		got=$("$IK" measure --boot $auth "$name.fd" | sed -n "s/^PCR 7 $alg: //p")
		[ -n "$want" ] && [ "$got" = "$want" ] && pass "$name: measure --boot PCR 7 $alg = the TPM's $want" ||
			bad "$name: measure --boot PCR 7 $alg '$got', the TPM read '$want'"
	done
	if python3 "$here/sb_expect.py" check --log "$log" --pcr "$pcr" --secure-boot "$sb" "$@" >"$name.py" 2>&1; then
		pass "$name: sb_expect.py: the log's PCR 7 events = the independent expectation; PCR 7 replays"
	else
		bad "$name: sb_expect.py"
		grep -v '^ok' "$name.py" | sed 's/^/    /'
	fi
}

one empty 0 ""
# shellcheck disable=SC2086 # option lists
one ms 0 "" $MSARGS
# shellcheck disable=SC2086
one customer 1 "--sb-authority $rec/customer-db.crt" $CUSTARGS

"$IK" eventlog "$rec/ovmf-4m-empty.tcglog" --check ms.fd >wrong.txt 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "DIFFERENT  *PK " wrong.txt && pass "control: the empty boot's log against ms.fd: exit 1, PK DIFFERENT" ||
	bad "control: the empty boot's log against ms.fd exited $rc"
# Debian's own (unmodified) Microsoft store enforces Secure Boot: against the ms boot's log only
# SecureBoot differs, so PK/KEK/db/dbx measured from igvmkit's store are Debian's byte for byte.
"$IK" eventlog "$rec/ovmf-4m-ms.tcglog" --check "$MSVARS" >debian-ms.txt 2>&1
rc=$?
n=$(grep -c '^  match  *\(PK\|KEK\|db\|dbx\|separator\) ' debian-ms.txt)
[ $rc -eq 1 ] && [ "$n" -eq 5 ] && grep -q "DIFFERENT  *SecureBoot .*value 00 logged, 01 predicted" debian-ms.txt &&
	pass "Debian's OVMF_VARS_4M.ms.fd against the ms boot's log: PK, KEK, db, dbx, separator match; SecureBoot 01 predicted, 00 logged" ||
	{ bad "Debian's OVMF_VARS_4M.ms.fd against the ms boot's log (exit $rc)"; sed 's/^/    /' debian-ms.txt; }
exit $fail
