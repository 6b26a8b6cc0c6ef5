#!/bin/sh
# SPDX-License-Identifier: MIT
# igvmkit's signature lists, .auth files and stores checked by independent tools:
# efitools (cert-to-efi-sig-list, sig-list-to-certs, hash-to-efi-sig-list,
# sign-efi-sig-list), sbsigntool (sbsiglist, sbvarsign), osslsigncode and openssl cms.
. "$(dirname "$0")/lib.sh"
need openssl python3 cert-to-efi-sig-list sig-list-to-certs hash-to-efi-sig-list \
	sign-efi-sig-list sbsiglist sbvarsign
OWNER=11111111-2222-3333-4444-555555555555

make_key PK
make_key KEK
make_key db

# 1. Signature lists: byte-identical to efitools and sbsigntool, and read back by efitools.
"$IGVMKIT" vars esl -g $OWNER -c PK.crt -o PK.esl || fail "vars esl"
cert-to-efi-sig-list -g $OWNER PK.crt ref.esl >/dev/null
cmp -s PK.esl ref.esl && ok "esl == cert-to-efi-sig-list" || fail "esl differs from cert-to-efi-sig-list"
sbsiglist --owner $OWNER --type x509 --output ref2.esl PK.der
cmp -s PK.esl ref2.esl && ok "esl == sbsiglist" || fail "esl differs from sbsiglist"
cat PK.crt KEK.crt >bundle.pem
"$IGVMKIT" vars esl -g $OWNER -c bundle.pem -c db.der \
	--sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 -o multi.esl || fail "multi esl"
sig-list-to-certs multi.esl back >/dev/null || fail "sig-list-to-certs"
for pair in "back-0.der PK.der" "back-1.der KEK.der" "back-2.der db.der"; do
	set -- $pair
	[ "$1" = back-1.der ] && openssl x509 -in KEK.crt -outform DER -out KEK.der
	cmp -s "$1" "$2" && ok "sig-list-to-certs: $1 == $2" || fail "sig-list-to-certs: $1 != $2"
done
printf 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' | xxd -r -p >empty.sha256 2>/dev/null ||
	python3 -c 'import hashlib,sys; sys.stdout.buffer.write(hashlib.sha256(b"").digest())' >empty.sha256
cmp -s back-3.hash empty.sha256 && ok "sig-list-to-certs: hash entry" || fail "hash entry read back wrong"

# 2. Authenticode hash entries: the same bytes as hash-to-efi-sig-list (owner: shim GUID).
python3 "$HERE/../qemu/make-hello-efi.py" app.efi
"$IGVMKIT" vars esl -g shim --pe app.efi -o app.esl || fail "vars esl --pe"
hash-to-efi-sig-list app.efi app-ref.esl >/dev/null
cmp -s app.esl app-ref.esl && ok "--pe == hash-to-efi-sig-list" || fail "--pe differs from hash-to-efi-sig-list"

# dbx revocation by tbsCertificate hash: same as cert-to-efi-hash-list except that efitools 1.9.2
# writes TimeOfRevocation Month = 1 for "-t 0" (vars.md §12); igvmkit writes the all-zero time.
need cert-to-efi-hash-list
"$IGVMKIT" vars esl -g ovmf --revoke-cert db.crt -o rev.esl || fail "--revoke-cert"
cert-to-efi-hash-list -g a0baa8a3-041d-48a8-bc87-c36d121b5e3d -s 256 -t 0 db.crt rev-ref.esl >/dev/null 2>&1
[ "$(cmp -l rev.esl rev-ref.esl | tr -s ' ' | sed 's/^ //')" = "79 0 1" ] &&
	ok "--revoke-cert == cert-to-efi-hash-list (but for its Month quirk)" || fail "--revoke-cert differs"

# 3. .auth: byte-identical to sign-efi-sig-list (no signed attributes, bare SignedData).
SOURCE_DATE_EPOCH=1700000000 "$IGVMKIT" vars auth PK -k PK.key -c PK.crt -o PK.auth PK.esl || fail "vars auth"
TZ=UTC sign-efi-sig-list -t "2023-11-14 22:13:20" -k PK.key -c PK.crt PK PK.esl PK-ref.auth >/dev/null
cmp -s PK.auth PK-ref.auth && ok "auth == sign-efi-sig-list" || fail "auth differs from sign-efi-sig-list"
"$IGVMKIT" vars auth db --append -k KEK.key -c KEK.crt -o app.auth app.esl || fail "vars auth --append"
sign-efi-sig-list -a -k KEK.key -c KEK.crt db app.esl app-ref.auth >/dev/null
cmp -s app.auth app-ref.auth && ok "append auth == sign-efi-sig-list -a" || fail "append auth differs"
"$IGVMKIT" vars auth dbt -t "2024-01-02 03:04:05" --tbs -o dbt.tbs multi.esl || fail "--tbs"
TZ=UTC sign-efi-sig-list -o -g d719b2cb-3d3a-4596-a3bc-dad00e67656f -t "2024-01-02 03:04:05" dbt multi.esl dbt-ref.tbs >/dev/null
cmp -s dbt.tbs dbt-ref.tbs && ok "--tbs == sign-efi-sig-list -o" || fail "--tbs differs"

