#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input to `igvmkit vars`: each case must fail with its documented exit
# code (docs/exit-codes.md), a message naming the problem, and no output file.
. "$(dirname "$0")/lib.sh"
need openssl python3

make_key PK
make_key KEK
"$IGVMKIT" vars esl -c PK.crt -o PK.esl || fail "esl"

# Corrupt certificates: truncated DER, damaged PEM body, not a certificate at all.
head -c 300 PK.der >trunc.der
expect_fail 3 out.esl "not a valid DER X.509 certificate" -- "$IGVMKIT" vars esl -c trunc.der -o out.esl
sed '3s/^..../!!!!/' PK.crt >broken.pem
expect_fail 3 out.esl "corrupt PEM block|not a valid DER" -- "$IGVMKIT" vars esl -c broken.pem -o out.esl
printf 'hello world\n' >text.txt
expect_fail 3 out.esl "no PEM block|not a valid DER" -- "$IGVMKIT" vars esl -c text.txt -o out.esl
expect_fail 3 s.fd "not a signature list, .auth file, PE image or X.509" -- "$IGVMKIT" vars store --db text.txt -o s.fd
expect_fail 3 s.fd "trunc.der: .*not a valid DER" -- "$IGVMKIT" vars store --pk trunc.der -o s.fd

# Hashes of the wrong length.
expect_fail 2 out.esl "32 bytes as 64 hex digits" -- "$IGVMKIT" vars esl --sha256 abcd -o out.esl
expect_fail 2 out.esl "48 bytes as 96 hex digits" -- \
	"$IGVMKIT" vars esl --hash sha384:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 -o out.esl
expect_fail 2 out.esl "unknown algorithm 'md5'" -- "$IGVMKIT" vars esl --hash md5:00 -o out.esl
# A hash list whose SignatureSize does not fit its type.
python3 - <<'PY'
import struct, uuid
t = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le   # EFI_CERT_SHA256_GUID
open("badsize.esl", "wb").write(t + struct.pack("<III", 28 + 47, 0, 47) + bytes(47))
open("overrun.esl", "wb").write(t + struct.pack("<III", 28 + 48 * 2, 0, 48) + bytes(48))
PY
expect_fail 3 s.fd "EFI_CERT_SHA256_GUID needs SignatureSize 48, found 47" -- "$IGVMKIT" vars store --db badsize.esl -o s.fd
expect_fail 3 s.fd "runs past the end" -- "$IGVMKIT" vars store --db overrun.esl -o s.fd

# Duplicates: the same certificate twice, the same variable twice.
expect_fail 3 out.esl "certificate is already in the database" -- "$IGVMKIT" vars esl -c PK.crt -c PK.der -o out.esl
printf '\001' >one.bin
expect_fail 3 s.fd "duplicate variable 'Foo'" -- \
	"$IGVMKIT" vars store --set Foo:zero:NV,BS:one.bin --set Foo:zero:NV,BS,RT:one.bin -o s.fd
# PK with two certificates.
cat PK.crt KEK.crt >two.pem
expect_fail 3 s.fd "PK must hold exactly one X.509 certificate, found 2" -- "$IGVMKIT" vars store --pk two.pem -o s.fd

# Store sizes matching no OVMF build (a bad --size value: usage, exit 2); a store too small for its variables.
expect_fail 2 s.fd "matches no OVMF build" -- "$IGVMKIT" vars store --size 0x40000 -o s.fd
expect_fail 2 s.fd "matches no OVMF build" -- "$IGVMKIT" vars store --size 1m -o s.fd
head -c 65536 /dev/zero | tr '\0' 'x' >big.bin
expect_fail 6 s.fd "need [0-9]+ bytes \(1 variable\) but the 2m store holds only 57244" -- \
	"$IGVMKIT" vars store --size 2m --set Big:zero:NV,BS:big.bin -o s.fd
"$IGVMKIT" vars store --size 4m --set Big:zero:NV,BS:big.bin -o big4.fd && ok "64 KiB variable fits the 4m store" || fail "4m store"

# Damaged stores as input.
"$IGVMKIT" vars store --size 2m --pk PK.crt -o good.fd || fail "good store"
python3 - <<'PY'
d = bytearray(open("good.fd", "rb").read())
c = bytearray(d); c[0x32] ^= 1; open("badsum.fd", "wb").write(c)
c = bytearray(d); c[0x66] = 0x11; open("badstate.fd", "wb").write(c)
c = bytearray(d) + bytes(0x1000); c[0x20:0x28] = (0x21000).to_bytes(8, "little"); open("odd.fd", "wb").write(c)
open("short.fd", "wb").write(d[:0x10000])
PY
expect_fail 3 s.fd "badsum.fd:offset 0x32: firmware volume header checksum is wrong" -- "$IGVMKIT" vars store -i badsum.fd -o s.fd
expect_fail 3 s.fd "unknown State 0x11" -- "$IGVMKIT" vars store -i badstate.fd -o s.fd
expect_fail 3 s.fd "FvLength.*matches no OVMF build" -- "$IGVMKIT" vars json -i odd.fd -o s.fd
expect_fail 3 s.fd "FvLength 0x20000 is larger than the file" -- "$IGVMKIT" vars list short.fd
expect_fail 2 s.fd "differs from the input's 2m layout" -- "$IGVMKIT" vars store -i good.fd --size 4m -o s.fd

