#!/bin/sh
# The ABI record: libigvmkit.so exports exactly the symbols of libigvmkit.symbols (name and
# version node), nothing but igvmkit_* and its version nodes, under SONAME libigvmkit.so.0;
# and, like the internal archives (tests/cli/library_hygiene.sh), it never prints or exits.
# The Debian symbols file (packaging/debian/libigvmkit0.symbols, for dpkg-gensymbols) lists the
# same symbols.
#   abi.sh LIBRARY SYMBOLS_FILE [DEBIAN_SYMBOLS_FILE]
set -u
lib=$1 symbols=$2
fail=0
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != libigvmkit.so.0 ]; then
	echo "FAIL: SONAME is '$soname', expected libigvmkit.so.0"
	fail=1
fi
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort)
nodes=$(nm -D --defined-only "$lib" | awk '$2 == "A" { print $3 }' | sort)
expected=$(grep -v '^#' "$symbols" | sed '/^$/d' | sort)
if [ "$exported" != "$expected" ]; then
	echo "FAIL: exported symbols differ from $symbols (- recorded, + exported):"
	printf '%s\n' "$expected" >"${TMPDIR:-/tmp}/abi-expected.$$"
	printf '%s\n' "$exported" | diff -u "${TMPDIR:-/tmp}/abi-expected.$$" - | sed -n '3,$p'
	rm -f "${TMPDIR:-/tmp}/abi-expected.$$"
	fail=1
fi
stray=$(printf '%s\n' "$exported" | grep -v '^igvmkit_[a-z0-9_]*@@\?IGVMKIT_[0-9.]*$' || true)
if [ -n "$stray" ]; then
	echo "FAIL: exported beyond the public API: $(echo $stray)"
	fail=1
fi
stray_nodes=$(printf '%s\n' "$nodes" | grep -v '^IGVMKIT_[0-9.]*$' || true)
if [ -n "$stray_nodes" ]; then
	echo "FAIL: version nodes other than IGVMKIT_*: $(echo $stray_nodes)"
	fail=1
fi
bad='exit|_exit|_Exit|quick_exit|abort|err|errx|verr|verrx|warn|warnx|error|error_at_line'
bad="$bad|v?printf|v?fprintf|v?dprintf|puts|putchar|putc|fputc|fputs|perror|fwrite"
bad="$bad|__v?f?printf_chk|__v?dprintf_chk|getopt|getopt_long|getopt_long_only"
used=$(nm -D --undefined-only "$lib" | awk '{ print $2 }' | sed 's/@.*//' | grep -E "^($bad)$" | sort -u)
if [ -n "$used" ]; then
	echo "FAIL: the library references $(echo $used)"
	fail=1
fi
if [ $# -ge 3 ]; then
	debian=$(sed -n 's/^ \(igvmkit_[a-z0-9_]*\)@\(IGVMKIT_[0-9.]*\) .*/\1@@\2/p' "$3" | sort)
	if [ "$debian" != "$expected" ]; then
		echo "FAIL: $3 does not list the symbols of $symbols"
		fail=1
	fi
fi
[ $fail -eq 0 ] && echo "libigvmkit ABI: ok ($(printf '%s\n' "$exported" | wc -l) symbols, SONAME $soname)"
exit $fail
