/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/fileio.h"
#include "common/hex.h"

int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return IK_EXIT_OK;
	case -EBADE:
		return IK_EXIT_MISMATCH;
	case -EBADMSG:
	case -EINVAL:
	case -EILSEQ:
	case -ELOOP: /* include and variable cycles; a symbolic link loop is -EIO (common/fileio) */
	case -EEXIST:
	case -EDOM:
	case -ERANGE:
		return IK_EXIT_INVALID;
	case -ENOENT:
	case -EACCES:
	case -EPERM:
	case -EIO:
	case -EISDIR:
	case -ENOTDIR:
	case -ENOSPC:
	case -EROFS:
	case -ENAMETOOLONG:
	case -EBUSY:
	case -EDQUOT:
		return IK_EXIT_IO;
	case IK_E_OUTPUT_IS_INPUT: /* an output names an input of the run: a usage error */
		return IK_EXIT_USAGE;
	case -EKEYREJECTED:
	case -ENOKEY:
	case -EKEYEXPIRED:
	case -EKEYREVOKED:
	case -EHOSTUNREACH:
		return IK_EXIT_CRYPTO;
	case -E2BIG:
	case -EFBIG:
	case -EOVERFLOW:
		return IK_EXIT_LIMIT;
	case -ENOTSUP:
	case -EMEDIUMTYPE:
	case -EPROTONOSUPPORT:
		return IK_EXIT_UNSUPPORTED;
	default:
		return IK_EXIT_INTERNAL;
	}
}

int cli_error_diag(const char *cmd, const struct ik_diag *d, int err)
{
	char line[IK_DIAG_FILE_MAX + IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 8];
	struct ik_diag empty;

	if (!d) {
		ik_diag_init(&empty);
		d = &empty;
	}
	if (d->msg[0] || d->file[0] || d->place[0]) {
		struct ik_diag copy = *d;
		if (copy.err == 0)
			copy.err = err;
		ik_diag_format(&copy, line, sizeof(line));
	} else {
		snprintf(line, sizeof(line), "%s", strerror(err < 0 ? -err : EIO));
	}
	fprintf(stderr, "igvmkit %s: error: %s\n", cmd, line);
	return cli_exit_code(err);
}

int cli_error_diag_hint(const char *cmd, const struct ik_diag *d, int err, const char *hint)
{
	struct ik_diag copy;

	if (!d || !hint)
		return cli_error_diag(cmd, d, err);
	copy = *d;
	size_t used = strlen(copy.msg);
	snprintf(copy.msg + used, sizeof(copy.msg) - used, "%s%s", used ? "; " : "", hint);
	return cli_error_diag(cmd, &copy, err);
}

int cli_stdout_error(const char *cmd, int err)
{
	fprintf(stderr, "igvmkit %s%s: error: cannot write to standard output: %s\n", cmd ? " " : "",
		cmd ? cmd : "", strerror(err < 0 ? -err : EIO));
	return IK_EXIT_IO;
}

/*
 * FMT formatted into OUT with every control character and byte that is not
 * UTF-8 escaped (ik_escape_text): a name a caller forgot to pass through
 * cli_name still cannot break the line.  Names already escaped are kept.
 */
