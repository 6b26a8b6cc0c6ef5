#!/bin/sh
# SPDX-License-Identifier: MIT
# `igvmkit measure` end to end: reference values on Debian's OVMF.fd (measure.md §7.2 from
# sev-snp-measure 0.0.13, §7.3 from td-shim's td_shim_tee_info_hash.py), output forms, IGVM
# input under both loader models, and bad input (synthetic ROMs named after what they break,
# built by rom_fixtures.py) with the documented exit codes and messages.
set -u
ik=$1
here=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ovmf=/usr/share/ovmf/OVMF.fd
# measure.md §1.4: the Debian 12 build the golden values were computed on.
ovmf_sha256=7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773

pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# expect NAME WANT ARGS...: last stdout line equals WANT.
expect() {
	name=$1 want=$2
	shift 2
	got=$("$ik" measure "$@" 2>"$tmp/err" | tail -n 1)
	[ "$got" = "$want" ] && pass "$name" || bad "$name: got '$got' want '$want' ($(cat "$tmp/err"))"
}

# refuse NAME CODE PATTERN ARGS...: exit code CODE and PATTERN in the error message.
refuse() {
	name=$1 code=$2 pattern=$3
	shift 3
	"$ik" measure "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$code" ]; then
		bad "$name: exit $rc, want $code ($(cat "$tmp/err"))"
	elif ! grep -q -e "$pattern" "$tmp/err"; then
		bad "$name: message lacks '$pattern': $(cat "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		bad "$name: printed output despite failing"
	else
		pass "$name"
	fi
}

if [ -f $ovmf ] && [ "$(sha256sum $ovmf | cut -d' ' -f1)" = $ovmf_sha256 ]; then
	expect snp-1vcpu 11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3 \
		--platform sev-snp --vcpus 1 --vcpu-type EPYC-v4 $ovmf
	expect snp-4vcpus 32ac9d7a17d28f7cd4404a4516d2f00519668c40ada2062351c36767e908eb3f090d66c33ab10f80150e00a4385b6d0f \
		--platform sev-snp --vcpus 4 --vcpu-type EPYC-v4 $ovmf
	expect sev-es-1vcpu 5bcbb5a45e7a9fa4699b6cc8f775382a810ff5a0186d3b90069ba28b1840b38f \
		--platform sev-es --vcpus 1 --vcpu-type EPYC-v4 $ovmf
	expect sev $ovmf_sha256 --platform sev $ovmf
	expect tdx-mrtd 4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47 \
		--platform tdx $ovmf
	# measure.md §7.2: Debian's OVMF.fd has no kernel-hashes support.
	printf 'k' > "$tmp/k"
	refuse snp-kernel-no-hashes-section 3 SNP_KERNEL_HASHES --vcpu-type EPYC-v4 --kernel "$tmp/k" $ovmf
	refuse sev-kernel-no-hash-area 3 "does not support kernel hashes" --platform sev --kernel "$tmp/k" $ovmf

	# Output forms: -v summary then the digest last; --json document; -o file; --expect.
	"$ik" measure -v --vcpu-type EPYC-v4 $ovmf > "$tmp/v" && [ "$(wc -l < "$tmp/v")" -gt 1 ] &&
		[ "$(tail -n 1 "$tmp/v")" = 11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3 ] &&
		pass verbose-last-line-digest || bad verbose-last-line-digest
	"$ik" measure --json -o "$tmp/m.json" --vcpus 2 --vcpu-type EPYC-Milan $ovmf > "$tmp/j" &&
		cmp -s "$tmp/j" "$tmp/m.json" &&
		python3 - "$tmp/j" <<'EOF' && pass json-document || bad json-document
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "igvmkit-measurements/1", doc
assert doc["image"]["sha256"] == "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773"
m = doc["measurements"][0]
assert m["platform"] == "sev-snp" and m["vcpus"] == 2 and m["vcpu_type"] == "EPYC-Milan"
assert m["vcpu_signature"] == "0xa00f11" and m["guest_features"] == "0x1" and m["field"] == "MEASUREMENT"
assert len(m["digest"]) == 96 and m["stats"]["vmsas"] == 2
EOF
	"$ik" measure --vcpu-type EPYC-v4 --expect 11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3 $ovmf >/dev/null &&
		pass expect-match || bad expect-match
	"$ik" measure --vcpu-type EPYC-v4 --expect 21570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3 $ovmf >/dev/null 2>&1
	[ $? -eq 1 ] && pass expect-mismatch-exit-1 || bad expect-mismatch-exit-1
	# A failing run leaves no JSON file behind.
else
	echo "note: Debian's OVMF.fd ($ovmf_sha256) absent: reference values skipped"
fi

