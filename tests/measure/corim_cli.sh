#!/bin/sh
# SPDX-License-Identifier: MIT
# igvmkit measure --corim and inspect of CoRIMs (docs/corim.md, docs/cmd/measure.md,
# docs/cmd/inspect.md): the files written, all or none; inspect text and exit codes for bad
# documents; corim_check_igvm (test_corim_check) against the file and against another one.
set -u
ik=$1
here=$2
check=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
python3 "$here/mkigvm.py" snp-tdx-small "$tmp/st.igvm" || exit 1
python3 "$here/mkigvm.py" snp-small "$tmp/other.igvm" || exit 1

"$ik" measure -q --corim "$tmp/a" --svn 3 "$tmp/st.igvm" && [ -s "$tmp/a-snp.cbor" ] &&
	[ -s "$tmp/a-tdx.cbor" ] && [ -s "$tmp/a-matrix.cbor" ] && pass writes-three || bad writes-three
"$ik" measure -q --corim "$tmp/b" --corim-profile launch-measurement "$tmp/st.igvm" &&
	[ -s "$tmp/b-snp.cbor" ] && [ ! -e "$tmp/b-matrix.cbor" ] && pass profile-launch || bad profile-launch
"$ik" measure -q --corim "$tmp/c" --corim-profile reference-matrix --vcpus 2 --vcpu-type EPYC-v4 \
	"$tmp/st.igvm" && [ ! -e "$tmp/c-snp.cbor" ] &&
	[ "$("$ik" inspect "$tmp/c-matrix.cbor" | grep -c '^  \[')" = 2 ] && pass matrix-narrowed ||
	bad matrix-narrowed
# deterministic: the same bytes twice
"$ik" measure -q --corim "$tmp/d" --svn 3 "$tmp/st.igvm" && cmp -s "$tmp/a-matrix.cbor" "$tmp/d-matrix.cbor" &&
	cmp -s "$tmp/a-snp.cbor" "$tmp/d-snp.cbor" && pass deterministic || bad deterministic

out=$("$ik" inspect "$tmp/a-snp.cbor")
echo "$out" | grep -q "profile: tag:microsoft.com,2026:launch-measurement/v1" &&
	echo "$out" | grep -q "tag-id 77e8061e-4634-5e53-a848-d1d09e996843" && echo "$out" | grep -q "svn 3" &&
	pass inspect-text || bad "inspect-text: $out"
"$ik" inspect --json "$tmp/a-tdx.cbor" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r, = d["reference_values"]
assert d["format"] == "corim" and d["profile_name"] == "launch-measurement", d
assert r["mkey"] == "MRTD" and r["algorithm_id"] == 7 and r["svn"] == 3, r' && pass inspect-json || bad inspect-json

# the library check against the IGVM: equal for the file, a named difference for another
r=$("$check" "$tmp/st.igvm" "$tmp/a-matrix.cbor") && [ "$r" = "ok 13" ] && pass check-matrix || bad "check-matrix: $r"
r=$("$check" "$tmp/st.igvm" "$tmp/a-snp.cbor") && pass check-launch || bad "check-launch: $r"
python3 - "$tmp/a-matrix.cbor" "$tmp/tampered.cbor" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
at = b.index(bytes.fromhex("82075830")) + 4 + 47  # last byte of the first digest
b[at] ^= 1
open(sys.argv[2], "wb").write(b)
PY
r=$("$check" "$tmp/st.igvm" "$tmp/tampered.cbor")
[ $? -eq 1 ] && echo "$r" | grep -q "reference value 0 (sev-snp, qemu, vmm qemu, 1 vCPU, EPYC-v4): the CoRIM says" &&
	pass check-differs || bad "check-differs: $r"
r=$("$check" "$tmp/other.igvm" "$tmp/a-tdx.cbor")
[ $? -eq 3 ] && echo "$r" | grep -q "reference value 0 (tdx" && pass check-platform-missing ||
	bad "check-platform-missing: $r"

# bad documents: exit 3 (1 MiB + 1: 6), the place named, nothing printed on stdout
refuse() {
	name=$1 code=$2 pattern=$3 file=$4
	"$ik" inspect "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$code" ] && grep -q -e "$pattern" "$tmp/err" && [ ! -s "$tmp/out" ] && pass "$name" ||
		bad "$name: exit $rc, $(cat "$tmp/err")"
}
head -c 300 "$tmp/a-snp.cbor" >"$tmp/trunc.cbor"
refuse truncated 3 "trunc.cbor:offset 0x.*truncated CBOR" "$tmp/trunc.cbor"
cp "$tmp/a-snp.cbor" "$tmp/trail.cbor" && printf '\000' >>"$tmp/trail.cbor"
refuse trailing 3 "offset 0x14c: trailing bytes" "$tmp/trail.cbor"
python3 - "$tmp/a-snp.cbor" "$tmp/alg.cbor" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b.replace(bytes.fromhex("82075830"), bytes.fromhex("82015830"), 1))
PY
refuse wrong-alg 3 "reference-triples\[0\] / measurements\[0\] / mval / digests / \[0\] (offset 0x.*digest algorithm 1" "$tmp/alg.cbor"
{ printf '\331\001\365'; head -c 1048576 /dev/zero; } >"$tmp/big.cbor"
refuse oversize 6 "exceeds the limit" "$tmp/big.cbor"

