#!/bin/sh
# SPDX-License-Identifier: MIT
# `igvmkit sign-id-block`: the SNP ID block encoding (vector from sev-snp-measure's
# tests/test_id_block.py, also measure.md §6.3), and signatures verified through an
# independent path: r/s taken from the output, turned into DER by `openssl asn1parse -genconf`,
# checked by `openssl dgst -sha384 -verify` with the public key `openssl ec -pubout` derives
# from the PEM private key.  Keys on the wrong curve are refused.
set -u
ik=$1
here=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
cd "$tmp" || exit 1

openssl ecparam -name secp384r1 -genkey -noout -out id.pem 2>/dev/null &&
	openssl ecparam -name secp384r1 -genkey -noout -out author.pem 2>/dev/null &&
	openssl ecparam -name prime256v1 -genkey -noout -out p256.pem 2>/dev/null &&
	openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null || { echo "openssl cannot make keys"; exit 1; }
openssl ec -in id.pem -pubout -out id.pub 2>/dev/null
openssl ec -in author.pem -pubout -out author.pub 2>/dev/null

# LD from measure.md §6.3 / sev-snp-measure tests/test_id_block.py.
ld=076f052d08bda7a700aa2a608c5caa6b00ebad297b6d68a85a45b1e669a558b67e1b91d284a301fe63c4fa0750467eed
"$ik" sign-id-block --id-key id.pem --author-key author.pem --launch-digest $ld \
	--id-block-out block.b64 --id-auth-out auth.b64 > out.txt || bad "sign-id-block --launch-digest"
[ "$(tail -n 1 out.txt)" = $ld ] && pass last-line-is-ld || bad last-line-is-ld
# test_id_block.py: id-block=... for that LD, zero IDs, version 1, SVN 0, policy 0x30000.
[ "$(cat block.b64)" = "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA" ] &&
	pass id-block-vector || bad "id-block-vector: $(cat block.b64)"

# verify_sig NAME AUTH_OFF PUB MSG: signature at AUTH_OFF of ID_AUTH over MSG with PUB.
verify_sig() {
	python3 - "$2" > sig.cnf <<'EOF'
import base64, sys
auth = base64.b64decode(open("auth.b64").read())
off = int(sys.argv[1], 0)
r = int.from_bytes(auth[off:off + 72], "little")
s = int.from_bytes(auth[off + 72:off + 144], "little")
print("asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%x\ns=INTEGER:0x%x" % (r, s))
EOF
	openssl asn1parse -genconf sig.cnf -out sig.der >/dev/null &&
		openssl dgst -sha384 -verify "$3" -signature sig.der "$4" >/dev/null 2>&1 &&
		pass "$1" || bad "$1"
}
base64 -d block.b64 > block.bin
verify_sig id-block-signature 0x40 id.pub block.bin
python3 -c 'import base64; a = base64.b64decode(open("auth.b64").read()); open("idkey.bin", "wb").write(a[0x240:0x644])'
verify_sig author-signature-over-id-key 0x680 author.pub idkey.bin
# A tampered block must not verify.
printf '\001' | dd of=block.bin bs=1 seek=95 conv=notrunc 2>/dev/null
verify_sig tampered-block-detected 0x40 id.pub block.bin >/dev/null
[ $fail -eq 1 ] && fail=0 && pass tampered-block-rejected || { fail=1; echo "FAIL tampered block verified"; }

# ID_KEY in ID_AUTH holds curve 2 and the key's own coordinates (little-endian, zero-extended).
openssl ec -in id.pem -pubout -outform DER 2>/dev/null | tail -c 97 > point.bin
python3 - <<'EOF' && pass id-key-encoding || bad id-key-encoding
import base64
auth = base64.b64decode(open("auth.b64").read())
point = open("point.bin", "rb").read()
assert point[0] == 4 and len(point) == 97
key = auth[0x240:0x644]
assert int.from_bytes(key[0:4], "little") == 2
assert key[4:52] == point[1:49][::-1] and key[52:76] == bytes(24)
assert key[76:124] == point[49:97][::-1] and key[124:] == bytes(len(key) - 124)
assert int.from_bytes(auth[0:4], "little") == 1 and int.from_bytes(auth[4:8], "little") == 1  # author key used
EOF

# Into an IGVM file: the directive's LD equals `igvmkit measure`, its signature verifies over
# the 96-byte block built with the file's GUEST_POLICY, and the policy option is recorded.
python3 "$here/mkigvm.py" snp-small in.igvm
"$ik" sign-id-block --id-key id.pem --family-id 00112233445566778899aabbccddeeff --guest-svn 7 \
	--policy 0x30000 --id-auth-out auth.b64 --id-block-out block.b64 -o signed.igvm in.igvm > out.txt &&
	pass sign-igvm || bad sign-igvm
