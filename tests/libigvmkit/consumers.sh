#!/bin/sh
# The example consumers of examples/libigvmkit/ against the *installed* library:
# `cmake --install` into a temporary prefix, then
#   c:       build measure_and_build.c with that prefix's pkg-config file only (a copy of the
#            example directory, PKG_CONFIG_PATH the prefix's, no in-tree paths), run it with
#            LD_LIBRARY_PATH, and compare its digests and size with `igvmkit measure`/`build`;
#   python:  run measure.py on the installed libigvmkit.so.0 and compare its digest.
#   consumers.sh c|python BUILD_DIR SRC IGVMKIT SANITIZE
set -eu
mode=$1 build=$2 src=$3 igvmkit=$4 sanitize=$5
# A sanitizer build's library needs the ASan runtime loaded first; the consumers are not
# instrumented, so the shared runtime the library names (gcc's libasan) is preloaded.
preload=
case $sanitize in
ON|on|1|TRUE|true|YES|yes)
	lib=$(find "$build/libigvmkit" -name 'libigvmkit.so.0' | head -n 1)
	preload=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(libasan\.so[.0-9]*\)\]/\1/p')
	if [ -z "$preload" ]; then
		echo "SKIP: sanitizer build whose library names no shared ASan runtime to preload"
		echo "(clang links the runtime statically into executables only)"
		exit 77
	fi
	export ASAN_OPTIONS=detect_leaks=0 # python3 itself is not leak-clean
	;;
esac
ovmf=/usr/share/ovmf/OVMF.fd
[ -f "$ovmf" ] || { echo "SKIP: $ovmf is absent (package ovmf)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a package build's flags (dpkg-buildpackage exports CFLAGS with -ffile-prefix-map=SRC=.) are
# not the example's: its compile lines must hold no in-tree path of their own
unset SOURCE_DATE_EPOCH PKG_CONFIG_LIBDIR CFLAGS CPPFLAGS LDFLAGS || true
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name igvmkit.pc)
[ -n "$pc" ] || { echo "FAIL: no igvmkit.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
for f in "$prefix/include/igvmkit/igvmkit.h" "$libdir/libigvmkit.so" "$libdir/libigvmkit.so.0" \
	 "$prefix/bin/igvmkit"; do
	[ -e "$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done

"$igvmkit" build -q -o "$tmp/out" >/dev/null
igvm=$tmp/out/ovmf.igvm
want_snp=$("$igvmkit" measure --vcpus 1 --vcpu-type EPYC-v4 "$igvm")
check() { # NAME GOT WANT
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: '$2', igvmkit says '$3'"
		exit 1
	fi
	echo "ok: $1 $2"
}

case $mode in
c)
	command -v "${CC:-cc}" >/dev/null || { echo "SKIP: no C compiler (package build-essential)"; exit 77; }
	command -v make >/dev/null || { echo "SKIP: make not found (package build-essential)"; exit 77; }
	cp -r "$src/examples/libigvmkit" "$tmp/example"
	PKG_CONFIG_PATH=$(dirname "$pc") make -s -C "$tmp/example" >"$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log"; echo "FAIL: the example does not build"; exit 1; }
	# what pkg-config hands the example, and what make printed, may name the temporary prefix
	# (which a package build's TMPDIR can place inside the tree) but nothing else of the tree
	flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs igvmkit)
	outside=$(printf '%s\n' "$flags" | cat - "$tmp/make.log" | sed "s#$tmp##g")
	case $outside in
	*"$src"* | *"$build"*)
		printf '%s\n' "$flags"; cat "$tmp/make.log"
		echo "FAIL: the example's build used in-tree paths"; exit 1 ;;
	esac
	LD_PRELOAD=$preload LD_LIBRARY_PATH=$libdir "$tmp/example/measure_and_build" "$igvm" "$ovmf" \
		>"$tmp/c.out"
	cat "$tmp/c.out"
	check "file snp" "$(sed -n 's/^file snp: //p' "$tmp/c.out")" "$want_snp"
	check "file tdx" "$(sed -n 's/^file tdx: //p' "$tmp/c.out")" \
		"$("$igvmkit" measure --platform tdx "$igvm")"
	# the same layout as the example's string, built by the command line
	cat >"$tmp/inline.yaml" <<EOL
version: 1
components:
  ovmf:
    type: ovmf
    file: \${OVMF}
platforms:
  sev-snp:
    policy: \${SNP_POLICY}
  tdx:
outputs:
  igvm: inline.igvm
EOL
	"$igvmkit" build -q -D OVMF="$ovmf" -D SNP_POLICY=0x30000 -o "$tmp/inline" "$tmp/inline.yaml"
	check "built size" "$(sed -n 's/^built size: //p' "$tmp/c.out")" \
		"$(wc -c <"$tmp/inline/inline.igvm" | tr -d ' ')"
	check "built snp" "$(sed -n 's/^built snp: //p' "$tmp/c.out")" \
		"$("$igvmkit" measure --vcpus 1 --vcpu-type EPYC-v4 "$tmp/inline/inline.igvm")"
	;;
python)
	command -v python3 >/dev/null || { echo "SKIP: python3 not found (package python3)"; exit 77; }
	LD_PRELOAD=$preload LD_LIBRARY_PATH=$libdir python3 "$src/examples/libigvmkit/measure.py" "$igvm" \
		>"$tmp/py.out"
	head -n 8 "$tmp/py.out"
	check "python sev-snp" "$(sed -n 's/^sev-snp: //p' "$tmp/py.out")" "$want_snp"
	check "python headers" "$(sed -n 's/^headers: //p' "$tmp/py.out")" \
		"$(grep -c '^ *[0-9]' "$tmp/py.out")"
	check "python tdx" "$(LD_PRELOAD=$preload LD_LIBRARY_PATH=$libdir python3 "$src/examples/libigvmkit/measure.py" \
		--platform tdx "$igvm" | sed -n 's/^tdx: //p')" "$("$igvmkit" measure --platform tdx "$igvm")"
	;;
*)
	echo "usage: consumers.sh c|python BUILD_DIR SRC IGVMKIT SANITIZE"; exit 2 ;;
esac
