#!/bin/sh
# SPDX-License-Identifier: MIT
# Every shipped layout and variant (and the IGVM of distro's signed FUKI) in QEMU's own IGVM
# loader, from the consumer file set (fileset.py): a file that declares the native platform boots
# and OVMF starts efitools' HelloWorld.efi (STARTED); any other file is refused by QEMU, with its
# message that the file describes no compatible platform (REFUSED); a file with embedded CoRIM
# headers (manifest: corim) is refused before that, as QEMU cannot parse it (-10).
# usage: boot_layouts.sh IGVMKIT SRC FILESET-DIR
set -u
. "$(dirname "$0")/lib.sh"
consumer_init "$1" "$2"
set=$3
[ -r "$set/manifest.tsv" ] || skip "no file set at $set (the consumer_fileset test skipped or failed)"
refusal="IGVM file does not describe a compatible supported platform"
native=0 other=0 corims=0
tab=$(printf '\t')
while IFS=$tab read -r rel origin plats corim; do
	case $origin in layout:*) ;; *) continue ;; esac
	if [ "$corim" = corim ]; then
		# CORIM_DOCUMENT/CORIM_SIGNATURE headers: QEMU's igvm_c cannot parse the file at all
		# (-10, IGVMAPI_INVALID_BINARY_INITIALIZATION_HEADER), whatever the platform (docs/corim-igvm.md)
		expect_boot "$origin ($rel, CoRIM headers)" "$set/$rel" "$HELLO" REFUSED
		case ${LAST_VERDICT:-} in
		*"Unable to parse IGVM file"*": -10") ;;
		*) bad "$origin: QEMU's refusal of a CoRIM file is not the parse error: ${LAST_VERDICT:-}" ;;
		esac
		corims=$((corims + 1))
		LAST_VERDICT=
		continue
	fi
	case ",$plats," in
	*,NATIVE,*)
		expect_boot "$origin ($rel, $plats)" "$set/$rel" "$HELLO" STARTED
		native=$((native + 1))
		;;
	*)
		expect_boot "$origin ($rel, $plats)" "$set/$rel" "$HELLO" REFUSED
		case ${LAST_VERDICT:-} in
		*"$refusal"*) ;;
		REFUSED*) bad "$origin: QEMU's refusal is not the platform one: $LAST_VERDICT" ;;
		esac
		other=$((other + 1))
		;;
	esac
	LAST_VERDICT=
done <"$set/manifest.tsv"
[ $native -ge 4 ] && [ $other -ge 8 ] || bad "expected >= 4 native and >= 8 other layout files, got $native and $other"
echo "summary: $native native files booted, $other refused, $corims with CoRIM headers refused"
exit $fail
