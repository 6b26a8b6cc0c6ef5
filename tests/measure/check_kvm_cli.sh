#!/bin/sh
# SPDX-License-Identifier: MIT
# `igvmkit inspect --check-kvm` / `--strict` and the QEMU/KVM check of `igvmkit build`
# (docs/measure.md "QEMU/KVM rules", "ID blocks igvmmeasure signs") on files made with
# tests/igvm/gen_igvm.py.
#   check_kvm_cli.sh IGVMKIT SRC
ik=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

PYTHONPATH=$src/tests/igvm python3 - "$tmp" <<'PY' || exit 1
import sys
import gen_igvm as g
out = sys.argv[1]
snp = g.vmsa({"cs": (0xF000, 0x9B, 0xFFFF, 0xFFFF0000), "rip": 0xFFF0, "rflags": 2, "cr0": 0x10,
              "efer": 0x1000, "sev_features": 1})
es = g.vmsa({"cs": (0xF000, 0x9B, 0xFFFF, 0xFFFF0000), "rip": 0xFFF0, "rflags": 2, "cr0": 0x10,
             "efer": 0x1000})
plat = [g.hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, platform_type=2, platform_version=1),
        g.hdr("SUPPORTED_PLATFORM", compatibility_mask=0x2, platform_type=5, platform_version=1)]
page = g.hdr("PAGE_DATA", g.page(0x77), gpa=0xFFFFF000, compatibility_mask=0x3)
# what igvmkit builds: an SNP and an SEV-ES VMSA, CR0 0x10 (QEMU/KVM accept; igvmmeasure -c not)
good = plat + [page, g.hdr("VP_CONTEXT", snp, gpa=0xFFFFFFFFF000, compatibility_mask=0x1, vp_index=0),
               g.hdr("VP_CONTEXT", es, gpa=0xFFFFFFFFF000, compatibility_mask=0x2, vp_index=0)]
open(out + "/good.igvm", "wb").write(g.serialize(good))
# a VMSA away from KVM's fixed GPA: QEMU refuses it
gpa = plat + [page, g.hdr("VP_CONTEXT", snp, gpa=0xFFFFFFFFE000, compatibility_mask=0x1, vp_index=0)]
open(out + "/gpa.igvm", "wb").write(g.serialize(gpa))
PY

# A file QEMU/KVM accept: notes for igvmmeasure's rules only, exit 0.
out=$("$ik" inspect --check-kvm "$tmp/good.igvm") && rc=0 || rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '^QEMU/KVM checks:' &&
	echo "$out" | grep -q 'note \[igvmmeasure-cr0\] header 3: VMSA CR0 0x10' &&
	echo "$out" | grep -q 'note \[igvmmeasure-one-vmsa\] header 4' &&
	echo "$out" | grep -q 'source: svsm tools/igvmmeasure/src/igvm_measure.rs:399-402' &&
	! echo "$out" | grep -q '  error \['; then
	pass check-kvm-notes
else
	bad "check-kvm-notes: exit $rc: $out"
fi
"$ik" inspect --check-kvm --json "$tmp/good.igvm" | python3 -c '
import json, sys
d = json.load(sys.stdin)
rules = [(f["rule"], f["level"], f["header_index"]) for f in d["kvm_checks"]]
assert rules == [("igvmmeasure-cr0", "note", 3), ("igvmmeasure-one-vmsa", "note", 4),
                 ("igvmmeasure-cr0", "note", 4)], rules
assert all("igvm_measure.rs" in f["source"] for f in d["kvm_checks"])
assert "notes" not in d' && pass check-kvm-json || bad check-kvm-json
# Without --check-kvm: no "kvm_checks" key, no section.
"$ik" inspect --json "$tmp/good.igvm" | python3 -c '
import json, sys
assert "kvm_checks" not in json.load(sys.stdin)' && pass no-check-kvm-key || bad no-check-kvm-key

# A file QEMU refuses: the description, then exit 3 naming the file.
out=$("$ik" inspect --check-kvm "$tmp/gpa.igvm" 2>"$tmp/err") && rc=0 || rc=$?
if [ $rc = 3 ] && echo "$out" | grep -q 'error \[qemu-vmsa-gpa\] header 3: VMSA gpa 0xffffffffe000' &&
	echo "$out" | grep -q 'source: QEMU target/i386/sev.c check_vmsa_supported' &&
	grep -q "gpa.igvm: QEMU/KVM would refuse the file (1 finding" "$tmp/err"; then
	pass check-kvm-error
else
	bad "check-kvm-error: exit $rc: $out $(cat "$tmp/err")"
fi
"$ik" inspect "$tmp/gpa.igvm" >/dev/null && pass inspect-without-check || bad inspect-without-check

# igvmkit build refuses a layout whose IGVM QEMU/KVM would refuse: exit 7, nothing written.
cat >"$tmp/gpa.yaml" <<EOF2
version: 1
platforms:
  sev-snp:
components:
  old:
    type: igvm
    file: $tmp/gpa.igvm
outputs:
  igvm: out.igvm
measure:
  loader: igvm-crate
EOF2
"$ik" build -q -o "$tmp/out" "$tmp/gpa.yaml" 2>"$tmp/err" && rc=0 || rc=$?
if [ $rc = 7 ] && [ ! -e "$tmp/out/out.igvm" ] &&
	grep -q 'gpa.yaml:header 3 (VP_CONTEXT): QEMU/KVM would refuse the IGVM \[qemu-vmsa-gpa\]' "$tmp/err"; then
	pass build-refuses
else
	bad "build-refuses: exit $rc: $(cat "$tmp/err")"
fi
# ... and builds what QEMU/KVM accept, without a word about igvmmeasure's own rules.
sed "s#$tmp/gpa.igvm#$tmp/good.igvm#" "$tmp/gpa.yaml" >"$tmp/good.yaml"
"$ik" build -q -o "$tmp/out" "$tmp/good.yaml" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
	[ -s "$tmp/out/out.igvm" ] && pass build-accepts || bad "build-accepts: $(cat "$tmp/err")"

exit $fail
