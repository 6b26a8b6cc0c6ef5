#!/bin/sh
# SPDX-License-Identifier: MIT
# Secure Boot seeds of an IGVM (`variables: store: rom`) enforced by OVMF in QEMU's own IGVM
# loader (issue 13).  The vendor layout seeds PK/KEK/db with throw-away vendor certificates;
# efitools' HelloWorld.efi is the app: unsigned, signed by `igvmkit sign` with the vendor db key,
# signed by sbsign with a customer db key.
#   GROUP igvm: the built IGVM: unsigned DENIED, vendor-signed STARTED; variant dbx (the signed
#     app's hash in dbx) DENIED; variant off (`secure-boot: false`) STARTED for the unsigned app
#     (docs/boot-test.md); `regen` with the customer's PK/KEK/db: customer-signed STARTED,
#     vendor-signed DENIED; `regen --append --db customer`: both STARTED.
#   GROUP fuki: the same seeds from the IGVM inside the signed FUKI (the '.efifw' payload, read
#     by efifw.py, is the file QEMU loads, and equals the standalone IGVM): unsigned DENIED,
#     vendor STARTED; after `regen` of the FUKI with the customer's PK/KEK/db and key, the
#     payload (equal to `regen` of the standalone IGVM): customer STARTED, vendor DENIED; after
#     `regen --append` of the FUKI: both STARTED.
# usage: boot_secureboot.sh IGVMKIT SRC igvm|fuki
set -u
. "$(dirname "$0")/lib.sh"
consumer_init "$1" "$2"
group=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v sbsign >/dev/null || skip "sbsign is not installed (package sbsigntool)"
cd "$WORK" || exit 1

for n in vendor-pk vendor-kek vendor-db customer-pk customer-kek customer-db; do
	mkcert "$n" "igvmkit consumer test $n"
done
"$IK" sign --key vendor-db.key --cert vendor-db.crt -o vendor.efi "$HELLO" >/dev/null ||
	{ echo "FAIL: igvmkit sign"; exit 1; }
sbsign --key customer-db.key --cert customer-db.crt --output customer.efi "$HELLO" 2>/dev/null ||
	{ echo "FAIL: sbsign"; exit 1; }

cat >sb.yaml <<EOF
version: 1
description: vendor Secure Boot seeds in the ROM's variable store (tests/consumer)
include:
  - $SRC/templates/ovmf-debian.yaml
platforms:
  native:
  sev-snp:
variables:
  store: rom
  secure-boot: true
  pk: vendor-pk.crt
  kek: vendor-kek.crt
  db: vendor-db.crt
outputs:
  igvm: sb.igvm
  fuki: sb.efi
  sign:
    key: vendor-db.key
    cert: vendor-db.crt
variants:
  dbx:
    variables:
      dbx: vendor.efi
    outputs:
      igvm: sb-dbx.igvm
      fuki: sb-dbx.efi
  off:
    variables:
      secure-boot: false
    outputs:
      igvm: sb-off.igvm
      fuki: sb-off.efi
EOF
customer_seeds="--pk customer-pk.crt --kek customer-kek.crt --db customer-db.crt"
signer="--key customer-db.key --cert customer-db.crt"

case $group in
igvm)
	"$IK" build -q -o out sb.yaml && "$IK" build -q -o out --all-variants sb.yaml ||
		{ echo "FAIL: igvmkit build sb.yaml"; exit 1; }
	expect_boot "vendor seeds, unsigned app" out/sb.igvm "$HELLO" DENIED
	expect_boot "vendor seeds, vendor-signed app" out/sb.igvm vendor.efi STARTED
	expect_boot "vendor seeds, signed app's hash in dbx" out/sb-dbx.igvm vendor.efi DENIED
	expect_boot "vendor seeds, secure-boot: false, unsigned app" out/sb-off.igvm "$HELLO" STARTED
	# shellcheck disable=SC2086
	"$IK" regen $customer_seeds --no-measurements -o customer.igvm out/sb.igvm >/dev/null ||
		{ echo "FAIL: igvmkit regen"; exit 1; }
	expect_boot "regen customer PK/KEK/db, customer-signed app" customer.igvm customer.efi STARTED
	expect_boot "regen customer PK/KEK/db, vendor-signed app" customer.igvm vendor.efi DENIED
	"$IK" regen --append --db customer-db.crt --no-measurements -o both.igvm out/sb.igvm >/dev/null ||
		{ echo "FAIL: igvmkit regen --append"; exit 1; }
	expect_boot "regen --append customer db, customer-signed app" both.igvm customer.efi STARTED
	expect_boot "regen --append customer db, vendor-signed app" both.igvm vendor.efi STARTED
	;;
fuki)
	"$IK" build -q -o out sb.yaml || { echo "FAIL: igvmkit build sb.yaml"; exit 1; }
	python3 "$here/efifw.py" out/sb.efi vendor-payload.igvm >/dev/null || bad "no .efifw in sb.efi"
	cmp -s vendor-payload.igvm out/sb.igvm && pass "the FUKI carries the built IGVM byte for byte" ||
		bad "the FUKI's .efifw payload differs from out/sb.igvm"
	expect_boot "FUKI payload, vendor seeds, unsigned app" vendor-payload.igvm "$HELLO" DENIED
	expect_boot "FUKI payload, vendor seeds, vendor-signed app" vendor-payload.igvm vendor.efi STARTED
	# shellcheck disable=SC2086
	"$IK" regen $customer_seeds $signer --no-measurements -o customer.efi.fuki out/sb.efi >/dev/null &&
		"$IK" regen $customer_seeds --no-measurements -o customer.igvm out/sb.igvm >/dev/null ||
		{ echo "FAIL: igvmkit regen"; exit 1; }
	"$IK" verify --cert customer-db.crt customer.efi.fuki >/dev/null && pass "regenerated FUKI verifies" ||
		bad "regenerated FUKI does not verify with the customer's certificate"
	python3 "$here/efifw.py" customer.efi.fuki customer-payload.igvm >/dev/null || bad "no .efifw"
	cmp -s customer-payload.igvm customer.igvm &&
		pass "regenerated FUKI carries what regen writes for the IGVM itself" ||
		bad "regenerated FUKI's payload differs from regen of the IGVM"
	expect_boot "regen FUKI payload, customer-signed app" customer-payload.igvm customer.efi STARTED
	expect_boot "regen FUKI payload, vendor-signed app" customer-payload.igvm vendor.efi DENIED
	# shellcheck disable=SC2086
	"$IK" regen --append --db customer-db.crt $signer --no-measurements -o both.efi.fuki out/sb.efi \
		>/dev/null || { echo "FAIL: igvmkit regen --append"; exit 1; }
	python3 "$here/efifw.py" both.efi.fuki both-payload.igvm >/dev/null || bad "no .efifw"
	expect_boot "regen --append FUKI payload, customer-signed app" both-payload.igvm customer.efi STARTED
	expect_boot "regen --append FUKI payload, vendor-signed app" both-payload.igvm vendor.efi STARTED
	;;
*)
	echo "usage: boot_secureboot.sh IGVMKIT SRC igvm|fuki" >&2
	exit 2
	;;
esac
exit $fail
