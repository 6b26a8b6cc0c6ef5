#!/bin/sh
# SPDX-License-Identifier: MIT
# `igvmkit vars` behaviour: help, determinism (directory, TZ, locale, umask),
# SOURCE_DATE_EPOCH, the QEMU JSON store, list/extract round trips.
. "$(dirname "$0")/lib.sh"
need openssl python3

make_key PK
make_key KEK
for sub in esl auth verify store json list extract; do
	"$IGVMKIT" vars $sub --help | grep -q "usage: igvmkit vars $sub" && ok "$sub --help" || fail "$sub --help"
done
"$IGVMKIT" vars --help | grep -q "extract" || fail "vars --help"

# Same inputs -> same bytes, whatever the directory, TZ, locale and umask.
seed() { # DIR
	mkdir -p "$1"
	(cd "$1" && umask "$2" && TZ="$3" LC_ALL="$4" SOURCE_DATE_EPOCH=1700000000 \
		"$IGVMKIT" vars store -g ovmf --pk ../PK.crt --kek ../KEK.crt --db ../KEK.der --secure-boot \
		-o vars.fd &&
		TZ="$3" SOURCE_DATE_EPOCH=1700000000 "$IGVMKIT" vars auth KEK -k ../PK.key -c ../PK.crt \
			-o kek.auth ../KEK.crt &&
		TZ="$3" SOURCE_DATE_EPOCH=1700000000 "$IGVMKIT" vars json -g ovmf --pk ../PK.crt \
			--secure-boot -o vars.json)
}
seed a 022 UTC C || fail "seed a"
seed b 077 America/New_York C.UTF-8 || fail "seed b"
for f in vars.fd kek.auth vars.json; do
	cmp -s a/$f b/$f && ok "$f reproducible" || fail "$f differs between runs"
done
# SOURCE_DATE_EPOCH is the TimeStamp (1700000000 = 2023-11-14 22:13:20 UTC).
"$IGVMKIT" vars list a/kek.auth | grep -q "TimeStamp: 2023-11-14 22:13:20" && ok "SOURCE_DATE_EPOCH -> TimeStamp" ||
	fail "SOURCE_DATE_EPOCH not used"
"$IGVMKIT" vars list a/vars.fd | grep -q "time 2023-11-14 22:13:20" && ok "store TimeStamps" || fail "store TimeStamps"
# --time wins over SOURCE_DATE_EPOCH; --time 0 gives the all-zero time.
SOURCE_DATE_EPOCH=1700000000 "$IGVMKIT" vars store --pk PK.crt -t 0 -o zero.fd || fail "store -t 0"
"$IGVMKIT" vars list zero.fd | grep -q "time " && fail "-t 0 still wrote a time" || ok "--time 0"

