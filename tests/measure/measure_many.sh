#!/bin/sh
# SPDX-License-Identifier: MIT
# measure_igvm_many against measure_igvm, option set by option set (test_measure_many FILE...),
# on IGVM files from outside the unit test: the default layout built by `igvmkit build` (Debian's
# OVMF.fd for sev-snp, tdx, sev-es and native; needs package ovmf) and the files
# tests/measure/mkigvm.py writes independently of igvmkit's writer.  Then `igvmkit build` of the
# default layout with every reference value it lists: the measurements JSON must hold, in the
# layout's order, what `igvmkit measure` gives for each one alone.
set -u
ik=$1
many=$2
here=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

files=
for name in snp-small snp-tdx-small sev-es-small; do
	python3 "$here/mkigvm.py" $name "$tmp/$name.igvm" || { bad "mkigvm.py $name"; continue; }
	files="$files $tmp/$name.igvm"
done
ovmf=/usr/share/ovmf/OVMF.fd
if [ -f $ovmf ]; then
	if "$ik" build -q -o "$tmp/default" >"$tmp/err" 2>&1; then
		files="$files $tmp/default/ovmf.igvm"
	else
		bad "igvmkit build (default layout): $(cat "$tmp/err")"
	fi
fi
# shellcheck disable=SC2086
"$many" $files && pass "many equals one by one:$files" || bad "many differs from one by one"

if [ ! -f $ovmf ]; then
	echo "skip build-json-matches-measure: $ovmf missing (package ovmf)"
	[ $fail -eq 0 ] && exit 77
	exit $fail
fi
# The default layout's matrix (templates/measure-qemu.yaml: vCPUs 1, 2, 4, 8 x EPYC-v4,
# EPYC-Milan, EPYC-Genoa) plus the igvmmeasure model with native zero pages.
cat >"$tmp/refs.yaml" <<YAML
platforms:
  sev-snp: {policy: 0x30000}
  tdx: {policy: 0x2}
  sev-es:
  native:
measure:
  loader: [qemu, igvmmeasure]
  native-zero: true
  vmm: [qemu]
  vcpus: [1, 2, 4, 8]
  vcpu-types: [EPYC-v4, EPYC-Milan, EPYC-Genoa]
components:
  ovmf: {type: ovmf, file: $ovmf}
outputs:
  igvm: refs.igvm
  measurements: refs.json
YAML
if ! "$ik" build -q -o "$tmp/refs" "$tmp/refs.yaml" >"$tmp/err" 2>&1; then
	bad "igvmkit build (all references): $(cat "$tmp/err")"
	exit 1
fi
python3 - "$ik" "$tmp/refs/refs.igvm" "$tmp/refs/refs.json" <<'PY' && pass build-json-matches-measure || bad build-json-matches-measure
import json, subprocess, sys
ik, igvm, doc = sys.argv[1:]
ms = json.load(open(doc))["measurements"]
# QEMU model: SEV-SNP and SEV-ES, 4 vCPU counts x 3 types each; TDX one (crate model);
# igvmmeasure: the VMSAs are the file's, so one value per type for SEV-SNP and SEV-ES.
assert len(ms) == 2 * 12 + 1 + 2 * 3, len(ms)
assert [m["loader"] for m in ms[:12]] == ["qemu"] * 12 and ms[0]["platform"] == "sev-snp", ms[:12]
for m in ms:
    cmd = [ik, "measure", "--platform", m["platform"], "--loader", m["loader"], igvm]
    if m["platform"] in ("sev-snp", "sev-es"):
        if m["loader"] == "qemu":
            cmd += ["--vcpus", str(m["vcpus"]), "--vcpu-type", m["vcpu_type"]]
        if m["loader"] == "igvmmeasure":
            cmd.append("--native-zero")
    got = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()[-1]
    assert got == m["digest"], (cmd, got, m["digest"])
PY
exit $fail