ld=$("$ik" measure signed.igvm | tail -n 1)
[ -n "$ld" ] && [ "$(tail -n 1 out.txt)" = "$ld" ] && pass igvm-ld-matches-measure || bad "igvm-ld-matches-measure"
python3 - "$ld" <<'EOF' && pass igvm-directive || bad igvm-directive
import base64, struct, sys
data = open("signed.igvm", "rb").read()
off, size = struct.unpack_from("<II", data, 8)
pos, found = off, None
while pos < off + size:
    htype, length = struct.unpack_from("<II", data, pos)
    if htype == 0x30B:
        found = data[pos + 8:pos + 8 + length]
    pos += 8 + (length + 7) // 8 * 8
assert found is not None and len(found) == 696
assert found[8:56].hex() == sys.argv[1]
assert found[0x38:0x48] == bytes.fromhex("00112233445566778899aabbccddeeff")
assert struct.unpack_from("<II", found, 0x58) == (1, 7)
block = base64.b64decode(open("block.b64").read())
assert block[:48] == found[8:56] and struct.unpack_from("<Q", block, 0x58)[0] == 0x30000
open("block.bin", "wb").write(block)
EOF
verify_sig igvm-id-block-signature 0x40 id.pub block.bin

# `igvmkit measure` checks the ID block it finds: it matches as signed; another vCPU count (a
# different digest) or a corrupted signature is a mismatch (exit 1) unless --ignore-id-block.
"$ik" measure signed.igvm >/dev/null && pass measure-accepts-id-block || bad measure-accepts-id-block
"$ik" measure --vcpus 2 --vcpu-type EPYC signed.igvm >/dev/null 2>err.txt
[ $? -eq 1 ] && grep -q "PSP would refuse" err.txt && pass measure-flags-ld-mismatch || bad measure-flags-ld-mismatch
"$ik" measure --ignore-id-block --vcpus 2 --vcpu-type EPYC signed.igvm >/dev/null &&
	pass measure-ignore-id-block || bad measure-ignore-id-block
python3 - <<'EOF2'
import struct, zlib
data = bytearray(open("signed.igvm", "rb").read())
off, size = struct.unpack_from("<II", data, 8)
pos = off
while pos < off + size:
    htype, length = struct.unpack_from("<II", data, pos)
    if htype == 0x30B:
        data[pos + 8 + 0x68] ^= 1  # first byte of id_key_signature.r_comp
    pos += 8 + (length + 7) // 8 * 8
struct.pack_into("<I", data, 20, 0)
struct.pack_into("<I", data, 20, zlib.crc32(bytes(data[:24]) + bytes(data[off:off + size])) & 0xFFFFFFFF)
open("tampered.igvm", "wb").write(data)
EOF2
"$ik" measure tampered.igvm >/dev/null 2>err.txt
[ $? -eq 1 ] && grep -q "does not verify" err.txt && pass measure-flags-bad-signature ||
	bad "measure-flags-bad-signature: $(cat err.txt)"

# Wrong keys: exit 5 (CRYPTO), the curve or type named, no output written.
for k in p256 ed; do
	"$ik" sign-id-block --id-key $k.pem -o bad.igvm in.igvm > /dev/null 2> err.txt
	rc=$?
	if [ $rc -eq 5 ] && grep -q -e "prime256v1" -e "ED25519" err.txt && [ ! -e bad.igvm ]; then
		pass "wrong-key-$k-refused"
	else
		bad "wrong-key-$k-refused: exit $rc: $(cat err.txt)"
	fi
done
"$ik" sign-id-block --id-key id.pem --author-key p256.pem -o bad.igvm in.igvm > /dev/null 2>&1
[ $? -eq 5 ] && [ ! -e bad.igvm ] && pass wrong-author-key-refused || bad wrong-author-key-refused
# An ID key held by a PKCS#11 token (SoftHSM2 through the pkcs11 engine, as sign/key.h does).
if command -v softhsm2-util >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ]; then
	mkdir tokens
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$tmp" > softhsm2.conf
	export SOFTHSM2_CONF="$tmp/softhsm2.conf" IK_PIN=123456
	softhsm2-util --init-token --free --label ik-id --pin 123456 --so-pin 654321 >/dev/null &&
		openssl pkcs8 -topk8 -nocrypt -in id.pem -out id.p8 &&
		softhsm2-util --import id.p8 --token ik-id --label idkey --id b1 --pin 123456 >/dev/null
	"$ik" sign-id-block --id-key 'pkcs11:token=ik-id;object=idkey;type=private' --passphrase-env IK_PIN \
		--launch-digest $ld --id-block-out block.b64 --id-auth-out auth.b64 >/dev/null &&
		pass pkcs11-id-key || bad pkcs11-id-key
	base64 -d block.b64 > block.bin
	verify_sig pkcs11-signature-verifies 0x40 id.pub block.bin
else
	echo "note: softhsm2 or the pkcs11 engine missing; pkcs11 ID key not tested"
fi

python3 "$here/mkigvm.py" snp-no-vmsa novmsa.igvm
"$ik" sign-id-block --id-key id.pem -o bad.igvm novmsa.igvm > /dev/null 2>&1
[ $? -eq 3 ] && [ ! -e bad.igvm ] && pass no-vmsa-refused || bad no-vmsa-refused
exit $fail