__attribute__((format(printf, 3, 0))) static void format_escaped(char *out, size_t size,
								  const char *fmt, va_list ap)
{
	char raw[IK_DIAG_MSG_MAX];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	ik_escape_text(raw, out, size);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	/* CMD NULL: an option before the command name */
	char text[2 * IK_DIAG_MSG_MAX];
	va_start(ap, fmt);
	format_escaped(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "igvmkit%s%s: error: %s", cmd ? " " : "", cmd ? cmd : "", text);
	fprintf(stderr, "\n(see 'igvmkit%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return IK_EXIT_USAGE;
}

/* Same option to getopt_long (glibc does not call such prefix matches ambiguous). */
static bool same_option(const struct option *a, const struct option *b)
{
	return a->has_arg == b->has_arg && a->flag == b->flag && a->val == b->val;
}

/* The options NAME (LEN bytes, no '=') names: exactly, else as a prefix.  Returns the count. */
static size_t long_matches(const struct option *longopts, const char *name, size_t len,
			   const struct option **ret_first)
{
	size_t n = 0;

	*ret_first = NULL;
	for (const struct option *o = longopts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
			*ret_first = o;
			return 1;
		}
	for (const struct option *o = longopts; o && o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (!*ret_first) {
			*ret_first = o;
			n = 1;
		} else if (!same_option(*ret_first, o)) {
			n++;
		}
	}
	return n;
}

/* Names of the options NAME (LEN bytes) is a prefix of, as "--a, --b". */
static void list_candidates(const struct option *longopts, const char *name, size_t len, char *out,
			    size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (const struct option *o = longopts; o && o->name && n + 1 < size; o++)
		if (strncmp(o->name, name, len) == 0) {
			int w = snprintf(out + n, size - n, "%s--%s", n ? ", " : "", o->name);
			if (w < 0)
				break;
			n += (size_t)w;
		}
}

const char *cli_data_dir(void)
{
	const char *env = getenv("IGVMKIT_DATADIR");

	return env && *env ? env : IGVMKIT_DATADIR;
}

/* CLI_LIST_OPTIONS: the table's long options, one a line, then exit (cli.h). */
static _Noreturn void list_options(const struct option *longopts)
{
	for (const struct option *o = longopts; o && o->name; o++)
		printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
	exit(fflush(stdout) == 0 ? IK_EXIT_OK : IK_EXIT_IO);
}

int cli_option_error(const char *cmd, char *const argv[], const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	int c = optopt;

	if (arg && strcmp(arg, CLI_LIST_OPTIONS) == 0)
		list_options(longopts);

	/*
	 * A long option ("--name" or "--name=value") when getopt gave no option
	 * value, or one that names the option whose value it gave; else a short
	 * option character (possibly inside a cluster such as "-qx").
	 */
	if (arg && strncmp(arg, "--", 2) == 0 && arg[2]) {
		const char *name = arg + 2;
		size_t len = strcspn(name, "=");
		const struct option *o;
		size_t n = long_matches(longopts, name, len, &o);

		if (c == 0 || (n == 1 && o->val == c)) {
			if (n == 0)
				return cli_usage_error(cmd, "unknown option '--%.*s'", (int)len, name);
			if (n > 1) {
				char list[512];
				list_candidates(longopts, name, len, list, sizeof(list));
				return cli_usage_error(cmd, "option '--%.*s' is ambiguous (%s)", (int)len,
						       name, list);
			}
			if (name[len] == '=' && o->has_arg == no_argument)
				return cli_usage_error(cmd, "option '--%s' takes no value", o->name);
			if (name[len] != '=' && o->has_arg == required_argument)
				return cli_usage_error(cmd, "option '--%s' needs a value", o->name);
			return cli_usage_error(cmd, "option '--%s' cannot be used this way", o->name);
		}
	}
	if (c > 0 && c < 128 && isgraph(c)) {
		/* getopt only fails on a known short option when its value is missing at the end. */
		bool known = false;
		for (const struct option *o = longopts; o && o->name; o++)
			known |= o->val == c && o->has_arg == required_argument;
		if (known && !argv[optind] && arg && arg[0] == '-' && arg[strlen(arg) - 1] == c)
			return cli_usage_error(cmd, "option '-%c' needs a value", c);
		return cli_usage_error(cmd, "unknown option '-%c'", c);
	}
	return cli_usage_error(cmd, "unknown option");
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	char text[2 * IK_DIAG_MSG_MAX];

	va_start(ap, fmt);
	format_escaped(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "igvmkit %s: warning: %s\n", cmd, text);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret)
{
	uint64_t v;

	if (ik_parse_u64(arg, &v) < 0)
		return cli_usage_error(cmd, "%s expects a number, got '%s'", opt, arg);
	if (v < min || v > max)
		return cli_usage_error(cmd, "%s must be between %ju and %ju, got '%s'", opt,
				       (uintmax_t)min, (uintmax_t)max, arg);
	*ret = v;
	return 0;
}

static void (*summary_print)(void *data);
static void *summary_data;

void cli_summary_before_commit(void (*print)(void *data), void *data)
{
	summary_print = print;
	summary_data = data;
}

void cli_summary_flush(void)
{
	void (*print)(void *data) = summary_print;

	summary_print = NULL;
	if (print)
		print(summary_data);
}

bool cli_summary_cancel(void)
{
	bool pending = summary_print != NULL;

	summary_print = NULL;
	return pending;
}

int cli_commit_gate(void *userdata, struct ik_diag *d)
{
	int r;

	(void)userdata;
	cli_summary_flush();
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	r = errno ? -errno : -EIO;
	return ik_fail(d, r, "cannot write to standard output: %s; no output was written", strerror(-r));
}

const char *cli_name(const char *name)
{
	static char bufs[4][IK_DIAG_FILE_MAX];
	static unsigned next;
	char *b = bufs[next++ % 4];

	ik_escape_name(name, b, sizeof(bufs[0]));
	return b;
}

int cli_source_date_epoch(const char *cmd, uint64_t max, uint64_t *ret)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	size_t digits = s ? strspn(s, "0123456789") : 0;
	unsigned long long v = 0;

	if (ret)
		*ret = 0;
	if (!s || !*s)
		return IK_EXIT_OK;
	if (digits && !s[digits] && digits <= 20) {
		errno = 0;
		v = strtoull(s, NULL, 10);
	}
	if (!digits || s[digits] || digits > 20 || errno || v > max)
		return cli_usage_error(cmd,
				       "SOURCE_DATE_EPOCH '%s' is not a decimal number of seconds from 0 to %ju "
				       "(https://reproducible-builds.org/specs/source-date-epoch/)",
				       cli_name(s), (uintmax_t)max);
	if (ret)
		*ret = v;
	return IK_EXIT_OK;
}

int cli_output_arg(const char *cmd, const char *opt, const char *arg)
{
	if (!arg[0])
		return cli_usage_error(cmd, "%s expects an output name, got ''", opt);
	if (ik_name_has_control(arg))
		return cli_usage_error(cmd, "%s: the output name '%s' holds a control character", opt,
				       cli_name(arg));
	return 0;
}