# QEMU JSON store: version 2, hex data that decodes to the same ESLs as the store.
"$IGVMKIT" vars extract a/vars.fd PK -o pk.esl || fail "extract"
python3 - <<'PY' && ok "JSON store matches qapi UefiVarStore" || fail "JSON store"
import json
j = json.load(open("a/vars.json"))
assert j["version"] == 2
v = {x["name"]: x for x in j["variables"]}
assert set(v) == {"PK", "dbx", "SecureBootEnable", "CustomMode"}, set(v)
assert v["PK"]["guid"] == "8be4df61-93ca-11d2-aa0d-00e098032b8c" and v["PK"]["attr"] == 39
assert bytes.fromhex(v["PK"]["data"]) == open("pk.esl", "rb").read()
assert v["PK"]["time"] == "e7070b0e160d14000000000000000000"   # 2023-11-14 22:13:20
assert "time" not in v["SecureBootEnable"] and v["SecureBootEnable"]["data"] == "01"
assert v["dbx"]["data"].endswith("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
PY
# A store converted to JSON keeps every variable.
"$IGVMKIT" vars json -i a/vars.fd -o conv.json || fail "store -> json"
python3 -c 'import json,sys; assert len(json.load(open("conv.json"))["variables"]) == 6' && ok "store -> JSON" || fail "store -> JSON"

# JSON -> store -> JSON round trips, and a JSON store in another producer's style (key order,
# upper-case hex, a digest member, compact layout) is read.
"$IGVMKIT" vars store -i a/vars.json -o from-json.fd || fail "json -> store"
"$IGVMKIT" vars json -i from-json.fd -o again.json && cmp -s a/vars.json again.json && ok "JSON -> store -> JSON identical" ||
	fail "JSON round trip"
python3 - <<'PY'
import json
j = json.load(open("a/vars.json"))
out = {"variables": [{"attr": v["attr"], "data": v["data"].upper(), "name": v["name"], "guid": v["guid"].upper(),
                      **({"time": v["time"], "digest": "00" * 32} if "time" in v else {})} for v in j["variables"]],
       "version": 2}
open("other.json", "w").write(json.dumps(out, separators=(",", ":")))
PY
"$IGVMKIT" vars store -i other.json -o other.fd && cmp -s other.fd from-json.fd && ok "foreign-style JSON store read" || fail "foreign JSON"
: >empty.json
"$IGVMKIT" vars store -i empty.json --size 2m -o empty2.fd 2>/dev/null; [ -e empty2.fd ] && fail "0-byte JSON should not sniff as a store" || ok "0-byte input refused"

# .auth payload extraction and use as a database input (its TimeStamp is kept).
"$IGVMKIT" vars extract a/kek.auth -o kek-payload.esl || fail "extract .auth"
"$IGVMKIT" vars store --kek a/kek.auth -o from-auth.fd || fail "store from .auth"
"$IGVMKIT" vars extract from-auth.fd KEK -o kek2.esl && cmp -s kek-payload.esl kek2.esl && ok ".auth as input" || fail ".auth as input"
"$IGVMKIT" vars list from-auth.fd | grep -q "time 2023-11-14 22:13:20" && ok ".auth TimeStamp kept" || fail ".auth TimeStamp"

# --delete and --set, --no-secure-boot.
printf 'x' >x.bin
"$IGVMKIT" vars store -i a/vars.fd --delete dbx --set MyVar:ovmf:NV,BS,RT:x.bin --no-secure-boot -o edit.fd || fail "edit"
"$IGVMKIT" vars list --json edit.fd >edit.json
python3 - <<'PY' && ok "--delete/--set/--no-secure-boot" || fail "--delete/--set/--no-secure-boot"
import json
v = {x["name"]: x for x in json.load(open("edit.json"))["variables"]}
assert "dbx" not in v and v["MyVar"]["data"] == "78" and v["MyVar"]["attr"] == 7
assert v["SecureBootEnable"]["data"] == "00"
PY
# Encrypted signing key: passphrase from a file or the environment (never argv).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:s3cret -out enc.key 2>/dev/null
openssl req -new -x509 -key enc.key -passin pass:s3cret -subj /CN=enc/ -out enc.crt
echo s3cret >pw.txt
"$IGVMKIT" vars auth db -t 0 -k enc.key --passphrase-file pw.txt -c enc.crt -o enc.auth pk.esl &&
	"$IGVMKIT" vars verify enc.auth db --cert enc.crt >/dev/null && ok "--passphrase-file" || fail "--passphrase-file"
IKPW=s3cret "$IGVMKIT" vars auth db -t 0 -k enc.key --passphrase-env IKPW -c enc.crt -o enc2.auth pk.esl &&
	cmp -s enc.auth enc2.auth && ok "--passphrase-env" || fail "--passphrase-env"
expect_fail 5 enc3.auth "encrypted" -- "$IGVMKIT" vars auth db -t 0 -k enc.key -c enc.crt -o enc3.auth pk.esl

# The Secure Boot summary of `vars list`.
"$IGVMKIT" vars list a/vars.fd | grep -q "^Secure Boot: enforced \[entries: PK 1, KEK 1, db 1, dbx 1\]" &&
	ok "summary: enforced" || fail "summary enforced: $("$IGVMKIT" vars list a/vars.fd | sed -n 4p)"
"$IGVMKIT" vars list edit.fd | grep -q "^Secure Boot: not enforced (SecureBootEnable is 0)" && ok "summary: disabled" || fail "summary disabled"
"$IGVMKIT" vars store -o empty4.fd && "$IGVMKIT" vars list empty4.fd | grep -q "setup mode (no PK)" && ok "summary: setup mode" || fail "summary setup"

# list --json on each format.
for f in pk.esl a/kek.auth a/vars.fd; do
	"$IGVMKIT" vars list --json $f | python3 -c 'import json,sys; json.load(sys.stdin)' && ok "list --json $f" || fail "list --json $f"
done
finish
