# SPDX-License-Identifier: MIT
# Shared helpers for the vars end-to-end tests (sourced).
set -u
IGVMKIT=${1:?usage: $0 IGVMKIT}
case "$IGVMKIT" in /*) ;; *) IGVMKIT=$(pwd)/$IGVMKIT ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ORIG_PWD=$(pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/ik-vars-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
unset SOURCE_DATE_EPOCH
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# need TOOL...: exit 77 (skip) when a tool is missing.
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed" >&2; exit 77; }
	done
}
# make_key NAME: RSA-2048 self-signed NAME.key / NAME.crt (PEM) / NAME.der.
make_key() {
	openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=igvmkit test $1/" -keyout "$1.key" -out "$1.crt" 2>/dev/null &&
		openssl x509 -in "$1.crt" -outform DER -out "$1.der"
}
# make_leaf NAME CA: RSA-2048 NAME.key / NAME.crt issued by CA (CA.key, CA.crt).
make_leaf() {
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=igvmkit test $1/" -keyout "$1.key" \
		-out "$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 3650 \
			-sha256 -out "$1.crt" 2>/dev/null
}
# expect_fail CODE FILE REGEX -- CMD...: CMD must exit CODE, print REGEX on stderr, not create FILE.
expect_fail() {
	code=$1 out=$2 re=$3
	shift 4
	"$@" >"$W/stdout" 2>"$W/stderr"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "'$*' exited $rc, expected $code: $(cat "$W/stderr")"
	elif ! grep -Eq -- "$re" "$W/stderr"; then
		fail "'$*' stderr lacks /$re/: $(cat "$W/stderr")"
	elif [ "$out" != - ] && [ -e "$out" ]; then
		fail "'$*' left '$out' behind"
	else
		ok "refused: $(head -n1 "$W/stderr")"
	fi
	ls -a "$(dirname "${out#-}")" 2>/dev/null | grep -q '\.tmp' && fail "temporary file left behind"
	return 0
}
finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS failure(s)" >&2
		exit 1
	fi
	echo "all passed"
	exit 0
}
