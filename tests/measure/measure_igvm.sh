#!/bin/sh
# SPDX-License-Identifier: MIT
# `igvmkit measure` on IGVM files written by tests/measure/mkigvm.py (an independent Python
# writer): the QEMU/KVM loader model against a Python model of the same file, the measure.md
# §5.3 value for Debian's OVMF.fd wrapped in an IGVM, and IGVM-specific refusals.
set -u
ik=$1
here=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
mk() { python3 "$here/mkigvm.py" "$1" "$tmp/$1.igvm" && echo "$tmp/$1.igvm"; }

small=$(mk snp-small)
# QEMU model, 1 and 5 vCPUs (APs without a VP context get QEMU's reset state, EPYC-Genoa).
for n in 1 5; do
	want=$(python3 "$here/mkigvm.py" --expect $n 0x00A10F10)
	got=$("$ik" measure --vcpus $n --vcpu-type EPYC-Genoa "$small" | tail -n 1)
	[ "$got" = "$want" ] && pass "snp-small-$n-vcpus" || bad "snp-small-$n-vcpus: $got != $want"
done
# The igvm-crate model measures in file order: the insert after the pages would differ, but
# here inserts come first, so only the VMSA count (1, from the file) can differ from QEMU's.
got=$("$ik" measure --loader igvm-crate --vcpus 4 "$small" | tail -n 1)
want=$(python3 "$here/mkigvm.py" --expect 1 0)
[ "$got" = "$want" ] && pass crate-model-ignores-vcpus || bad "crate-model-ignores-vcpus: $got != $want"

# measure.md §5.3: OVMF.fd wrapped (ROM pages, ASEV groups, BSP VMSA) under QEMU's loader.
if [ -f /usr/share/ovmf/OVMF.fd ] && [ "$(sha256sum /usr/share/ovmf/OVMF.fd | cut -d' ' -f1)" = \
	7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773 ]; then
	got=$("$ik" measure "$(mk snp-ovmf)" | tail -n 1)
	[ "$got" = 452085ba208daeb9c3e63ba501f856c0c59f065eeae4a8e3a6d4ee60fd9fd6f7927878a97a8d3e785704934801355d0e ] &&
		pass igvm-wrapped-ovmf || bad "igvm-wrapped-ovmf: $got"
	# measure.md §5.3: with igvmmeasure's --native-zero semantics (data-less NORMAL pages as ZERO
	# pages) and one vCPU, the wrapped file gives the direct-boot digest of §7.2 (sev-snp-measure).
	got=$("$ik" measure --loader igvmmeasure --native-zero "$tmp/snp-ovmf.igvm" | tail -n 1)
	[ "$got" = 11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3 ] &&
		pass igvmmeasure-native-zero-equals-direct-boot || bad "igvmmeasure-native-zero-equals-direct-boot: $got"
fi

# JSON names the loader and the policy read from GUEST_POLICY.
"$ik" measure --json "$small" | python3 -c '
import json, sys
m = json.load(sys.stdin)["measurements"][0]
assert m["input"] == "igvm" and m["loader"] == "qemu" and m["policy"] == "0x30000", m
assert m["compatibility_mask"] == "0x1" and m["vcpus"] == 1' && pass igvm-json || bad igvm-json

# TDX has no QEMU IGVM loader: measured with the crate model, and said so.
"$ik" measure --json --platform tdx "$(mk snp-tdx-small)" | python3 -c '
import json, sys
m = json.load(sys.stdin)["measurements"][0]
assert m["loader"] == "igvm-crate" and m["field"] == "MRTD", m' && pass tdx-crate-model || bad tdx-crate-model

refuse() {
	name=$1 code=$2 pattern=$3
	shift 3
	"$ik" measure "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$code" ] && grep -q -e "$pattern" "$tmp/err" && pass "$name" ||
		bad "$name: exit $rc: $(cat "$tmp/err")"
}
refuse parameter-area-huge 6 "exceeds the 4 GiB" "$(mk snp-huge-parameter-area)"
refuse snp-without-vmsa 3 "VP_CONTEXT" "$(mk snp-no-vmsa)"
refuse snp-without-vmsa-crate 3 "VP_CONTEXT" --loader igvm-crate "$tmp/snp-no-vmsa.igvm"
refuse platform-not-declared 3 "declares no sev-es platform" --platform sev-es "$small"
refuse aps-need-vcpu-type 3 "vCPU 1 has no VP_CONTEXT" --vcpus 2 "$small"
refuse features-fixed-by-vmsa 3 "guest features come from" --guest-features 0x21 "$small"
refuse vmm-for-rom-only 3 "direct ROM launches" --vmm ec2 "$small"
refuse sev-es-crate-undefined 7 "igvm crate defines no" --platform sev-es --loader igvm-crate "$(mk sev-es-small)"
"$ik" measure --platform sev-es "$tmp/sev-es-small.igvm" >/dev/null && pass sev-es-igvm || bad sev-es-igvm
exit $fail
