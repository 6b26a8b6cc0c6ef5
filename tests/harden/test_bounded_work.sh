#!/bin/sh
# Work that input metadata declares (pages to measure) is capped, so a small
# file cannot keep igvmkit busy for minutes.  Regression: an 8 KiB ROM whose
# TDVF metadata declared five ~4 GiB CFV sections with MR.EXTEND made
# `igvmkit measure --platform tdx` hash 20 GiB of zeros (about a minute; 256
# such sections, about an hour).  The sum of TDVF sections is now capped at
# 4 GiB as the SEV sections' is: exit 6 at once.
# usage: test_bounded_work.sh IGVMKIT REGRESS_DIR
set -u
ik=$1
regress=$2
fail=0
rom=$regress/ovmf/tdvf-sections-20-gib-mr-extend.fd
timeout 20 "$ik" measure --platform tdx "$rom" >/dev/null 2>err.$$
rc=$?
if [ $rc -eq 124 ]; then
	echo "FAIL: measure --platform tdx: still running after 20 s"; fail=1
elif [ $rc -ne 6 ] || ! grep -q "'TDVF' sections cover 0x[0-9a-f]* bytes, beyond the 4 GiB" err.$$; then
	echo "FAIL: measure --platform tdx: exit $rc: $(cat err.$$)"; fail=1
else
	echo "ok: TDVF sections past 4 GiB in all are refused"
fi
rm -f err.$$
exit $fail
