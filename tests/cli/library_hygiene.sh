#!/bin/sh
# Fails if any igvmkit module archive (libik_<module>.a: common, igvm, measure, fuki, sign,
# vars, layout, descriptor, diff, assemble -- everything but cli/) references a function that
# ends the process (exit, _exit, abort), prints to stdio (printf and friends, including the
# _FORTIFY_SOURCE variants __printf_chk, __fprintf_chk, ... that hardened distro builds
# link instead), or parses a command line (getopt).  Libraries report through struct ik_diag
# and return codes; only cli/ prints and chooses the exit status (docs/architecture.md).
# Writing files goes through file descriptors (common/fileio), so fwrite/fputs to a FILE
# are not needed either.
set -u
bindir=$1
fail=0
libs=$(find "$bindir" -name 'libik_*.a' | sort)
[ -n "$libs" ] || { echo "no libraries found under $bindir"; exit 1; }
# One alternative per symbol family; __*_chk matches the fortified forms of any of them.
bad_symbols='exit|_exit|_Exit|quick_exit|abort|err|errx|verr|verrx|warn|warnx|vwarn|vwarnx|error|error_at_line'
bad_symbols="$bad_symbols|v?printf|v?fprintf|v?dprintf|puts|putchar|putc|fputc|fputs|perror|psignal|fwrite"
bad_symbols="$bad_symbols|putchar_unlocked|putc_unlocked|fputc_unlocked|fputs_unlocked|fwrite_unlocked"
bad_symbols="$bad_symbols|__v?f?printf_chk|__v?dprintf_chk|getopt|getopt_long|getopt_long_only"
for lib in $libs; do
	bad=$(nm -u "$lib" 2>/dev/null | awk '{print $2}' | sed 's/@.*//' |
		grep -E "^($bad_symbols)$" | sort -u)
	if [ -n "$bad" ]; then
		echo "FAIL: $(basename "$lib") references: $(echo $bad)"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "library hygiene: ok ($(echo $libs | wc -w) libraries)"
exit $fail