# ---- Command line errors (exit 2) ----
python3 "$here/rom_fixtures.py" rom-all-sections "$tmp/good.fd"
refuse unknown-vcpu-type 2 "unknown vCPU type 'EPYC-Bogus'" --vcpu-type EPYC-Bogus "$tmp/good.fd"
refuse vcpus-zero 2 "between 1 and 512" --vcpus 0 --vcpu-type EPYC "$tmp/good.fd"
refuse vcpus-513 2 "between 1 and 512" --vcpus 513 --vcpu-type EPYC "$tmp/good.fd"
refuse bad-platform 2 "--platform" --platform sev-xyz "$tmp/good.fd"
refuse bad-vmm 2 "--vmm" --vmm kvmtool "$tmp/good.fd"
refuse initrd-without-kernel 2 "need --kernel" --initrd "$tmp/good.fd" "$tmp/good.fd"
refuse missing-vcpu-type 2 "vcpu-type" --platform sev-snp "$tmp/good.fd"
refuse no-file 2 "missing FILE" --vcpu-type EPYC
refuse absent-file 4 "absent.fd" --vcpu-type EPYC "$tmp/absent.fd"
"$ik" measure --vcpus 512 --vcpu-type EPYC-v4 "$tmp/good.fd" >/dev/null && pass vcpus-512 || bad vcpus-512

# ---- Synthetic ROMs: metadata a platform needs, malformed metadata ----
mk() { python3 "$here/rom_fixtures.py" "$1" "$tmp/$1.fd"; echo "$tmp/$1.fd"; }
refuse no-footer-table 3 "96b582de-1fb2-45f7-baea-a366c55a082d" --vcpu-type EPYC "$(mk rom-no-footer-table)"
refuse no-reset-block 3 "00f771de-1a7e-4fcb-890e-68c77e2fb44e" --platform sev-es --vcpu-type EPYC "$(mk rom-no-reset-block)"
refuse no-asev 3 "dc886566-984a-4798-a75e-5585a7bf67cc" --vcpu-type EPYC "$(mk rom-no-asev)"
refuse no-tdvf 3 "e47a6535-984a-4798-865e-4685a7bf8ec2" --platform tdx "$(mk rom-no-tdvf)"
refuse footer-length-too-large 3 "footer table" --platform sev "$(mk rom-footer-length-too-large)"
refuse footer-entry-length-short 3 "has length 5" --platform sev "$(mk rom-footer-entry-length-short)"
refuse asev-bad-signature 3 "'ASEV' signature" --vcpu-type EPYC "$(mk rom-asev-bad-signature)"
refuse asev-bad-version 3 "'ASEV' version" --vcpu-type EPYC "$(mk rom-asev-bad-version)"
refuse asev-count-huge 6 "at most 256" --vcpu-type EPYC "$(mk rom-asev-count-huge)"
refuse asev-section-unaligned 3 "4 KiB multiples" --vcpu-type EPYC "$(mk rom-asev-section-unaligned)"
refuse tdvf-length-mismatch 3 "'TDVF' Length" --platform tdx "$(mk rom-tdvf-length-mismatch)"
refuse tdvf-raw-data-outside 3 "lies outside the image" --platform tdx "$(mk rom-tdvf-raw-data-outside)"
"$ik" measure --vcpu-type EPYC "$tmp/rom-tdvf-raw-data-outside.fd" >/dev/null &&
	pass tdvf-outside-irrelevant-for-snp || bad tdvf-outside-irrelevant-for-snp
refuse tdvf-section-huge 6 "exceeds the 4 GiB" --platform tdx "$(mk rom-tdvf-section-huge)"
refuse asev-sections-huge 6 "beyond the 4 GiB" --vcpu-type EPYC "$(mk rom-asev-sections-huge)"
refuse tdvf-type-payload 7 "QEMU launches only" --platform tdx "$(mk rom-tdvf-type-payload)"
refuse hash-area-no-room 3 "no room" --vcpu-type EPYC --kernel "$tmp/good.fd" "$(mk rom-hash-area-no-room)"
refuse no-hash-area-sev 3 "7255371f" --platform sev --kernel "$tmp/good.fd" "$(mk rom-no-hash-area)"
refuse size-not-page-multiple 3 "not a multiple of 4 KiB" --vcpu-type EPYC "$(mk rom-size-not-page-multiple)"
# A failing run leaves no JSON file behind.
"$ik" measure --platform tdx -o "$tmp/none.json" "$tmp/rom-no-tdvf.fd" >/dev/null 2>&1
[ $? -eq 3 ] && [ ! -e "$tmp/none.json" ] && pass no-output-on-failure || bad no-output-on-failure
refuse tdx-with-kernel 7 "RTMR" --platform tdx --kernel "$tmp/good.fd" "$tmp/good.fd"
# A 2 MiB page for TDX (corpus tdx.igvm, header 5): the crate's model is the only TDX model, so
# the refusal must not send the user to the qemu model, whichever --loader was asked for.
corpus_tdx=$here/../fuzz/corpus/igvm/tdx.igvm
for loader in qemu igvm-crate; do
	refuse tdx-2mib-page-$loader 7 "the only TDX model; igvmkit cannot measure this file for TDX" \
		--platform tdx --loader $loader "$corpus_tdx"
	grep -q "qemu loader model" "$tmp/err" && bad "tdx-2mib-page-$loader: points to the qemu model"
done

exit $fail