# 4. openssl cms verifies the .auth over the documented signed bytes (vars.md §4.2), and
#    fails when one attribute bit differs.  Checked for both PKCS#7 encodings and with
#    signed attributes.
split_auth() { # AUTH NAME GUID ATTR -> ci.der signed.bin
	python3 - "$@" <<'PY'
import struct, sys, uuid
auth, name, guid, attr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 0)
d = open(auth, "rb").read()
dw = struct.unpack_from("<I", d, 16)[0]
p7, payload = d[40:16 + dw], d[16 + dw:]
def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b
if p7[2:4] != b"\x06\x09" and p7[4:6] != b"\x06\x09":   # bare SignedData: add ContentInfo
    oid = bytes.fromhex("06092a864886f70d010702")
    inner = b"\xa0" + der_len(len(p7)) + p7
    p7 = b"\x30" + der_len(len(oid) + len(inner)) + oid + inner
open("ci.der", "wb").write(p7)
signed = name.encode("utf-16-le") + uuid.UUID(guid).bytes_le + struct.pack("<I", attr) + d[:16] + payload
open("signed.bin", "wb").write(signed)
PY
}
cms_ok() { openssl cms -verify -binary -inform DER -in ci.der -content signed.bin -CAfile "$1" -purpose any -out /dev/null 2>/dev/null; }
GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
SECDB=d719b2cb-3d3a-4596-a3bc-dad00e67656f
split_auth PK.auth PK $GLOBAL 0x27 && cms_ok PK.crt && ok "openssl cms verifies PK.auth" || fail "openssl cms rejects PK.auth"
split_auth PK.auth PK $GLOBAL 0x26 && cms_ok PK.crt && fail "openssl cms accepted a flipped attribute bit" || ok "flipped attribute bit rejected"
split_auth app.auth db $SECDB 0x67 && cms_ok KEK.crt && ok "openssl cms verifies the append update (0x67)" || fail "append update"
"$IGVMKIT" vars auth KEK -t "2024-05-06 07:08:09" --signed-attrs --content-info -k PK.key -c PK.crt -o kek-ci.auth multi.esl || fail "signed attrs"
split_auth kek-ci.auth KEK $GLOBAL 0x27 && cms_ok PK.crt && ok "openssl cms verifies ContentInfo + signed attributes" || fail "ContentInfo form"
openssl cms -cmsout -print -inform DER -in ci.der | grep -q "signingTime" && ok "signingTime present" || fail "no signingTime"
cp kek-ci.auth kek-ci2.auth
"$IGVMKIT" vars auth KEK -t "2024-05-06 07:08:09" --signed-attrs --content-info -k PK.key -c PK.crt -o kek-ci2.auth multi.esl
cmp -s kek-ci.auth kek-ci2.auth && ok "signed attributes are reproducible" || fail "signed attributes not reproducible"

# 5. Our verifier accepts sbvarsign's output (another producer, with signed attributes).
sbvarsign --key KEK.key --cert KEK.crt \
	--attr NON_VOLATILE,BOOTSERVICE_ACCESS,RUNTIME_ACCESS,TIME_BASED_AUTHENTICATED_WRITE_ACCESS \
	--output sbvar.auth db multi.esl >/dev/null 2>&1 || fail "sbvarsign"
"$IGVMKIT" vars verify sbvar.auth db --cert KEK.crt >/dev/null && ok "vars verify accepts sbvarsign output" || fail "vars verify rejects sbvarsign"
"$IGVMKIT" vars verify sbvar.auth db --cert PK.crt >/dev/null 2>&1 && fail "verify with the wrong cert passed" || ok "wrong certificate rejected"
"$IGVMKIT" vars auth db -t "2024-01-01 00:00:00" --signature ci.der -o attached.auth multi.esl || fail "attach"
# (ci.der holds the KEK signature over KEK's bytes: attaching it to db must not verify)
"$IGVMKIT" vars verify attached.auth db --cert PK.crt >/dev/null 2>&1 && fail "attached foreign signature verified" || ok "foreign detached signature rejected"

# A signer certificate issued by a KEK entry (how Microsoft signs dbx updates): our verifier,
# like edk2, accepts a chain to any trusted certificate; openssl cms agrees.  Trust lists can
# also be given as an .esl.
make_leaf leaf KEK
"$IGVMKIT" vars auth dbx -A -k leaf.key -c leaf.crt -o chain.auth multi.esl || fail "leaf-signed auth"
"$IGVMKIT" vars esl -c KEK.crt -c db.crt -o trust.esl
"$IGVMKIT" vars verify chain.auth dbx -A --cert trust.esl >/dev/null && ok "chain to a KEK entry verifies" || fail "chain"
split_auth chain.auth dbx $SECDB 0x67 && cms_ok KEK.crt && ok "openssl cms verifies the chain" || fail "cms chain"
"$IGVMKIT" vars verify chain.auth dbx --cert trust.esl >/dev/null 2>&1 && fail "0x27 accepted for an append" || ok "append attributes matter"

