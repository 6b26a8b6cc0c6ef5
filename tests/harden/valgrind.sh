#!/bin/sh
# Memcheck over real CLI runs: the default layout build (Debian OVMF.fd, four
# platforms, measurements), inspect, measure, fuki, sign, verify, vars esl/store/list.
# Any invalid access, use of uninitialised memory or definite/indirect leak fails.
# usage: valgrind.sh IGVMKIT   (exit 77 = skipped: valgrind, openssl or OVMF.fd missing)
set -u
ik=$1
ovmf=/usr/share/ovmf/OVMF.fd
for t in valgrind openssl; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
done
[ -r $ovmf ] || { echo "SKIP: $ovmf missing (package ovmf)"; exit 77; }
tmp=$(mktemp -d /tmp/ik-valgrind-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
for k in db other; do
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=valgrind-$k -days 2 -keyout $k.key \
		-out $k.crt >/dev/null 2>&1 || { echo "openssl failed"; exit 1; }
done

fail=0
n=0
vg() { # expected-exit description command...
	want=$1; what=$2; shift 2
	n=$((n + 1))
	valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--log-file="vg-$n.log" "$ik" "$@" >"out-$n.txt" 2>&1
	rc=$?
	if [ "$rc" -eq 99 ] || [ -s "vg-$n.log" ]; then
		echo "FAIL: $what: memcheck reported (exit $rc):"; cat "vg-$n.log"
		fail=1
	elif [ "$rc" -ne "$want" ]; then
		echo "FAIL: $what: exit $rc, expected $want"; cat "out-$n.txt"
		fail=1
	else
		echo "ok: $what"
	fi
}

vg 0 "build (default layout)" build -q -o out
vg 0 "inspect" inspect out/ovmf.igvm
vg 0 "inspect --json" inspect --json out/ovmf.igvm
vg 0 "measure sev-snp, 4 vCPUs" measure --platform sev-snp --vcpus 4 --vcpu-type EPYC-v4 out/ovmf.igvm
vg 0 "measure tdx (raw ROM)" measure --platform tdx $ovmf
vg 0 "fuki" fuki -o addon.efi out/ovmf.igvm
vg 0 "sign" sign --key db.key --cert db.crt -o signed.efi addon.efi
vg 0 "verify" verify --cert db.crt signed.efi
vg 0 "vars esl" vars esl -c db.crt -o db.esl
vg 0 "vars store" vars store -s 2m --pk db.crt --kek db.crt --db db.esl --secure-boot -o vars.fd
vg 0 "vars list" vars list vars.fd
vg 3 "bad input: error path frees everything" inspect db.crt
vg 5 "key not matching the certificate" sign --key db.key --cert other.crt -o bad.efi addon.efi
exit $fail
