#!/bin/sh
# SPDX-License-Identifier: MIT
# igvmkit measure --boot / --sb-authority and regen's PCR 7 report (issue 17) against the
# independent Python model tests/vars/sb_events_ref.py, on Debian's OVMF stores (empty and
# Microsoft), a customer store from `igvmkit vars store`, an IGVM, its FUKI and a regen.
. "$(dirname "$0")/lib.sh"
need python3 openssl
REF="$HERE/sb_events_ref.py"
MS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
EMPTY=/usr/share/OVMF/OVMF_VARS_4M.fd
for f in "$MS" "$EMPTY"; do
	[ -r "$f" ] || { echo "SKIP: $f missing (Debian package ovmf)" >&2; exit 77; }
done

json_get() { # FILE PYTHON-EXPR-ON-d
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- Debian's empty store: SecureBoot 0, everything absent
"$IGVMKIT" measure --boot --json "$EMPTY" >empty.json || fail "measure --boot empty store"
pcr=$(json_get empty.json 'd["boot"]["pcr7"]["sha256"]')
# computed by sb_events_ref.py; the PCR 7 OVMF without keys is widely reported to have
[ "$pcr" = 65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068 ] && ok "empty store PCR 7" ||
	fail "empty store PCR 7 $pcr"
[ "$(json_get empty.json 'd["boot"]["pcr7"]["complete"]')" = True ] || fail "empty store: PCR 7 not complete"
[ "$(json_get empty.json 'd["image"]["format"]+" "+str(len(d["measurements"]))')" = "vars-store 0" ] ||
	fail "empty store: image.format / measurements"
"$IGVMKIT" inspect empty.json | grep -q '^boot: 6 Secure Boot events, PCR 7 sha256 65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068 sha384 [0-9a-f]\{96\} (complete)$' &&
	ok "inspect shows the boot line" || fail "inspect of the boot JSON: $("$IGVMKIT" inspect empty.json)"
python3 "$REF" check "$IGVMKIT" "$EMPTY" >ref.out 2>&1 && ok "model agrees: empty store" ||
	fail "model: $(grep -v '^ok' ref.out)"

# the CFV TDVF measures into RTMR[0]: SHA-384 of the whole VARS region (PcdCfvRawDataSize)
cfv=$(python3 -c 'import hashlib,sys; print(hashlib.sha384(open(sys.argv[1],"rb").read()[:0x84000]).hexdigest())' "$EMPTY")
[ "$(json_get empty.json 'd["boot"]["rtmr0"]["cfv_sha384"]')" = "$cfv" ] &&
	[ "$(json_get empty.json 'd["boot"]["rtmr0"]["cfv_size"]')" = 540672 ] && ok "CFV digest" || fail "CFV digest"
# a damaged store: refused naming the file, exit 3
head -c 70000 "$EMPTY" >short.fd
expect_fail 3 - 'short.fd' -- "$IGVMKIT" measure --boot short.fd

# ---- Debian's Microsoft store, the UEFI CA 2011 (second db certificate) as the authority
"$IGVMKIT" vars extract "$MS" db -o db.esl || fail "vars extract db"
python3 - db.esl <<'EOF' || fail "split db.esl"
import struct, sys
db = open(sys.argv[1], "rb").read(); off = 0; n = 0
while off < len(db):
    size, hsize, ssize = struct.unpack_from("<III", db, off + 16)
    p = off + 28 + hsize
    while p < off + size:
        open("dbcert-%d.der" % n, "wb").write(db[p + 16:p + ssize]); n += 1; p += ssize
    off += size
EOF
python3 "$REF" check "$IGVMKIT" "$MS" dbcert-1.der >ref.out 2>&1 && ok "model agrees: Microsoft store + UEFI CA authority" ||
	fail "model: $(grep -v '^ok' ref.out)"
"$IGVMKIT" measure --boot --sb-authority dbcert-1.der --json "$MS" >ms.json || fail "measure ms"
# the Microsoft UEFI CA 2011 authority event (owner 77fa9abd…) as TPM event logs of shim boots show it
[ "$(json_get ms.json 'd["boot"]["events"][-1]["sha256"]')" = 4d4a8e2c74133bbdc01a16eaf2dbb5d575afeb36f5d8dfcf609ae043909e2ee9 ] &&
	ok "UEFI CA 2011 authority event" || fail "authority event digest"
"$IGVMKIT" measure --boot "$MS" >ms.txt || fail "measure ms text"
grep -q '^PCR 7 sha256: 4387f18f9308e9a61cf5cd7685196e15b8c410ee1405d0f07fb3bee71530619d$' ms.txt &&
	grep -q 'incomplete: each db entry' ms.txt && ok "Microsoft store text" || fail "ms text: $(cat ms.txt)"

# ---- a customer store: own PK/KEK/db, a PE signed by the second db key, a hash entry
make_key PK && make_key KEK && make_key DB && make_key DB2 || fail "keys"
cp /usr/lib/efitools/x86_64-linux-gnu/HelloWorld.efi hw.efi 2>/dev/null ||
	printf 'MZ' >hw.efi # no efitools: the PE cases below are skipped
if [ "$(wc -c <hw.efi)" -gt 2 ]; then
	"$IGVMKIT" sign --key DB2.key --cert DB2.crt -o hw.signed.efi hw.efi || fail "sign"
	"$IGVMKIT" vars store --pk PK.crt --kek KEK.crt --db DB.crt --db DB2.crt --db hw.efi \
		--secure-boot -o cust.fd || fail "vars store"
	python3 "$REF" check "$IGVMKIT" cust.fd DB2.der >ref.out 2>&1 && ok "model agrees: customer store" ||
		fail "model: $(grep -v '^ok' ref.out)"
	# a signed PE names the db certificate that verifies it, as DxeImageVerificationLib picks it
	"$IGVMKIT" measure --boot --json --sb-authority hw.signed.efi cust.fd >a.json &&
		"$IGVMKIT" measure --boot --json --sb-authority DB2.crt cust.fd >b.json && cmp -s a.json b.json &&
		ok "signed PE authority = its db certificate" || fail "signed PE authority"
	# an unsigned PE: its Authenticode SHA-256 entry (84 bytes: 52 + owner + hash)
	"$IGVMKIT" measure --boot --json --sb-authority hw.efi cust.fd >c.json &&
		[ "$(json_get c.json 'd["boot"]["events"][-1]["size"]')" = 84 ] && ok "unsigned PE authority = hash entry" ||
		fail "unsigned PE authority"
	h=$(python3 -c 'import json;d=json.load(open("c.json"));print(d["boot"]["pcr7"]["sha256"])')
	hash=$("$IGVMKIT" digest hw.efi 2>/dev/null | tail -n1)
	if [ -n "$hash" ]; then
		"$IGVMKIT" measure --boot --json --sb-authority "sha256:$hash" cust.fd >d.json &&
			[ "$(json_get d.json 'd["boot"]["pcr7"]["sha256"]')" = "$h" ] && ok "sha256:HEX authority" ||
			fail "sha256:HEX authority"
	fi
	# bad inputs: clear error naming the input and the authority, exit 3, no -o output
	expect_fail 3 out.json 'cust.fd:authority PK.crt: no entry of the store.s db matches it' -- \
		"$IGVMKIT" measure --boot --sb-authority PK.crt -o out.json cust.fd
	"$IGVMKIT" vars store --db DB.crt -o nopk.fd || fail "vars store without PK"
	expect_fail 3 - 'SecureBoot = 0' -- "$IGVMKIT" measure --boot --sb-authority DB.crt nopk.fd
	expect_fail 3 - 'the store has no db' -- "$IGVMKIT" measure --boot --sb-authority DB.crt "$EMPTY"
fi
expect_fail 4 - 'missing.der' -- "$IGVMKIT" measure --sb-authority missing.der "$MS"
expect_fail 3 - 'not a certificate' -- "$IGVMKIT" measure --sb-authority "$REF" "$MS"
expect_fail 2 - '--expect needs a launch digest' -- "$IGVMKIT" measure --boot --expect 00 "$MS"
printf 'junk' >junk.bin
expect_fail 3 - 'junk.bin' -- "$IGVMKIT" measure --boot junk.bin
# without --boot a store is still no measurable input
expect_fail 3 - '' -- "$IGVMKIT" measure "$MS"

# ---- an IGVM with the customer's Microsoft-like store, its FUKI, and regen
OVMF=/usr/share/ovmf/OVMF.fd
if [ -r "$OVMF" ]; then
	cat >l.yaml <<EOF
version: 1
description: sb events test
components:
  ovmf:
    type: ovmf
    file: $OVMF
platforms:
  tdx:
variables:
  store: rom
  pk: [PK.crt]
  kek: [KEK.crt]
  db: [DB.crt]
  secure-boot: true
outputs:
  igvm: t.igvm
  measurements: t.measurements.json
EOF
	"$IGVMKIT" build -o out l.yaml >build.out 2>&1 || fail "build: $(cat build.out)"
	"$IGVMKIT" measure --boot --json --platform tdx out/t.igvm >igvm.json || fail "measure --boot igvm"
	[ "$(json_get out/t.measurements.json 'd["boot"]')" = "$(json_get igvm.json 'd["boot"]')" ] &&
		ok "build's measurements JSON boot = measure --boot" || fail "build JSON boot differs"
	[ "$(json_get igvm.json 'd["measurements"][0]["field"]')" = MRTD ] || fail "launch digest missing"
	# build's summary: the JSON's PCR 7 on one line, incomplete with Secure Boot on
	pcr=$(json_get out/t.measurements.json 'd["boot"]["pcr7"]["sha256"]')
	grep -q "^  boot     PCR 7 sha256: $pcr (incomplete: the EV_EFI_VARIABLE_AUTHORITY of the images booted is not in the image; 'igvmkit measure --boot --sb-authority' adds it)\$" build.out &&
		ok "build prints PCR 7 (incomplete)" || fail "build summary: $(cat build.out)"
	sed 's/secure-boot: true/secure-boot: false/' l.yaml >l0.yaml
	"$IGVMKIT" build -o out0 l0.yaml >build0.out 2>&1 || fail "build SecureBoot 0: $(cat build0.out)"
	pcr=$(json_get out0/t.measurements.json 'd["boot"]["pcr7"]["sha256"]')
	[ "$(json_get out0/t.measurements.json 'd["boot"]["pcr7"]["complete"]')" = True ] &&
		grep -q "^  boot     PCR 7 sha256: $pcr\$" build0.out && ok "build prints PCR 7 (complete: SecureBoot 0)" ||
		fail "build summary, SecureBoot 0: $(cat build0.out)"
	"$IGVMKIT" build -o outn "$HERE/../../layouts/default.yaml" >buildn.out 2>&1 &&
		! grep -q 'PCR 7' buildn.out && ok "no boot line without a store: rom seed" || fail "default layout: $(cat buildn.out)"
	"$IGVMKIT" measure --boot --platform tdx out/t.igvm | tail -n1 | grep -Eq '^[0-9a-f]{96}$' &&
		ok "the digest stays the last line" || fail "last line is not the digest"
	if "$IGVMKIT" fuki -o t.efi out/t.igvm >/dev/null 2>&1; then
		"$IGVMKIT" measure --boot --json t.efi >fuki.json || fail "measure --boot fuki"
		[ "$(json_get fuki.json 'd["boot"]')" = "$(json_get igvm.json 'd["boot"]')" ] &&
			[ "$(json_get fuki.json 'd["image"]["format"]')" = fuki ] && ok "FUKI = its IGVM" ||
			fail "FUKI prediction differs"
	fi
	"$IGVMKIT" regen --db DB2.crt -o re.igvm out/t.igvm >regen.out 2>&1 || fail "regen: $(cat regen.out)"
	grep -A1 '^  PCR 7 sha256  *old ' regen.out | grep -Eq '^ +new [0-9a-f]{64}$' &&
		grep -q 'RTMR\[0\] SB event chain' regen.out && grep -q 'changed: db;' regen.out &&
		grep -q 'MRTD loader=igvm-crate (unchanged)' regen.out &&
		ok "regen reports old/new PCR 7, db changed, MRTD unchanged" || fail "regen report: $(cat regen.out)"
	"$IGVMKIT" measure --boot --json --platform tdx re.igvm >re.json
	[ "$(json_get re.igvm.measurements.json 'd["boot"]')" = "$(json_get re.json 'd["boot"]')" ] &&
		ok "regen's measurements JSON boot = measure --boot of the new file" || fail "regen JSON boot"
	"$IGVMKIT" regen --extract-rom rom.fd re.igvm >/dev/null 2>&1 &&
		"$IGVMKIT" vars store -i rom.fd -o rstore.fd &&
		python3 "$REF" check "$IGVMKIT" rstore.fd >ref.out 2>&1 && ok "model agrees: regenerated store" ||
		fail "model on regenerated store: $(cat ref.out)"

	# regen --sb-authority: the new PCR 7 gets the EV_EFI_VARIABLE_AUTHORITY of the db entry
	# that verifies the booted image, as measure --sb-authority predicts it for the new file
	"$IGVMKIT" regen --db DB2.crt --sb-authority DB2.crt -o ra.igvm out/t.igvm >ra.out 2>&1 ||
		fail "regen --sb-authority: $(cat ra.out)"
	"$IGVMKIT" measure --boot --json --platform tdx --sb-authority DB2.crt ra.igvm >ra.json
	[ "$(json_get ra.igvm.measurements.json 'd["boot"]')" = "$(json_get ra.json 'd["boot"]')" ] &&
		[ "$(json_get ra.json 'd["boot"]["events"][-1]["type"]+" "+str(d["boot"]["pcr7"]["complete"])')" = \
			"EV_EFI_VARIABLE_AUTHORITY True" ] &&
		ok "regen --sb-authority: JSON boot = measure --boot --sb-authority, PCR 7 complete" ||
		fail "regen --sb-authority JSON: $(json_get ra.igvm.measurements.json 'd["boot"]["pcr7"]')"
	new=$(json_get ra.json 'd["boot"]["pcr7"]["sha256"]')
	grep -q '; new: db authority$' ra.out && grep -A1 '^  PCR 7 sha256  *old ' ra.out | grep -q "new $new\$" &&
		grep -q "^  authorities  *old 0, new 1 EV_EFI_VARIABLE_AUTHORITY (--sb-authority); old without them: authority DB2.crt: no entry of the store's db matches it\$" ra.out &&
		grep -q '^  PCR 7 new  *complete if the given authorities' ra.out &&
		ok "regen report: the authority event, the new PCR 7 with it, why the old one lacks it" ||
		fail "regen --sb-authority report: $(cat ra.out)"
	# a db entry in both stores: the authority event is in both predictions, and unchanged
	"$IGVMKIT" regen --db DB.crt --db DB2.crt --sb-authority DB.crt -o rb.igvm out/t.igvm >rb.out 2>&1 &&
		grep -q 'unchanged: SecureBoot, PK, KEK, dbx, separator, db authority$' rb.out &&
		grep -q '^  authorities  *old 1, new 1 EV_EFI_VARIABLE_AUTHORITY (--sb-authority)$' rb.out &&
		ok "regen --sb-authority in both dbs" || fail "regen --sb-authority in both: $(cat rb.out)"
	# not in the regenerated db, a store with SecureBoot 0, a missing file: nothing written
	expect_fail 3 rc.igvm 'authority DB.crt: .*\(the regenerated store\)' -- \
		"$IGVMKIT" regen --db DB2.crt --sb-authority DB.crt -o rc.igvm out/t.igvm
	expect_fail 3 rc.igvm 'SecureBoot = 0' -- \
		"$IGVMKIT" regen --db DB2.crt --no-secure-boot --sb-authority DB2.crt -o rc.igvm out/t.igvm
	expect_fail 4 rc.igvm 'nosuch.der' -- \
		"$IGVMKIT" regen --db DB2.crt --sb-authority nosuch.der -o rc.igvm out/t.igvm
	expect_fail 2 rom2.fd 'only extracts' -- "$IGVMKIT" regen --sb-authority DB.crt --extract-rom rom2.fd out/t.igvm
fi
finish
