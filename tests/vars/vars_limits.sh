#!/bin/sh
# SPDX-License-Identifier: MIT
# Inputs that exceed one of vars/'s caps (issue 8): each must fail as a limit (exit 6,
# docs/exit-codes.md) with a message naming the file, the byte offset (or line) and the cap,
# and must still be recognised as its format: "not a signature list" would be wrong.
# The inputs are generated here, from the caps in vars/esl.h, vars/varlist.h, vars/x509.h
# and vars/auth.h.
. "$(dirname "$0")/lib.sh"
need openssl python3

make_key KEK
printf '\001' >one.bin

python3 - <<'PY'
import json, struct, uuid
sha256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le  # EFI_CERT_SHA256_GUID
x509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072").bytes_le    # EFI_CERT_X509_GUID

def hash_list(n, first=0):
    entries = b"".join(bytes(16) + (first + i).to_bytes(32, "little") for i in range(n))
    return sha256 + struct.pack("<III", 28 + 48 * n, 0, 48) + entries

# 200,000 entries in one list: ESL_ENTRIES_MAX is 65536.
big = hash_list(200000)
open("big.esl", "wb").write(big)
# 4097 lists of one entry: ESL_LISTS_MAX is 4096 (list 4096 starts at 4096 * 76 = 0x4c000).
lists = b"".join(hash_list(1, i) for i in range(4097))
open("lists.esl", "wb").write(lists)
# An X.509 list whose SignatureSize exceeds 16 + VARS_CERT_DER_MAX (65536).
open("bigcert.esl", "wb").write(x509 + struct.pack("<III", 28 + 16 + 70000, 0, 16 + 70000) +
                                bytes(16) + b"\x30" + bytes(69999))
# Unsigned .auth (dwLength 24: the payload starts at 0x28) carrying the big list.
pkcs7 = uuid.UUID("4aafd29d-68df-49ee-8aa9-347d375665a7").bytes_le  # EFI_CERT_TYPE_PKCS7_GUID
hdr = bytes(16) + struct.pack("<IHH", 24, 0x0200, 0x0ef1) + pkcs7
open("big.auth", "wb").write(hdr + big)
# CertData larger than VARS_AUTH_CERT_DATA_MAX (1 MiB).
cert_len = (1 << 20) + 1
open("bigsig.auth", "wb").write(bytes(16) + struct.pack("<IHH", 24 + cert_len, 0x0200, 0x0ef1) +
                                pkcs7 + b"\x30" + bytes(cert_len - 1) + hash_list(1))
# A QEMU JSON store with 4097 variables (VARS_LIST_MAX is 4096), one per line.
guid = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
with open("many.json", "w") as f:
    f.write('{"version": 2, "variables": [\n')
    f.write(",\n".join('{"guid": "%s", "name": "V%d", "attr": 7, "data": "00"}' % (guid, i)
                       for i in range(4097)))
    f.write("]}\n")
# A JSON store whose db variable holds the 4097-list database.
with open("dbvar.json", "w") as f:
    json.dump({"version": 2, "variables": [
        {"guid": "d719b2cb-3d3a-4596-a3bc-dad00e67656f", "name": "db", "attr": 39,
         "data": lists.hex(), "time": "00" * 16}]}, f)
# A variable name of 1025 characters (VARS_NAME_MAX_CHARS is 1024).
open("longname.txt", "w").write("N" * 1025)
PY
cp KEK.crt many.pem
i=1
while [ $i -lt 257 ]; do cat KEK.crt; i=$((i + 1)); done >>many.pem