# Malformed QEMU JSON stores: each names line and column.
cat >j1.json <<'J'
{"version": 2, "variables": [
  {"guid": "8be4df61-93ca-11d2-aa0d-00e098032b8c", "name": "PK", "attr": 39, "data": "zz"}]}
J
expect_fail 3 s.fd 'j1.json:line 2, column [0-9]+: "data" is not hex' -- "$IGVMKIT" vars store -i j1.json -o s.fd
cat >j2.json <<'J'
{"version": 2, "variables": [
  {"guid": "8be4df61-93ca-11d2-aa0d-00e098032b8c", "name": "PK", "attr": 39, "data": "00", "colour": "red"}]}
J
expect_fail 3 s.fd 'line 2, column [0-9]+: unknown member "colour"' -- "$IGVMKIT" vars store -i j2.json -o s.fd
cat >j3.json <<'J'
{"version": 3, "variables": []}
J
expect_fail 7 s.fd "only version 2 is known" -- "$IGVMKIT" vars store -i j3.json -o s.fd
cat >j4.json <<'J'
{"version": 2, "variables": [
  {"guid": "8be4df61-93ca-11d2-aa0d-00e098032b8c", "name": "PK", "attr": 39, "data": "00"},
  {"guid": "8be4df61-93ca-11d2-aa0d-00e098032b8c", "name": "PK", "attr": 39, "data": "01"}]}
J
expect_fail 3 s.fd "line 3, column [0-9]+: duplicate variable 'PK'" -- "$IGVMKIT" vars store -i j4.json -o s.fd
printf '{"version": 2, "variables": [ {"name": "PK",' >j5.json
expect_fail 3 s.fd "not valid JSON" -- "$IGVMKIT" vars store -i j5.json -o s.fd
cat >j6.json <<'J'
{"version": 2, "variables": [
  {"guid": "8be4df61-93ca-11d2-aa0d-00e098032b8c", "name": "PK", "attr": 39, "data": "00", "time": "00"}]}
J
expect_fail 3 s.fd '"time" must be 32 hex digits' -- "$IGVMKIT" vars store -i j6.json -o s.fd

# .auth problems.
expect_fail 2 x.auth "needs a TimeStamp" -- "$IGVMKIT" vars auth PK -k PK.key -c PK.crt -o x.auth PK.esl
expect_fail 5 x.auth "does not match the signing certificate" -- \
	"$IGVMKIT" vars auth PK -t 0 -k KEK.key -c PK.crt -o x.auth PK.esl
expect_fail 2 x.auth "'2024-13-01 00:00:00' is not a valid date" -- \
	"$IGVMKIT" vars auth PK -t "2024-13-01 00:00:00" --unsigned -o x.auth PK.esl
expect_fail 3 x.auth "no well-known namespace" -- "$IGVMKIT" vars auth Foo -t 0 --unsigned -o x.auth one.bin
"$IGVMKIT" vars auth KEK -t "2024-01-01 00:00:00" -k PK.key -c PK.crt -o kek.auth PK.esl || fail "auth"
head -c 30 kek.auth >short.auth
expect_fail 3 - "not a signature list, .auth file, edk2 variable store or QEMU JSON store" -- "$IGVMKIT" vars list short.auth
expect_fail 1 - "signature does not verify" -- "$IGVMKIT" vars verify kek.auth KEK --cert KEK.crt
expect_fail 1 - "signature does not verify" -- "$IGVMKIT" vars verify kek.auth db --cert PK.crt

# Control characters in variable names (hostile stores would send terminal
# escape sequences through vars list / inspect): refused when written and read.
expect_fail 3 s.fd "control character U\\+001B at character 1" -- \
	"$IGVMKIT" vars store --set "$(printf 'A\033[2JB')":zero:NV,BS:one.bin -o s.fd
"$IGVMKIT" vars store --set AQZB:zero:NV,BS:one.bin -o named.fd || fail "named store"
python3 - <<'PY'
d = open("named.fd", "rb").read(); n = "AQZB".encode("utf-16-le"); i = d.find(n)
open("esc.fd", "wb").write(d[:i + 2] + b"\x1b\x00" + d[i + 4:])
PY
expect_fail 3 - "esc.fd:variable at offset 0x[0-9a-f]+: variable name has the control character U\\+001B" -- \
	"$IGVMKIT" vars list esc.fd

# Usage errors.
expect_fail 2 - "unknown subcommand 'frobnicate'" -- "$IGVMKIT" vars frobnicate
expect_fail 2 out.esl "no entries given" -- "$IGVMKIT" vars esl -o out.esl
expect_fail 2 s.fd "--owner expects a GUID" -- "$IGVMKIT" vars store --owner xyz --pk PK.crt -o s.fd
expect_fail 4 s.fd "missing.crt" -- "$IGVMKIT" vars store --pk missing.crt -o s.fd
finish
