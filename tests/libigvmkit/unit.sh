#!/bin/sh
# Runs test_libigvmkit against what the igvmkit command line writes for the same inputs:
# the default layout's IGVM and measurements, digests, inspect output, a signature list,
# variable stores, a FUKI add-on, its Authenticode digest and signature.
#   unit.sh IGVMKIT TEST_BINARY SRC
set -eu
igvmkit=$1 test=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset SOURCE_DATE_EPOCH
ovmf=/usr/share/ovmf/OVMF.fd
if [ ! -f "$ovmf" ]; then
	touch "$tmp/no-ovmf" # test_libigvmkit runs the checks that need no OVMF, then exits 77
	exec "$test" "$tmp" "$src"
fi
command -v openssl >/dev/null || { echo "SKIP: openssl not installed (package openssl)"; exit 77; }
cd "$tmp"
"$igvmkit" build -q -o . >/dev/null
"$igvmkit" measure --vcpu-type EPYC-v4 ovmf.igvm >snp.txt
"$igvmkit" measure --platform tdx ovmf.igvm >tdx.txt
"$igvmkit" measure --platform sev-es --vcpus 4 --vcpu-type EPYC-v4 --loader igvmmeasure ovmf.igvm >seves4.txt
"$igvmkit" measure --vcpu-type EPYC-v4 "$ovmf" >rom-snp.txt
"$igvmkit" inspect ovmf.igvm >inspect.txt
"$igvmkit" inspect --json ovmf.igvm >inspect.json
for name in key other; do
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=libigvmkit $name" -days 3650 \
		-keyout $name.pem -out $name.crt 2>/dev/null
done
mv key.crt cert.pem
mv other.crt other.pem
"$igvmkit" vars esl -c cert.pem -o cert.esl
"$igvmkit" vars store -o empty-vars.fd
"$igvmkit" vars store --pk cert.pem --kek cert.pem --db cert.pem --secure-boot -o sb-vars.fd
"$igvmkit" vars store --size 2m --time @1700000000 --pk cert.pem --kek cert.pem --db cert.pem \
	--secure-boot -o sb-vars-2m.fd
"$igvmkit" fuki --fwid ovmf -o ovmf.efi ovmf.igvm
"$igvmkit" digest ovmf.efi >digest.txt
"$igvmkit" sign --key key.pem --cert cert.pem -o ovmf.signed.efi ovmf.efi
"$test" "$tmp" "$src"