# A list with 200,000 entries, through every command that reads one.
cap='big.esl:signature list 0 at offset 0x0: 200000 entries in one list exceed the limit of 65536'
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list big.esl
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list --json big.esl
expect_fail 6 - "$cap" -- "$IGVMKIT" inspect big.esl
expect_fail 6 - "$cap" -- "$IGVMKIT" inspect --json big.esl
expect_fail 6 s.fd "$cap" -- "$IGVMKIT" vars store --db big.esl -o s.fd
expect_fail 6 s.json "$cap" -- "$IGVMKIT" vars json --kek big.esl -o s.json
expect_fail 6 out.esl "$cap" -- "$IGVMKIT" vars esl -a big.esl -o out.esl
expect_fail 6 x.auth "$cap" -- "$IGVMKIT" vars auth db -t 0 --unsigned -o x.auth big.esl
expect_fail 6 - "$cap" -- "$IGVMKIT" vars verify one.bin db --cert big.esl

# Too many lists; a certificate entry too large for the cap.
cap='lists.esl:signature list 4096 at offset 0x4c000: more than 4096 signature lists \(the limit\)'
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list lists.esl
expect_fail 6 s.fd "$cap" -- "$IGVMKIT" vars store --dbx lists.esl -o s.fd
cap='bigcert.esl:signature list 0 at offset 0x0: SignatureSize 70016 exceeds the limit of 65552'
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list bigcert.esl
expect_fail 6 - "$cap" -- "$IGVMKIT" inspect bigcert.esl
expect_fail 6 s.fd "$cap" -- "$IGVMKIT" vars store --db bigcert.esl -o s.fd

# .auth: the payload's offsets are file offsets (after the 0x28-byte descriptor); CertData cap.
expect_fail 6 - 'big.auth:signature list 0 at offset 0x28: 200000 entries in one list exceed the limit of 65536' -- \
	"$IGVMKIT" vars list big.auth
expect_fail 6 s.fd 'big.auth:signature list 0 at offset 0x28: 200000 entries' -- \
	"$IGVMKIT" vars store --db big.auth -o s.fd
cap='bigsig.auth:offset 0x28 \(CertData\): PKCS#7 signature of 1048577 bytes exceeds the limit of 1048576 bytes'
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list bigsig.auth
expect_fail 6 - "$cap" -- "$IGVMKIT" inspect bigsig.auth
expect_fail 6 - "$cap" -- "$IGVMKIT" vars verify bigsig.auth db --cert KEK.crt

# Stores: too many variables (named by line), a database variable beyond the caps.
cap='many.json:line 4098, column [0-9]+: more than 4096 variables \(the limit\)'
expect_fail 6 - "$cap" -- "$IGVMKIT" vars list many.json
expect_fail 6 s.fd "$cap" -- "$IGVMKIT" vars store -i many.json -o s.fd
expect_fail 6 - "dbvar.json:data of variable 'db', signature list 4096 at offset 0x4c000: more than 4096 signature lists" -- \
	"$IGVMKIT" vars list dbvar.json

# Certificates per file; variable name length.
expect_fail 6 out.esl 'many.pem:PEM block 256 \(CERTIFICATE\): more than 256 certificates in one file \(the limit\)' -- \
	"$IGVMKIT" vars esl -c many.pem -o out.esl
expect_fail 6 s.fd "variable name longer than 1024 characters \(the limit\)" -- \
	"$IGVMKIT" vars store --set "$(cat longname.txt):zero:NV,BS:one.bin" -o s.fd

# Just under the caps still works: 65536 entries in one list, 4096 lists.
python3 - <<'PY'
import struct, uuid
sha256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
n = 65536
open("max.esl", "wb").write(sha256 + struct.pack("<III", 28 + 48 * n, 0, 48) +
                            b"".join(bytes(16) + i.to_bytes(32, "little") for i in range(n)))
PY
"$IGVMKIT" vars list max.esl >max.txt && grep -q "1 signature list, 65536 entries" max.txt &&
	ok "65536 entries are listed" || fail "65536-entry list: $(head -n1 max.txt)"
head -c $((4096 * 76)) lists.esl >maxlists.esl
"$IGVMKIT" vars list maxlists.esl >maxlists.txt && grep -q "4096 signature lists, 4096 entries" maxlists.txt &&
	ok "4096 lists are listed" || fail "4096 lists: $(head -n1 maxlists.txt)"
finish
