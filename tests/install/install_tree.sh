#!/bin/sh
# `cmake --install` into a DESTDIR, then the installed igvmkit run from another directory:
# version, the default layout (Debian's OVMF.fd), the installed copy of that layout, a layout
# of the user's that includes a shipped template by its documented path
# (`include: templates/ovmf-debian.yaml`, docs/layout.md "Includes"), and the bash completion.
# Prints the installed tree.  Usage: install_tree.sh BUILD_DIR PREFIX DATADIR
# (PREFIX and DATADIR as configured: CMAKE_INSTALL_PREFIX, CMAKE_INSTALL_FULL_DATADIR).
# Without /usr/share/ovmf/OVMF.fd (package ovmf) the build steps are skipped (exit 77).
set -eu
build=$(cd "$1" && pwd)
prefix=$2
datadir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail=0
bad() { echo "FAIL: $*"; fail=1; }

DESTDIR=$root cmake --install "$build" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
echo "== installed tree (DESTDIR=$root):"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\./|/|')

ik=$root$prefix/bin/igvmkit
share=$root$datadir
for f in "$ik" "$share/igvmkit/layouts/default.yaml" "$share/igvmkit/templates/ovmf-debian.yaml" \
	"$share/man/man1/igvmkit.1" "$share/man/man5/igvmkit-layout.5" \
	"$share/bash-completion/completions/igvmkit" "$share/doc/igvmkit/README.md" \
	"$share/doc/igvmkit/NEWS.md" "$root$prefix/include/igvmkit/igvmkit.h"; do
	[ -e "$f" ] || bad "not installed: ${f#"$root"}"
done
ls "$root$prefix"/lib*/libigvmkit.so.0 "$root$prefix"/lib*/*/libigvmkit.so.0 2>/dev/null | grep -q . ||
	bad "not installed: libigvmkit.so.0"

# from another directory, the data found through IGVMKIT_DATADIR (the compiled-in DATADIR is
# where a real install puts it; here it is under DESTDIR)
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
"$ik" --version | grep -q '^igvmkit ' || bad "installed igvmkit --version"

# bash completion: loads without bash-completion and registers igvmkit
if command -v bash >/dev/null 2>&1; then
	got=$(bash -c '. "$1" && complete -p igvmkit' sh "$share/bash-completion/completions/igvmkit") ||
		bad "completion does not load"
	[ "$got" = "complete -o default -F _igvmkit igvmkit" ] || bad "completion registers: '$got'"
	# generated from the option tables: every long option `build --help` lists is offered
	comp=$(bash -c '. "$1"; COMP_WORDS=(igvmkit build --); COMP_CWORD=2; _igvmkit 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"' sh "$share/bash-completion/completions/igvmkit")
	for o in $("$ik" build --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		printf '%s\n' "$comp" | grep -Eq -- "^$o=?\$" || bad "completion of build lacks $o"
	done
	printf '%s\n' "$comp" | grep -qx -- '--output-dir=' || bad "completion: no --output-dir="
fi

# a layout of the user's, including a shipped template by its documented path
cat >my.yaml <<'YAML'
version: 1
include: templates/ovmf-debian.yaml
platforms:
  sev-snp:
outputs:
  igvm: mine.igvm
  measurements: mine.measurements.json
YAML
if [ ! -r /usr/share/ovmf/OVMF.fd ]; then
	[ $fail -eq 0 ] || exit 1
	echo "SKIP: /usr/share/ovmf/OVMF.fd absent (package ovmf): installed builds not run"
	exit 77
fi
export IGVMKIT_DATADIR="$share/igvmkit"
"$ik" build -q -o out || bad "installed igvmkit build (default layout)"
[ -s out/ovmf.igvm ] || bad "default layout: no out/ovmf.igvm"
"$ik" build -q -o out2 "$IGVMKIT_DATADIR/layouts/default.yaml" || bad "installed layouts/default.yaml"
cmp -s out/ovmf.igvm out2/ovmf.igvm || bad "installed layouts/default.yaml differs from the built-in one"
"$ik" build -q -o mine my.yaml || bad "layout including templates/ovmf-debian.yaml"
[ -s mine/mine.igvm ] || bad "my.yaml: no mine.igvm"
grep -q '"generator"' mine/mine.measurements.json || bad "measurements JSON names no generator"

# a file beside the layout wins over the shipped one
mkdir templates
sed 's|/usr/share/ovmf/OVMF.fd|/nonexistent/OVMF.fd|' "$IGVMKIT_DATADIR/templates/ovmf-debian.yaml" \
	>templates/ovmf-debian.yaml
rc=0
"$ik" build -q -o local my.yaml 2>err || rc=$?
[ $rc -ne 0 ] && grep -q '/nonexistent/OVMF.fd' err || bad "local templates/ must win: exit $rc, $(cat err)"
rm -r templates

# no shipped data: the error names the include and where it looked first (exit 3 or 4)
rc=0
IGVMKIT_DATADIR=$tmp/none "$ik" build -q -o none my.yaml 2>err || rc=$?
{ [ $rc -eq 3 ] || [ $rc -eq 4 ]; } && grep -q 'templates/ovmf-debian.yaml' err ||
	bad "missing template: exit $rc, $(cat err)"
[ ! -e none/mine.igvm ] || bad "missing template: output left behind"
[ $fail -eq 0 ] && echo "install tree: all checks passed"
exit $fail
