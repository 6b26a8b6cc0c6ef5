#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: `igvmkit measure --platform sev-snp` on a ROM (default Debian's OVMF.fd) against
# `openssl dgst -sha384` of the same file.  Runs alternate (igvmkit, openssl, igvmkit, ...) so
# both see the same machine state; each pair gives a ratio igvmkit/openssl and the median of the
# ratios is reported.  Target: <= 1.5 (docs/performance.md).
#
#   tools/bench/measure.sh [IGVMKIT [ROM [RUNS]]]
set -eu
ik=${1:-build/igvmkit}
rom=${2:-/usr/share/ovmf/OVMF.fd}
runs=${3:-41}
[ -x "$ik" ] || { echo "igvmkit binary '$ik' not found (build it, or pass its path)" >&2; exit 2; }
[ -f "$rom" ] || { echo "ROM '$rom' not found" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 2; }

now_ns() { date +%s%N; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Warm the page cache and both binaries once.
"$ik" measure --platform sev-snp --vcpus 4 --vcpu-type EPYC-v4 "$rom" >/dev/null
openssl dgst -sha384 "$rom" >/dev/null
i=0
while [ $i -lt "$runs" ]; do
	t0=$(now_ns)
	"$ik" measure --platform sev-snp --vcpus 4 --vcpu-type EPYC-v4 "$rom" >/dev/null
	t1=$(now_ns)
	openssl dgst -sha384 "$rom" >/dev/null
	t2=$(now_ns)
	echo "$((t1 - t0)) $((t2 - t1))" >> "$tmp"
	i=$((i + 1))
done
python3 - "$tmp" "$rom" "$runs" <<'PY'
import statistics, sys
pairs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
ik = [a for a, _ in pairs]
ossl = [b for _, b in pairs]
ratio = statistics.median(a / b for a, b in pairs)
print(f"ROM: {sys.argv[2]}, {sys.argv[3]} alternating runs each")
print(f"igvmkit measure --platform sev-snp: median {statistics.median(ik) / 1e6:.2f} ms")
print(f"openssl dgst -sha384:               median {statistics.median(ossl) / 1e6:.2f} ms")
print(f"median ratio igvmkit/openssl: {ratio:.2f} (target <= 1.5)")
sys.exit(0 if ratio <= 1.5 else 1)
PY
