#!/bin/sh
# Every issue-8 benchmark of docs/performance.md, one after the other, so the
# figures come from one run on one machine state.
#   tools/bench/all.sh [IGVMKIT]      (default: build/igvmkit)
set -u
here=$(cd "$(dirname "$0")" && pwd)
IK=${1:-build/igvmkit}
echo "== start $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
"$here/measure.sh" "$IK" /usr/share/ovmf/OVMF.fd 41 || rc=1
python3 "$here/bench.py" build4 --ik "$IK" --runs 11 || rc=1
python3 "$here/bench.py" build4 --ik "$IK" --all-refs --runs 11 || rc=1
python3 "$here/bench.py" vcpus --ik "$IK" --runs 11 || rc=1
python3 "$here/bench.py" payload --ik "$IK" --runs 2 || rc=1
python3 "$here/bench.py" fuki-payload --ik "$IK" --runs 1 || rc=1
echo "== end $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
