#!/bin/sh
# Reproducible-build check: rebuild a release and compare it byte for byte.
set -eu
IGVMKIT=${IGVMKIT:-igvmkit}
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
[ -r /usr/share/ovmf/OVMF.fd ] || { echo "skip: package ovmf is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.crt \
    -subj "/CN=Example distro db" -days 30 2>/dev/null

# The "release": built once, with the release's SOURCE_DATE_EPOCH.
export SOURCE_DATE_EPOCH=1700000000
"$IGVMKIT" build -q -o release -D SIGN_KEY=db.key -D SIGN_CERT=db.crt \
    "$SRC/layouts/distro.yaml"

# An independent rebuild, from another directory, time zone, locale and
# umask, must reproduce every file.  --check builds in memory, writes
# nothing and exits 0 only when every output is byte-identical.
mkdir elsewhere
(cd elsewhere && umask 077 && TZ=Asia/Kathmandu LC_ALL=C.UTF-8 \
    "$IGVMKIT" build --check -o ../release -D SIGN_KEY=../db.key \
    -D SIGN_CERT=../db.crt "$SRC/layouts/distro.yaml")

# A tampered release is caught, and the report says where: here one byte
# of a page of the IGVM file (header and page named, measurements compared).
printf '\001' | dd of=release/ovmf.igvm bs=1 seek=1000000 conv=notrunc 2>/dev/null
if "$IGVMKIT" build --check -o release -D SIGN_KEY=db.key -D SIGN_CERT=db.crt \
    "$SRC/layouts/distro.yaml" > report.txt; then
    echo "tampering not detected" >&2
    exit 1
fi
grep '(PAGE_DATA)' report.txt | head -n 1

# The same comparison between any two files: `igvmkit diff`.
"$IGVMKIT" build -q -o rebuilt -D SIGN_KEY=db.key -D SIGN_CERT=db.crt \
    "$SRC/layouts/distro.yaml"
"$IGVMKIT" diff release/ovmf.igvm rebuilt/ovmf.igvm | head -n 1 || true
