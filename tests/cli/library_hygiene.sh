#!/bin/sh
# Fails if any igvmkit library (everything but the CLI) references exit, abort-free printing to
# stdio, or reads the environment of the process behind the caller's back.
set -u
bindir=$1
fail=0
libs=$(find "$bindir" -name 'libik_*.a' | sort)
[ -n "$libs" ] || { echo "no libraries found under $bindir"; exit 1; }
for lib in $libs; do
	bad=$(nm -u "$lib" 2>/dev/null | awk '{print $2}' |
		grep -E '^(exit|_exit|printf|puts|putchar|perror|fprintf|vfprintf|fputs|fputc|fwrite|getopt|getopt_long)$' | sort -u)
	if [ -n "$bad" ]; then
		echo "FAIL: $(basename "$lib") references: $(echo $bad)"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "library hygiene: ok ($(echo $libs | wc -w) libraries)"
exit $fail