# 6. Detached signing (HSM flow): --tbs, openssl signs, --signature attaches; same bytes as direct.
"$IGVMKIT" vars auth db -t "2024-01-02 03:04:05" --tbs -o db.tbs multi.esl
openssl smime -sign -binary -noattr -nosmimecap -md sha256 -signer KEK.crt -inkey KEK.key -in db.tbs -outform DER -out db.p7 || fail "openssl smime -sign"
"$IGVMKIT" vars auth db -t "2024-01-02 03:04:05" --signature db.p7 -o db-attached.auth multi.esl || fail "--signature"
"$IGVMKIT" vars auth db -t "2024-01-02 03:04:05" -k KEK.key -c KEK.crt -o db-direct.auth multi.esl
cmp -s db-attached.auth db-direct.auth && ok "detached openssl signature == direct signing" || fail "detached differs"

# 7. Debian's OVMF images: empty stores reproduced byte for byte; the enrolled store parsed.
OVMF=/usr/share/OVMF
if [ -r $OVMF/OVMF_VARS_4M.ms.fd ]; then
	"$IGVMKIT" vars store --size 2m -o e2.fd && cmp -s e2.fd $OVMF/OVMF_VARS.fd && ok "empty 2m == OVMF_VARS.fd" || fail "empty 2m store"
	"$IGVMKIT" vars store --size 4m -o e4.fd && cmp -s e4.fd $OVMF/OVMF_VARS_4M.fd && ok "empty 4m == OVMF_VARS_4M.fd" || fail "empty 4m store"
	"$IGVMKIT" vars store -i $OVMF/OVMF_VARS.fd -o e2b.fd && cmp -s e2b.fd $OVMF/OVMF_VARS.fd && ok "OVMF_VARS.fd round trip" || fail "round trip"
	if [ -r /usr/share/ovmf/OVMF.fd ]; then
		# The unified 2 MiB ROM begins with its (empty) variable store.
		"$IGVMKIT" vars store -i /usr/share/ovmf/OVMF.fd -o rom.fd && cmp -s rom.fd $OVMF/OVMF_VARS.fd &&
			ok "store read from OVMF.fd == OVMF_VARS.fd" || fail "store inside OVMF.fd"
		# --whole-image rewrites only the first 128 KiB of the ROM.
		"$IGVMKIT" vars store -i /usr/share/ovmf/OVMF.fd --whole-image -g $OWNER --pk PK.crt --secure-boot -o rom-sb.fd || fail "--whole-image"
		cmp -s -i 131072 rom-sb.fd /usr/share/ovmf/OVMF.fd && ok "--whole-image keeps the code" || fail "--whole-image changed the code"
		"$IGVMKIT" vars extract rom-sb.fd PK -o rom-pk.esl && cmp -s rom-pk.esl PK.esl &&
			ok "--whole-image store holds PK" || fail "--whole-image PK"
	fi
	"$IGVMKIT" vars extract $OVMF/OVMF_VARS_4M.ms.fd PK -o ms-pk.esl || fail "extract"
	sig-list-to-certs ms-pk.esl mspk >/dev/null
	# Fingerprint of Debian's PK (vars.md §6: 5FB05ED8...).
	openssl x509 -inform DER -in mspk-0.der -noout -fingerprint -sha256 | tr -d : | grep -qi 5FB05ED84C5170D5 &&
		ok "Debian PK extracted and read back by efitools" || fail "Debian PK"
	"$IGVMKIT" vars list --json $OVMF/OVMF_VARS_4M.ms.fd >ms.json || fail "list --json"
	python3 - <<'PY' && ok "JSON listing of OVMF_VARS_4M.ms.fd" || fail "JSON listing"
import json
j = json.load(open("ms.json"))
names = {v["name"]: v for v in j["variables"]}
assert j["format"] == "varstore" and j["layout"] == "4m"
assert names["db"]["offset"] == 0x3CF4 and names["PK"]["offset"] == 0x545C   # vars.md §6 table
kek = names["KEK"]["signature_database"]["lists"]
assert kek[1]["entries"][0]["sha256"].startswith("a1117f51")                    # MS KEK CA 2011
assert names["dbx"]["signature_database"]["lists"][0]["entries"][0]["sha256"].startswith("e3b0c442")
PY
	# Compacting Debian's store keeps every live variable with its data.
	"$IGVMKIT" vars store -i $OVMF/OVMF_VARS_4M.ms.fd -o compact.fd || fail "compact"
	"$IGVMKIT" vars list --json compact.fd >compact.json
	python3 - <<'PY' && ok "compacted store has the same variables" || fail "compacted store differs"
import json
a = json.load(open("ms.json"))["variables"]; b = json.load(open("compact.json"))["variables"]
strip = lambda vs: [(v["name"], v["guid"], v["attr"], v["time"], json.dumps(v.get("data") or v.get("signature_database"))) for v in vs]
assert strip(a) == strip(b), "variables differ"
PY
else
	echo "note: Debian OVMF images not installed; store comparisons skipped"
fi
finish
