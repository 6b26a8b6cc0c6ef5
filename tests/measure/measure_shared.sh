#!/bin/sh
# SPDX-License-Identifier: MIT
# Reference values on sev-snp-measure's ROM-suffix fixtures (ovmf_AmdSev_suffix.bin,
# ovmf_OvmfX64_suffix.bin: the last 4 KiB of edk2-stable202405 builds, treated as a 4 KiB ROM).
# Sources: measure.md §3.4/§7.2 (sev-snp-measure 0.0.13 runs) and sev-snp-measure's own
# tests/test_guest.py (values named per case below).  Skips (77) without ../shared/data.
set -u
ik=$1
data=$2
amd=$data/ovmf_AmdSev_suffix.bin
x64=$data/ovmf_OvmfX64_suffix.bin
[ -f "$amd" ] && [ -f "$x64" ] || { echo "shared fixtures absent in $data: skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# measure.md §3.4 inputs.
printf 'fake-kernel-image\n' > "$tmp/kernel.bin"
printf 'fake-initrd\n' > "$tmp/initrd.bin"
: > "$tmp/empty"
fail=0

# expect NAME WANT ARGS... : the last output line must be WANT.
expect() {
	name=$1 want=$2
	shift 2
	got=$("$ik" measure "$@" 2>&1 | tail -n 1)
	if [ "$got" = "$want" ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: got '$got', want '$want'"
		fail=1
	fi
}

# measure.md §7.2 (sev-snp-measure 0.0.13, also its test_snp_without_kernel_feature_snp_only).
expect snp-amdsev-1vcpu 19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
	--platform sev-snp --vcpus 1 --vcpu-type EPYC-v4 "$amd"
# measure.md §7.2: kernel hashes with the §3.4 inputs.
expect snp-amdsev-kernel-hashes 3e15da8b143c505d671db317049bb92d495c9ecf26babb6b847c7260531263dd0bfffd802b89fb438c35fe381899b4ab \
	--platform sev-snp --vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/kernel.bin" --initrd "$tmp/initrd.bin" \
	--append console=ttyS0 "$amd"
# sev-snp-measure tests/test_guest.py, by test name:
expect test_snp_ec2_default 0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --guest-features 0x21 --vmm ec2 "$amd"
expect test_snp_ec2_feature_snp_only 0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056 \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --guest-features 0x1 --vmm ec2 "$amd"
expect test_snp_gce_default 5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e \
	--vcpus 1 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --vmm gce "$amd"
expect test_snp_gce_with_multiple_vcpus_default 5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d \
	--vcpus 4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --vmm gce "$amd"
expect test_snp_default 803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977 \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "console=ttyS0 loglevel=7" \
	--guest-features 0x21 "$amd"
expect test_snp_guest_feature_snp_only 6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "console=ttyS0 loglevel=7" "$amd"
expect test_snp_without_kernel_default e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b \
	--vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x21 "$amd"
expect test_snp_with_multiple_vcpus_default 4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942 \
	--vcpus 4 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --guest-features 0x21 "$amd"
expect test_snp_with_multiple_vcpus_feature_snp_only 5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5 \
	--vcpus 4 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" "$amd"
expect test_snp_with_ovmfx64_without_default 28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385 \
	--vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x21 "$x64"
expect test_snp_with_ovmfx64_without_kernel_feature_snp_only da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005 \
	--vcpus 1 --vcpu-type EPYC-v4 "$x64"
expect test_seves 13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c \
	--platform sev-es --vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" "$amd"
expect test_seves_with_multiple_vcpus 0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91 \
	--platform sev-es --vcpus 4 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" "$amd"
expect test_sev 82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff \
	--platform sev --kernel "$tmp/empty" --initrd "$tmp/empty" --append "console=ttyS0 loglevel=7" "$amd"
expect test_sev_with_kernel_without_initrd_and_append 77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898 \
	--platform sev --kernel "$tmp/empty" "$amd"
expect test_sev_with_ovmfx64_without_kernel b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da \
	--platform sev "$x64"

# snp:ovmf-hash: the LD after the firmware pages, and measurements resumed from it.
expect test_snp_ovmf_hash_full_default-hash 086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74 \
	--print-snp-ovmf-hash "$amd"
h=086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74
expect test_snp_ovmf_hash_gen_default 329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198 \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --guest-features 0x21 \
	--snp-ovmf-hash $h "$amd"
expect test_snp_ovmf_hash_gen_feature_snp_only ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5 \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "" --snp-ovmf-hash $h "$amd"
expect test_snp_ovmf_hash_full_feature_snp_only 6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
	--vcpus 1 --vcpu-type EPYC-v4 --kernel "$tmp/empty" --initrd "$tmp/empty" --append "console=ttyS0 loglevel=7" \
	--snp-ovmf-hash $h "$amd"

# test_snp_with_ovmfx64_and_kernel_should_fail / test_sev_with_ovmfx64_and_kernel_should_fail.
for p in sev-snp sev-es sev; do
	out=$("$ik" measure --platform $p --vcpu-type EPYC-v4 --kernel "$tmp/empty" "$x64" 2>&1)
	rc=$?
	if [ $rc -eq 3 ] && echo "$out" | grep -q -e 'SNP_KERNEL_HASHES' -e 'kernel hashes'; then
		echo "ok   $p-ovmfx64-kernel-refused"
	else
		echo "FAIL $p-ovmfx64-kernel-refused: exit $rc: $out"
		fail=1
	fi
done
exit $fail
