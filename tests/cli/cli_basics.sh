#!/bin/sh
# The front end's contract: help, version, unknown commands and their exit codes (docs/exit-codes.md).
set -u
ik=$1
fail=0
check() { # expected-exit description command...
	want=$1; what=$2; shift 2
	"$@" >/dev/null 2>&1; got=$?
	if [ "$got" -ne "$want" ]; then echo "FAIL: $what: exit $got, expected $want"; fail=1; fi
}
check 0 "--help" "$ik" --help
check 0 "--version" "$ik" --version
check 2 "no command" "$ik"
check 2 "unknown command" "$ik" frobnicate
msg=$("$ik" frobnicate 2>&1)
case "$msg" in *"unknown command 'frobnicate'"*) ;; *) echo "FAIL: message: $msg"; fail=1 ;; esac
# "igvmkit X.Y.Z", with " (git REVISION)" when built from a checkout; the same for 'version'
"$ik" --version | grep -Eq '^igvmkit [0-9]+\.[0-9]+\.[0-9]+( \(git [0-9a-z.+-]+\))?$' ||
	{ echo "FAIL: version format: $("$ik" --version)"; fail=1; }
[ "$("$ik" --version)" = "$("$ik" version)" ] || { echo "FAIL: --version differs from version"; fail=1; }
# A result lost on standard output is exit 4 with a message, whichever command
# printed it (docs/exit-codes.md); /dev/full fails every write with ENOSPC.
if [ -w /dev/full ]; then
	for args in "--help" "--version" "version" "build --print-layout" "measure --list-vcpu-types"; do
		# shellcheck disable=SC2086
		"$ik" $args >/dev/full 2>err.$$; got=$?
		if [ "$got" -ne 4 ] || ! grep -q "cannot write" err.$$; then
			echo "FAIL: '$args' on /dev/full: exit $got, expected 4: $(cat err.$$)"; fail=1
		fi
	done
	rm -f err.$$
fi
[ $fail -eq 0 ] && echo "cli basics: ok"
exit $fail
