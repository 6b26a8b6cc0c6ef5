#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: `igvmkit diff --no-measure` on two 64 MiB IGVM files that differ in one byte,
# against `openssl dgst -sha256` of both files (what a hash-only reproducibility check costs).
# The files come from tests/diff/gen_igvm.py (16384 pages, two platforms).  Runs alternate so
# both commands see the same machine state; the median of the per-pair ratios is reported.
# Target: <= 4 (igvmkit reads, validates and models both files, pairs 16k headers and compares
# every page; the hash check only streams bytes).
#
#   tools/bench/diff.sh [IGVMKIT [RUNS]]
set -eu
ik=${1:-build/igvmkit}
runs=${2:-15}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$ik" ] || { echo "igvmkit binary '$ik' not found (build it, or pass its path)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$here/../../tests/diff" "$dir" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[1])
import gen_igvm as g
rng = random.Random(1)
hs = [g.platform(1, g.SEV_SNP), g.platform(2, g.NATIVE), g.policy(0x30000, 1)]
for i in range(16384):
    hs.append(g.page(0x100000 + i * 0x1000, 3, bytes([i & 0xff]) * 2048 + rng.randbytes(2048)))
hs.append(g.vp_context(0xFFFFFFFFF000, 1, g.vmsa()))
a = g.build(hs)
b = bytearray(a)
b[len(b) // 2] ^= 1
open(sys.argv[2] + '/a.igvm', 'wb').write(a)
open(sys.argv[2] + '/b.igvm', 'wb').write(b)
PY
now_ns() { date +%s%N; }
"$ik" diff --no-measure -q "$dir/a.igvm" "$dir/b.igvm" || true
openssl dgst -sha256 "$dir/a.igvm" "$dir/b.igvm" >/dev/null
i=0
while [ $i -lt "$runs" ]; do
	t0=$(now_ns)
	"$ik" diff --no-measure -q "$dir/a.igvm" "$dir/b.igvm" || [ $? -eq 1 ]
	t1=$(now_ns)
	openssl dgst -sha256 "$dir/a.igvm" "$dir/b.igvm" >/dev/null
	t2=$(now_ns)
	echo "$((t1 - t0)) $((t2 - t1))" >> "$dir/times"
	i=$((i + 1))
done
python3 - "$dir/times" "$runs" <<'PY'
import statistics, sys
pairs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
ratio = statistics.median(a / b for a, b in pairs)
print(f"2 x 64 MiB IGVM, one byte apart, {sys.argv[2]} alternating runs each")
print(f"igvmkit diff --no-measure: median {statistics.median(a for a, _ in pairs) / 1e6:.1f} ms")
print(f"openssl dgst -sha256 A B:  median {statistics.median(b for _, b in pairs) / 1e6:.1f} ms")
print(f"median ratio igvmkit/openssl: {ratio:.2f} (target <= 4)")
sys.exit(0 if ratio <= 4 else 1)
PY
