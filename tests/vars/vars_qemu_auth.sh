#!/bin/sh
# SPDX-License-Identifier: MIT
# Real firmware accepts igvmkit's .auth files: Debian's OVMF_CODE_4M.secboot.fd (QEMU, TCG)
# boots an EFI application that passes one .auth to SetVariable(); the store it leaves
# behind is read back with `igvmkit vars list`.
#   - db append signed by the KEK                      -> EFI_SUCCESS, hash added to db
#   - db append signed by a key not in KEK             -> refused, db unchanged
#   - db append signed by a certificate issued by a KEK entry -> EFI_SUCCESS (chain)
#   - KEK replacement signed by PK, older TimeStamp    -> refused (time check)
#   - KEK replacement signed by PK, newer TimeStamp    -> EFI_SUCCESS, KEK replaced
# The application's own hash is in db, so it runs with Secure Boot enforced.
# usage: vars_qemu_auth.sh IGVMKIT [TESTS_QEMU_DIR]
. "$(dirname "$0")/lib.sh"
QDIR=${2:-$HERE/../qemu}
case "$QDIR" in /*) ;; *) QDIR=$ORIG_PWD/$QDIR ;; esac
CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
need openssl python3 qemu-system-x86_64
[ -r "$CODE" ] || { echo "SKIP: $CODE not installed (package ovmf)" >&2; exit 77; }
GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
SECDB=d719b2cb-3d3a-4596-a3bc-dad00e67656f
make_key PK
make_key KEK
make_key KEK2
make_key other

# run CASE NAME GUID ATTR AUTH WANT: boots an app applying AUTH; WANT is OK or FAIL.
run() {
	python3 "$QDIR/make-setvar-efi.py" "$1.efi" "$2" "$3" "$4" "$5" || fail "$1: make app"
	"$IGVMKIT" vars store --size 4m -g ovmf --pk PK.crt --kek KEK.crt -t "2030-01-01 00:00:00" \
		--db other.crt --db "$1.efi" --secure-boot -o "$1.fd" || fail "$1: store"
	line=$("$QDIR/boot-efi.sh" --code "$CODE" --vars "$1.fd" --efi "$1.efi" --timeout 150 \
		--expect "SETVAR-(OK|FAIL)" --expect "Access Denied" --log "$1.log" --vars-out "$1.after")
	rc=$?
	[ "$rc" -eq 77 ] && { echo "SKIP: boot harness skipped" >&2; exit 77; }
	case "$line" in
	*"SETVAR-$6"*) ok "$1: SetVariable -> $line" ;;
	*) fail "$1: wanted SETVAR-$6, got rc=$rc '$line'" ;;
	esac
	"$IGVMKIT" vars list --json "$1.after" >"$1.json" || fail "$1: store after boot unreadable"
}
# has_hash JSON VAR HEX / has_cert JSON VAR FINGERPRINT: entry present in the variable.
has() {
	python3 - "$@" <<'PY'
import json, sys
j, var, key, val = sys.argv[1:5]
v = {x["name"]: x for x in json.load(open(j))["variables"]}[var]
found = any(e.get(key) == val for l in v["signature_database"]["lists"] for e in l["entries"])
sys.exit(0 if found else 1)
PY
}
NEW=1111111111111111111111111111111111111111111111111111111111111111
"$IGVMKIT" vars esl -g ovmf --sha256 $NEW -o new.esl || fail "esl"

"$IGVMKIT" vars auth db -A -k KEK.key -c KEK.crt -o good.auth new.esl || fail "auth"
run append-kek db $SECDB 0x67 good.auth OK
has append-kek.json db sha256 $NEW && ok "db now holds the appended hash" || fail "hash not appended"

"$IGVMKIT" vars auth db -A -k other.key -c other.crt -o bad.auth new.esl || fail "auth"
run append-other db $SECDB 0x67 bad.auth FAIL
has append-other.json db sha256 $NEW && fail "refused update still changed db" || ok "db unchanged"

make_leaf leaf KEK
"$IGVMKIT" vars auth db -A -k leaf.key -c leaf.crt -o leaf.auth new.esl || fail "auth"
run append-leaf db $SECDB 0x67 leaf.auth OK

"$IGVMKIT" vars auth KEK -t "2029-12-31 23:59:59" -k PK.key -c PK.crt -o old.auth KEK2.crt || fail "auth"
run kek-older KEK $GLOBAL 0x27 old.auth FAIL

"$IGVMKIT" vars auth KEK -t "2030-01-01 00:00:01" -k PK.key -c PK.crt -o newer.auth KEK2.crt || fail "auth"
run kek-newer KEK $GLOBAL 0x27 newer.auth OK
FP=$(openssl x509 -in KEK2.crt -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
has kek-newer.json KEK sha256 "$FP" && ok "KEK replaced by the PK-signed update" || fail "KEK not replaced"
finish
