#!/bin/sh
# Per-cloud variants: QEMU/KVM, EC2 and GCE builds of one firmware, packed
# into one FUKI add-on that picks the variant by hardware id.
set -eu
IGVMKIT=${IGVMKIT:-igvmkit}
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
[ -r /usr/share/ovmf/OVMF.fd ] || { echo "skip: package ovmf is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$IGVMKIT" build --list-variants "$SRC/layouts/cloud.yaml"

# CHIDs of each cloud's machines (systemd-analyze chid on an instance prints
# them), one CHID JSON file per variant as ukify takes them; fwid = variant.
mkdir hwids
for v in qemu ec2 gce; do
    case $v in
        qemu) chid=11111111-1111-4111-8111-111111111111 ;;
        ec2) chid=22222222-2222-4222-8222-222222222222 ;;
        gce) chid=33333333-3333-4333-8333-333333333333 ;;
    esac
    printf '{"type": "uefi-fw", "name": "%s instances", "fwid": "%s", "hwids": ["%s"]}\n' \
        "$v" "$v" "$chid" > "hwids/$v.json"
done

# Every variant, its measurements, and (outputs.fuki-all) one add-on,
# cloud.efi, with an '.efifw' per variant and the '.hwids' to choose one.
"$IGVMKIT" build -q -o out --all-variants --hwids hwids \
    "$SRC/layouts/cloud.yaml"
ls out

# GCE launches the SEC memory unmeasured, so its digests differ from EC2's.
grep -m 1 '"digest"' out/ovmf-ec2.measurements.json
grep -m 1 '"digest"' out/ovmf-gce.measurements.json

# A larger instance shape: 8 vCPUs, 7 AP VMSAs in the file.
"$IGVMKIT" build -q -o out8 --variant gce -D CLOUD_VCPUS=8 -D CLOUD_APS=7 \
    "$SRC/layouts/cloud.yaml"

# What the cloud's own direct ROM launch reports (its VMM's reset state):
"$IGVMKIT" measure --vmm gce --vcpus 4 /usr/share/ovmf/OVMF.fd | tail -n 1
