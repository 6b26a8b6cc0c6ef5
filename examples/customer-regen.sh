#!/bin/sh
# A customer regenerates a vendor's signed firmware with their own db and
# dbx, re-measures it and re-signs it with their own key (igvmkit regen).
set -eu
IGVMKIT=${IGVMKIT:-igvmkit}
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
[ -r /usr/share/ovmf/OVMF.fd ] || { echo "skip: package ovmf is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cert() { # NAME CN: a throw-away key and self-signed certificate
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" \
        -subj "/CN=$2" -days 30 2>/dev/null
}

# The vendor's release: a FUKI add-on signed with the vendor's key.
cert vendor "Example vendor signing"
"$IGVMKIT" build -q -o vendor -D SIGN_KEY=vendor.key -D SIGN_CERT=vendor.crt \
    "$SRC/layouts/distro.yaml"

# The customer's own db CA, one revoked image hash and their signing key.
cert customer-db "Example customer db CA"
cert customer "Example customer signing"
revoked=80b4d96931bf0d02fd91a61e19d14f1da452e66db2408ca8604d411f92659f0a

# Regenerate: new db/dbx in the OVMF variable store of every platform, new
# launch measurements (old and new printed), re-wrapped and re-signed.
"$IGVMKIT" regen --db customer-db.crt --dbx-hash "$revoked" --vcpus 1 --vcpus 4 \
    --key customer.key --cert customer.crt -o customer.efi vendor/ovmf.efi

# The customer's key signs it now; the vendor's signature is gone.
"$IGVMKIT" verify --cert customer.crt customer.efi
if "$IGVMKIT" verify --cert vendor.crt customer.efi >/dev/null 2>&1; then
    echo "still verifies with the vendor key" >&2
    exit 1
fi

# What is enrolled now, read back from the regenerated firmware.
"$IGVMKIT" regen --extract-rom rom.fd customer.efi
"$IGVMKIT" vars list rom.fd
"$IGVMKIT" vars list rom.fd | grep -q "Example customer db CA"

# The new reference values for attestation are in the measurements JSON.
grep -c '"digest"' customer.efi.measurements.json
