/* SPDX-License-Identifier: MIT */
/*
 * Issue 14, items 1 and 14, at the library level: ik_escape_name shows any
 * file name on one line (control characters, backslashes and bytes that are
 * not UTF-8 escaped; valid UTF-8 kept); and with input tracking on, an
 * output whose target is a file the run read (by its name, a symbolic link,
 * a hard link or a '..' path) is refused by ik_out_open and, for an input
 * read after the output was opened, by ik_out_commit_all, which leaves the
 * input untouched.  Off (a library user's default), nothing is refused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "tests/ik_test.h"

static void escapes(void)
{
	char out[64];

	IK_CHECK_STR(ik_escape_name("plain.igvm", out, sizeof(out)), "plain.igvm");
	IK_CHECK_STR(ik_escape_name("a\nb\tc\rd", out, sizeof(out)), "a\\nb\\tc\\rd");
	IK_CHECK_STR(ik_escape_name("x\xff" "y", out, sizeof(out)), "x\\xffy");
	IK_CHECK_STR(ik_escape_name("back\\slash", out, sizeof(out)), "back\\\\slash");
	IK_CHECK_STR(ik_escape_name("\x1b[31mred", out, sizeof(out)), "\\x1b[31mred");
	IK_CHECK_STR(ik_escape_name("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9"); /* valid UTF-8 stays */
	IK_CHECK_STR(ik_escape_name("\xc0\xaf", out, sizeof(out)), "\\xc0\\xaf");     /* overlong '/' */
	IK_CHECK_STR(ik_escape_name("\xed\xa0\x80", out, sizeof(out)), "\\xed\\xa0\\x80"); /* surrogate */
	IK_CHECK_STR(ik_escape_name("\x7f", out, sizeof(out)), "\\x7f");
	IK_CHECK_STR(ik_escape_name("abcdef", out, 4), "abc"); /* cut short, terminated */
	IK_CHECK_STR(ik_escape_name("ab\n", out, 4), "ab");    /* an escape is never cut in half */
	IK_CHECK(ik_name_has_control("a\nb"));
	IK_CHECK(!ik_name_has_control("caf\xc3\xa9 \xff"));
}

/* A message embedding a name ("cannot open 'a\nb'") is escaped when formatted, once. */
static void messages(void)
{
	char out[256];
	struct ik_diag d;

	/* backslashes kept: text escaped before, or quoting "PE\0\0", passes unchanged */
	IK_CHECK_STR(ik_escape_text("expected 'PE\\0\\0' in a\\nb", out, sizeof(out)),
		     "expected 'PE\\0\\0' in a\\nb");
	IK_CHECK_STR(ik_escape_text("cannot open 'a\nb\xff'", out, sizeof(out)), "cannot open 'a\\nb\\xff'");

	ik_diag_init(&d);
	ik_fail_at(&d, -ENOENT, "line 1\x1b", "cannot open 'in\nx\xff.igvm'");
	snprintf(d.file, sizeof(d.file), "l\n.yaml");
	ik_diag_format(&d, out, sizeof(out));
	IK_CHECK_STR(out, "l\\n.yaml:line 1\\x1b: cannot open 'in\\nx\\xff.igvm'");
	ik_diag_init(&d);
	ik_fail(&d, -EINVAL, "plain 'a.igvm' (\\ kept)");
	ik_diag_format(&d, out, sizeof(out));
	IK_CHECK_STR(out, "plain 'a.igvm' (\\ kept)"); /* ordinary text byte for byte */
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool holds(const char *path, const char *text)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

static void clashes(void)
{
	static const char *const spellings[] = { "in.bin", "link.bin", "hard.bin", "sub/../in.bin" };
	struct ik_file_bytes in;
	struct ik_out o, *all[1] = { &o };
	struct ik_diag d;

	put("in.bin", "input");
	(void)symlink("in.bin", "link.bin");
	(void)link("in.bin", "hard.bin");
	mkdir("sub", 0700);

	/* tracking off: a library user may rewrite a file it read */
	IK_CHECK_EQ_U64(ik_file_load("in.bin", 0, &in, NULL), 0);
	ik_file_release(&in);
	IK_CHECK_EQ_U64(ik_out_open(&o, "in.bin", NULL), 0);
	ik_out_abort(&o);

	ik_inputs_track(true);
	IK_CHECK_EQ_U64(ik_file_load("in.bin", 0, &in, NULL), 0);
	ik_file_release(&in); /* released: still an input of the run */
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		ik_diag_init(&d);
		IK_CHECK_EQ_U64((uint64_t)(int64_t)ik_out_open(&o, spellings[i], &d), (uint64_t)(int64_t)IK_E_OUTPUT_IS_INPUT);
		IK_CHECK_STR(d.file, spellings[i]);
		IK_CHECK(strstr(d.msg, "'in.bin'") != NULL);
		ik_out_abort(&o);
	}
	/* a new name next to it, or a name not yet existing under it, is fine */
	ik_diag_init(&d);
	IK_CHECK_EQ_U64(ik_out_open(&o, "new.bin", &d), 0);
	/* an input read after the output was opened is caught at the commit */
	put("late.bin", "late");
	ik_out_abort(&o);
	IK_CHECK_EQ_U64(ik_out_open(&o, "late.bin", &d), 0);
	IK_CHECK_EQ_U64(ik_out_write(&o, "new", 3, &d), 0);
	IK_CHECK_EQ_U64(ik_file_load("late.bin", 0, &in, NULL), 0);
	ik_file_release(&in);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)ik_out_commit_all(all, 1, &d), (uint64_t)(int64_t)IK_E_OUTPUT_IS_INPUT);
	ik_out_abort(&o);
	IK_CHECK(holds("late.bin", "late"));
	IK_CHECK(holds("in.bin", "input"));
	/* a control character in an output name is refused */
	ik_diag_init(&d);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)ik_out_open(&o, "a\nb.bin", &d), (uint64_t)(int64_t)-EINVAL);
	IK_CHECK(strstr(d.msg, "a\\nb.bin") != NULL);
	ik_out_abort(&o);
	ik_inputs_track(false);
}

int main(void)
{
	char dir[] = "/tmp/ik-test-names-XXXXXX";

	escapes();
	messages();
	if (!mkdtemp(dir) || chdir(dir) < 0)
		return 1;
	clashes();
	unlink("in.bin");
	unlink("link.bin");
	unlink("hard.bin");
	unlink("late.bin");
	rmdir("sub");
	if (chdir("/") == 0)
		rmdir(dir);
	return ik_test_done();
}
