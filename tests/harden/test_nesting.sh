#!/bin/sh
# Deeply nested YAML/JSON inputs are refused at once: libyaml's load time grows with
# the square of the nesting depth, so a 400 KB file nested 200000 deep took minutes in
# yaml_parser_load before any check on the loaded tree ran (common/yaml_depth.h).
# Each reader (layout, CHID JSON for fuki --hwids, QEMU JSON variable store) must
# fail within seconds with exit 6 and a message naming the line and the depth.
# usage: test_nesting.sh IGVMKIT
set -u
ik=$1
tmp=$(mktemp -d /tmp/ik-nesting-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
python3 - <<'PY'
n = 200000
deep = '[' * n + ']' * n
open('deep.yaml', 'w').write('platforms: ' + deep + '\n')
open('deep-hwids.json', 'w').write('{"type": "uefi-fw", "name": "n", "fwid": "f", "hwids": ' + deep + '}')
open('deep-vars.json', 'w').write('{"version": 2, "variables": ' + deep + '}')
PY
fail=0
check() { # description command...
	what=$1; shift
	timeout 20 "$@" >out.txt 2>err.txt
	rc=$?
	if [ $rc -eq 124 ]; then
		echo "FAIL: $what: still running after 20 s"; fail=1
	elif [ $rc -ne 6 ]; then
		echo "FAIL: $what: exit $rc, expected 6"; cat err.txt; fail=1
	elif ! grep -Eq "nest(ed|ing) deeper than [0-9]+ levels" err.txt || ! grep -q "line 1, column" err.txt; then
		echo "FAIL: $what: unclear message: $(cat err.txt)"; fail=1
	else
		echo "ok: $what"
	fi
}
check "layout" "$ik" build -o out deep.yaml
[ -e out ] && { echo "FAIL: layout: output directory written"; fail=1; }
check "CHID JSON (fuki --hwids)" "$ik" fuki --any-payload --hwids deep-hwids.json -o o.efi deep.yaml
[ -e o.efi ] && { echo "FAIL: fuki: output written"; fail=1; }
check "QEMU JSON variable store (vars list)" "$ik" vars list deep-vars.json
exit $fail