# usage errors and all-or-nothing
"$ik" measure --svn 1 "$tmp/st.igvm" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "need --corim" "$tmp/err" && pass svn-needs-corim || bad svn-needs-corim
"$ik" measure --corim "$tmp/e" --corim-profile x "$tmp/st.igvm" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && pass bad-profile || bad bad-profile
if [ -f /usr/share/ovmf/OVMF.fd ]; then
	"$ik" measure --corim "$tmp/f" --vcpu-type EPYC-v4 /usr/share/ovmf/OVMF.fd >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q "needs an IGVM file" "$tmp/err" && ! ls "$tmp"/f-* >/dev/null 2>&1 &&
		pass rom-refused || bad rom-refused
fi
mkdir "$tmp/g-tdx.cbor"
"$ik" measure -q --corim "$tmp/g" -o "$tmp/g.json" "$tmp/st.igvm" 2>"$tmp/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$tmp/g-snp.cbor" ] && [ ! -e "$tmp/g.json" ] && [ ! -e "$tmp/g-matrix.cbor" ] &&
	pass all-or-none || bad "all-or-none: exit $rc $(cat "$tmp/err")"
# an output naming the input (PREFIX-snp.cbor is the IGVM): exit 2, nothing written, input kept
cp "$tmp/st.igvm" "$tmp/h-snp.cbor"
"$ik" measure -q --corim "$tmp/h" "$tmp/h-snp.cbor" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "output is the input" "$tmp/err" && cmp -s "$tmp/st.igvm" "$tmp/h-snp.cbor" &&
	[ ! -e "$tmp/h-matrix.cbor" ] && pass output-is-input || bad "output-is-input: exit $rc $(cat "$tmp/err")"
# --corim-key/--corim-cert: PREFIX-*.cose beside each document, detached COSE_Sign1 that
# igvmkit verify accepts against the certificate and the IGVM; Ed25519 is deterministic
openssl req -x509 -newkey ed25519 -nodes -keyout "$tmp/ed.key" -out "$tmp/ed.crt" -subj "/CN=corim cli test" \
	-days 1 2>/dev/null || { echo "FAIL openssl req"; exit 1; }
# (the documents are those of the unsigned run: b-snp.cbor has the same SVN 0)
"$ik" measure -q --corim "$tmp/s" --corim-key "$tmp/ed.key" --corim-cert "$tmp/ed.crt" "$tmp/st.igvm" &&
	[ -s "$tmp/s-snp.cose" ] && [ -s "$tmp/s-tdx.cose" ] && [ -s "$tmp/s-matrix.cose" ] &&
	cmp -s "$tmp/s-snp.cbor" "$tmp/b-snp.cbor" && pass signed-files || bad signed-files
for part in snp tdx matrix; do
	"$ik" verify --cert "$tmp/ed.crt" --payload "$tmp/s-$part.cbor" --igvm "$tmp/st.igvm" "$tmp/s-$part.cose" \
		>"$tmp/out" 2>&1 && grep -q "verification OK" "$tmp/out" && pass "signed-verify-$part" ||
		bad "signed-verify-$part: $(cat "$tmp/out")"
done
"$ik" measure -q --corim "$tmp/t" --corim-key "$tmp/ed.key" --corim-cert "$tmp/ed.crt" "$tmp/st.igvm" &&
	cmp -s "$tmp/s-snp.cose" "$tmp/t-snp.cose" && pass signed-deterministic-ed25519 || bad signed-deterministic-ed25519
"$ik" measure --corim "$tmp/u" --corim-key "$tmp/ed.key" "$tmp/st.igvm" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "go together" "$tmp/err" && ! ls "$tmp"/u-* >/dev/null 2>&1 && pass key-needs-cert ||
	bad key-needs-cert
"$ik" measure --corim-key "$tmp/ed.key" --corim-cert "$tmp/ed.crt" "$tmp/st.igvm" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "need --corim PREFIX" "$tmp/err" && pass key-needs-corim || bad key-needs-corim
"$ik" measure --corim "$tmp/v" --corim-key "$tmp/missing.key" --corim-cert "$tmp/ed.crt" "$tmp/st.igvm" \
	>/dev/null 2>"$tmp/err"
rc=$?
[ $rc -ne 0 ] && grep -q "missing.key" "$tmp/err" && ! ls "$tmp"/v-* >/dev/null 2>&1 && pass missing-key ||
	bad "missing-key: exit $rc $(cat "$tmp/err")"
exit $fail
