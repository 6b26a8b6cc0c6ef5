#!/bin/sh
# `igvmkit inspect` recognises more than IGVM: UEFI signature lists and edk2 variable stores are
# routed to the vars describer; unknown bytes are refused naming the kinds (exit 3).
set -u
ik=$1
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -r "$vars" ] || { echo "SKIP: $vars missing (package ovmf)"; exit 77; }

"$ik" inspect --json "$vars" > "$tmp/store.json" || { echo "FAIL: inspect of $vars"; fail=1; }
python3 - "$tmp/store.json" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
# Debian's empty 4 MiB store: geometry 0x84000, no variables (vars.md §5).
assert doc["format"] == "varstore", doc["format"]
assert doc["layout"] == "4m" and doc["fv_length"] == 0x84000, doc
assert doc["used_bytes"] == 0, doc["used_bytes"]
PY

"$ik" vars esl --sha256 "$(printf '%064d' 0 | tr 0 a)" -o "$tmp/db.esl" || { echo "FAIL: vars esl"; fail=1; }
"$ik" inspect "$tmp/db.esl" > "$tmp/esl.txt" || { echo "FAIL: inspect of an ESL"; fail=1; }
grep -qi "sha256" "$tmp/esl.txt" && grep -q "aaaaaaaa" "$tmp/esl.txt" ||
	{ echo "FAIL: ESL description lacks the hash:"; cat "$tmp/esl.txt"; fail=1; }

printf 'neither IGVM nor UEFI variable data' > "$tmp/junk.bin"
"$ik" inspect "$tmp/junk.bin" > /dev/null 2> "$tmp/err.txt"; rc=$?
[ "$rc" -eq 3 ] || { echo "FAIL: junk input exit $rc, expected 3"; fail=1; }
grep -q "junk.bin" "$tmp/err.txt" || { echo "FAIL: error does not name the file:"; cat "$tmp/err.txt"; fail=1; }
[ $fail -eq 0 ] && echo "inspect formats: ok"
exit $fail
