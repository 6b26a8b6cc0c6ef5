#!/bin/sh
# SPDX-License-Identifier: MIT
# Real firmware: Debian's OVMF_CODE_4M.secboot.fd under qemu-system-x86 (TCG)
# with stores made by `igvmkit vars store`.  An unsigned EFI application
#   - starts with the empty store (setup mode: nothing enforced)      [control]
#   - is refused ("Access Denied") once PK/KEK/db are enrolled
#   - starts once its Authenticode SHA-256 (computed by igvmkit) is in db
#   - is refused again when the same hash is also in dbx
#   - is refused with a 2m store under Debian's 2 MiB build (OVMF_CODE.fd)
# usage: vars_qemu_secureboot.sh IGVMKIT [TESTS_QEMU_DIR]
. "$(dirname "$0")/lib.sh"
QDIR=${2:-$HERE/../qemu}
case "$QDIR" in /*) ;; *) QDIR=$ORIG_PWD/$QDIR ;; esac
CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
need openssl python3 qemu-system-x86_64
[ -r "$CODE" ] || { echo "SKIP: $CODE not installed (package ovmf)" >&2; exit 77; }
MARK=IGVMKIT-EFI-APP-STARTED

python3 "$QDIR/make-hello-efi.py" app.efi $MARK || fail "make app"
make_key PK
make_key KEK
make_key db

# boot VARS WANT [CODE]: WANT is "started" or "denied".
boot() {
	line=$("$QDIR/boot-efi.sh" --code "${3:-$CODE}" --vars "$1" --efi app.efi --timeout 150 \
		--expect "$MARK" --expect "Access Denied|Security Violation" --log "$1.log" \
		--vars-out "$1.after")
	rc=$?
	case "$rc:$2:$line" in
	0:started:*"$MARK"*) ok "$1: application started ($line)" ;;
	0:denied:*Denied* | 0:denied:*Violation*) ok "$1: application refused ($line)" ;;
	77:*) echo "SKIP: boot harness skipped" >&2; exit 77 ;;
	*) fail "$1: wanted '$2', got rc=$rc '$line'"; tail -n 20 "$1.log" >&2 ;;
	esac
}

"$IGVMKIT" vars store --size 4m -o empty.fd || fail "empty store"
boot empty.fd started

"$IGVMKIT" vars store --size 4m -g ovmf --pk PK.crt --kek KEK.crt --db db.crt --secure-boot \
	-o enforced.fd || fail "enforced store"
boot enforced.fd denied

# The same keys plus the application's hash in db (igvmkit computes the Authenticode digest).
"$IGVMKIT" vars store -i enforced.fd -g ovmf --db db.crt --db app.efi -o allowed.fd || fail "allowed store"
"$IGVMKIT" vars list allowed.fd | grep -q "sha256: " || fail "no hash entry in db"
boot allowed.fd started
# OVMF kept our store (it erases one it does not accept) and added its own variables to it.
"$IGVMKIT" vars list allowed.fd.after >after.txt 2>&1 || fail "store after boot does not parse: $(cat after.txt)"
grep -q "variable 'PK'" after.txt && grep -q "variable 'VendorKeysNv'" after.txt &&
	ok "OVMF used the store and wrote to it (PK kept, VendorKeysNv added)" || fail "store after boot: $(head -5 after.txt)"

# dbx wins over db.
"$IGVMKIT" vars esl -g ovmf --pe app.efi -o app.esl || fail "app.esl"
"$IGVMKIT" vars store -i allowed.fd --dbx app.esl -o revoked.fd || fail "revoked store"
boot revoked.fd denied
# The 2m layout with Debian's 2 MiB build, which has Secure Boot support without SMM
# (OVMF_CODE.fd; its OVMF_CODE.secboot.fd does not boot even with Debian's own VARS here).
CODE2=/usr/share/OVMF/OVMF_CODE.fd
if [ -r "$CODE2" ]; then
	"$IGVMKIT" vars store --size 2m -g ovmf --pk PK.crt --kek KEK.crt --db db.crt --secure-boot \
		-o enforced2m.fd || fail "2m store"
	boot enforced2m.fd denied "$CODE2"
fi
finish
