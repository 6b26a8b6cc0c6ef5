#!/bin/sh
# Distribution firmware build: from a layout to signed artefacts in one command.
set -eu
IGVMKIT=${IGVMKIT:-igvmkit}
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
[ -r /usr/share/ovmf/OVMF.fd ] || { echo "skip: package ovmf is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A signing key.  A distribution uses its Secure Boot db key, often as a
# pkcs11: URI; here a throw-away key.
openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.crt \
    -subj "/CN=Example distro db" -days 30 2>/dev/null

# One build: IGVM, measurements JSON, signed FUKI add-on, QEMU descriptor.
export SOURCE_DATE_EPOCH=1700000000
"$IGVMKIT" build -o out -D SIGN_KEY=db.key -D SIGN_CERT=db.crt \
    "$SRC/layouts/distro.yaml"
ls out

# The signature verifies, with igvmkit and with sbsigntool's sbverify.
"$IGVMKIT" verify --cert db.crt out/ovmf.efi
if command -v sbverify >/dev/null; then sbverify --cert db.crt out/ovmf.efi; fi

# The published reference value is what `igvmkit measure` computes from the
# file alone (here: SEV-SNP, 2 vCPUs of EPYC-v4).
digest=$("$IGVMKIT" measure --platform sev-snp --vcpus 2 --vcpu-type EPYC-v4 out/ovmf.igvm | tail -n 1)
grep -q "\"digest\": \"$digest\"" out/ovmf.measurements.json
echo "SEV-SNP, 2 x EPYC-v4: $digest (in ovmf.measurements.json)"
