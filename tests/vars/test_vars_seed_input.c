/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the vars seed library (vars/seed_input.h, seed_build.h,
 * authgen.h): the hash/set/drop spec language, ordered inputs, whole
 * builds of signature lists, stores, JSON stores and .auth updates, and
 * their failures.  Each build is compared byte for byte with what
 * `igvmkit vars` writes for the same inputs (argv[1] is the binary), so a
 * program using the library builds the same store as the command line.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "tests/ik_test.h"
#include "vars/authgen.h"
#include "vars/efi.h"
#include "vars/seed_build.h"
#include "vars/seed_input.h"

extern char **environ;

static const char *igvmkit;
static char dir[256];
static const char sde[] = "1700000000";
static const char sha256_hex[] =
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/* DIR/NAME into a buffer of the caller's (PATH_LEN bytes). */
#define PATH_LEN 320
static const char *at(char out[PATH_LEN], const char *name)
{
	snprintf(out, PATH_LEN, "%s/%s", dir, name);
	return out;
}

static int write_bytes(const char *name, const void *p, size_t len)
{
	char path[PATH_LEN];
	FILE *f = fopen(at(path, name), "wb");
	int ok = f && fwrite(p, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static bool file_equals(const char *name, const struct ik_buf *b)
{
	char path[PATH_LEN];
	struct ik_file_bytes f;
	bool same;

	if (ik_file_load(at(path, name), 0, &f, NULL) < 0)
		return false;
	same = f.len == b->len && memcmp(f.data, b->data, b->len) == 0;
	ik_file_release(&f);
	return same;
}

/* Runs igvmkit with ARGV (NULL-terminated, without argv[0]) in DIR; its exit status. */
static int run_igvmkit(const char *const *args)
{
	char *argv[40];
	size_t n = 0;
	pid_t pid;
	int status;

	argv[n++] = (char *)igvmkit;
	while (*args && n < IK_ARRAY_SIZE(argv) - 1)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (posix_spawn(&pid, igvmkit, NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A self-signed RSA-2048 certificate and its key as NAME.crt and NAME.key (PEM) in DIR. */
static int make_signer(const char *name)
{
	char crt_path[PATH_LEN], key_path[PATH_LEN], file[64];
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	FILE *fc = NULL, *fk = NULL;
	int ok = 0;

	snprintf(file, sizeof(file), "%s.crt", name);
	at(crt_path, file);
	snprintf(file, sizeof(file), "%s.key", name);
	at(key_path, file);
	if (k && x) {
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, k);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					   (const unsigned char *)name, -1, -1, 0);
		X509_set_issuer_name(x, X509_get_subject_name(x));
		fc = fopen(crt_path, "w");
		fk = fopen(key_path, "w");
		ok = X509_sign(x, k, EVP_sha256()) > 0 && fc && fk && PEM_write_X509(fc, x) &&
		     PEM_write_PrivateKey(fk, k, NULL, NULL, 0, NULL, NULL);
	}
	if (fc)
		fclose(fc);
	if (fk)
		fclose(fk);
	X509_free(x);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

/* ---- the spec language -------------------------------------------------------------------- */

static void test_hash_spec(void)
{
	struct vars_hash_spec h;
	struct ik_diag d;
	char spec[128];

	snprintf(spec, sizeof(spec), "sha256:%s", sha256_hex);
	IK_CHECK(vars_hash_spec_parse(spec, "hash", &h, NULL) == 0);
	IK_CHECK(h.type == vars_sig_type_by_short_name("sha256"));
	IK_CHECK(h.hash[0] == 0x00 && h.hash[1] == 0x11 && h.hash[31] == 0xff);
	IK_CHECK(vars_hash_parse("sha256", sha256_hex, "hash", &h, NULL) == 0);

	ik_diag_init(&d);
	IK_CHECK(vars_hash_spec_parse("sha384:00", "--hash", &h, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "HEX");
	IK_CHECK_STR(d.msg, "--hash sha384: expected 48 bytes as 96 hex digits, got '00' "
			    "(2 characters)");
	ik_diag_init(&d);
	IK_CHECK(vars_hash_spec_parse("md5:00", "hash", &h, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "ALG");
	IK_CHECK(strstr(d.msg, "hash: unknown algorithm 'md5'") == d.msg);
	ik_diag_init(&d);
	IK_CHECK(vars_hash_spec_parse("nocolon", "hash", &h, &d) == -EINVAL);
	IK_CHECK_STR(d.msg, "hash expects ALG:HEX, got 'nocolon'");
	/* A signature type that is not a plain hash is no hash algorithm. */
	IK_CHECK(vars_hash_parse("x509", "00", "hash", &h, NULL) == -EINVAL);
}

static void test_set_drop_spec(void)
{
	struct vars_set_spec s;
	struct vars_drop_spec dr;
	struct ik_diag d;

	IK_CHECK(vars_set_spec_parse("Foo:global:NV,BS:/a/b:c", "set", &s, NULL) == 0);
	IK_CHECK_STR(s.name, "Foo");
	IK_CHECK(ik_guid_equal(&s.guid, &vars_guid_global_variable));
	IK_CHECK_EQ_U64(s.attr, EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS);
	IK_CHECK_STR(s.path, "/a/b:c"); /* FILE keeps its colons */
	vars_set_spec_release(&s);

	ik_diag_init(&d);
	IK_CHECK(vars_set_spec_parse("Foo:bogus:NV:x", "--set", &s, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "GUID");
	IK_CHECK_STR(d.msg, "--set Foo: 'bogus' is not a GUID");
	IK_CHECK(s.name == NULL && s.path == NULL);
	ik_diag_init(&d);
	IK_CHECK(vars_set_spec_parse("Foo:global:BS:x", "set", &s, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "ATTR");
	ik_diag_init(&d);
	IK_CHECK(vars_set_spec_parse("Foo:global:NV", "set", &s, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "FILE");
	IK_CHECK_STR(d.msg, "set expects NAME:GUID:ATTR:FILE, got 'Foo:global:NV'");

	IK_CHECK(vars_drop_spec_parse("Foo:global", "drop", &dr, NULL) == 0);
	IK_CHECK(dr.has_guid && ik_guid_equal(&dr.guid, &vars_guid_global_variable));
	vars_drop_spec_release(&dr);
	IK_CHECK(vars_drop_spec_parse("PK", "drop", &dr, NULL) == 0);
	IK_CHECK(!dr.has_guid && strcmp(dr.name, "PK") == 0);
	vars_drop_spec_release(&dr);
	ik_diag_init(&d);
	IK_CHECK(vars_drop_spec_parse("Foo", "drop", &dr, &d) == -EINVAL);
	IK_CHECK_STR(d.msg, "drop Foo: give NAME:GUID");
	ik_diag_init(&d);
	IK_CHECK(vars_drop_spec_parse("Foo:zz", "drop", &dr, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "GUID");
}

static void test_time_default(void)
{
	struct vars_time t, zero;
	struct ik_diag d;

	memset(&zero, 0, sizeof(zero));
	t = zero;
	IK_CHECK(vars_time_default(NULL, NULL, &t, NULL) == 0);
	IK_CHECK(vars_time_default(NULL, "", &t, NULL) == 0);
	IK_CHECK(vars_time_is_zero(t.b));
	IK_CHECK(vars_time_default(NULL, sde, &t, NULL) == 1);
	IK_CHECK_EQ_U64(vars_time_to_epoch(&t), 1700000000);
	IK_CHECK(vars_time_default("@5", sde, &t, NULL) == 1); /* the given time wins */
	IK_CHECK_EQ_U64(vars_time_to_epoch(&t), 5);
	ik_diag_init(&d);
	IK_CHECK(vars_time_default(NULL, "soon", &t, &d) == -EINVAL);
	IK_CHECK_STR(d.msg, "SOURCE_DATE_EPOCH must be a number of seconds, got 'soon'");
	IK_CHECK(vars_time_default("yesterday", sde, &t, NULL) == -EINVAL);
}

/* ---- whole builds, as the command line makes them ----------------------------------------- */

static void test_esl_matches_cli(void)
{
	const struct ik_guid *ms = &vars_guid_owner_microsoft;
	char crt[PATH_LEN], hash[128];
	const struct vars_seed_input in[] = {
		{ VARS_SEED_IN_CERT, 0, at(crt, "a.crt"), vars_guid_zero, NULL },
		{ VARS_SEED_IN_HASH, 0, hash, *ms, NULL },
		{ VARS_SEED_IN_SHA256, 0, sha256_hex, *ms, NULL },
		{ VARS_SEED_IN_REVOKE, 0, crt, *ms, NULL },
	};
	const char *argv[] = { "vars", "esl", "-o", NULL, "-c", crt, "-g", "microsoft",
			       "--hash", hash, "--sha256", sha256_hex, "--revoke-cert", crt, NULL };
	char out[PATH_LEN];
	struct vars_failure fail;
	struct ik_buf b;
	struct ik_diag d;

	snprintf(hash, sizeof(hash), "sha384:%s%s", sha256_hex, "00112233445566778899aabbccddeeff");
	argv[3] = at(out, "cli.esl");
	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	IK_CHECK(vars_esl_build(in, IK_ARRAY_SIZE(in), false, &b, &fail, &d) == 0);
	IK_CHECK(run_igvmkit(argv) == 0);
	IK_CHECK(b.len > 0 && file_equals("cli.esl", &b));
	IK_CHECK(write_bytes("lib.esl", b.data, b.len) == 0);
	ik_buf_release(&b);

	/* Nothing to build from. */
	ik_buf_init(&b, 0);
	IK_CHECK(vars_esl_build(in, 0, false, &b, &fail, NULL) == -ENODATA);
	IK_CHECK(fail.step == VARS_STEP_NO_ENTRIES && b.len == 0);
	ik_buf_release(&b);
}

/* The store and JSON of the same seed: certificates, an .esl of hashes, set, drop. */
static void test_store_matches_cli(void)
{
	const struct ik_guid *ms = &vars_guid_owner_microsoft;
	char crt[PATH_LEN], esl[PATH_LEN], data[PATH_LEN], base[PATH_LEN], cli[PATH_LEN];
	char set[PATH_LEN + 32], set_bar[PATH_LEN + 32];
	/* -g applies to the options after it: so the owners of these inputs. */
	const struct vars_seed_input in[] = {
		{ VARS_SEED_IN_SIGDB, VARS_SIGDB_PK, at(crt, "a.crt"), vars_guid_zero, NULL },
		{ VARS_SEED_IN_SIGDB, VARS_SIGDB_KEK, crt, *ms, NULL },
		{ VARS_SEED_IN_SIGDB, VARS_SIGDB_DB, at(esl, "lib.esl"), *ms, NULL },
		{ VARS_SEED_IN_SET, 0, set, *ms, NULL },
		{ VARS_SEED_IN_DROP, 0, "Bar:global", *ms, NULL },
	};
	const char *base_argv[] = { "vars", "store", "-o", at(base, "base.fd"), "--size", "2m",
				    "--set", set_bar, NULL };
	const char *store_argv[] = { "vars", "store", "-i", base, "-o", at(cli, "cli.fd"),
				     "--pk", crt, "-g", "microsoft", "--kek", crt, "--db", esl,
				     "--set", set, "--delete", "Bar:global", "--secure-boot", NULL };
	const char *json_argv[] = { "vars", "json", "-o", at(cli, "cli.json"), "-g", "microsoft",
				    "--kek", crt, "--db", esl, "--set", set, "--secure-boot", NULL };
	struct vars_seed_request req = {
		.inputs = in,
		.n_inputs = IK_ARRAY_SIZE(in),
		.secure_boot = VARS_SB_ENABLED,
		.base = base,
		.output = VARS_SEED_OUT_STORE,
		.source_date_epoch = sde,
	};
	struct vars_failure fail;
	struct ik_buf b;
	struct ik_diag d;

	IK_CHECK(write_bytes("data.bin", "hello", 5) == 0);
	snprintf(set, sizeof(set), "Foo:global:NV,BS,RT:%s", at(data, "data.bin"));
	snprintf(set_bar, sizeof(set_bar), "Bar:global:NV,BS:%s", data);
	IK_CHECK(run_igvmkit(base_argv) == 0);
	store_argv[5] = at(cli, "cli.fd");
	IK_CHECK(run_igvmkit(store_argv) == 0);
	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == 0);
	IK_CHECK(b.len == 0x20000 && file_equals("cli.fd", &b)); /* the base's 2m layout */
	ik_buf_release(&b);

	/* JSON from nothing; Secure Boot without a PK leaves the firmware in setup mode. */
	req.inputs = in + 1;
	req.n_inputs = 3;
	req.base = NULL;
	req.output = VARS_SEED_OUT_JSON;
	json_argv[3] = at(cli, "cli.json");
	ik_buf_init(&b, 0);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == VARS_SEED_BUILT_SETUP_MODE);
	IK_CHECK(run_igvmkit(json_argv) == 0);
	IK_CHECK(b.len > 0 && file_equals("cli.json", &b));
	ik_buf_release(&b);
}

/* Bad inputs come back as the step and input that failed, the diag naming it. */
static void test_build_failures(void)
{
	char crt[PATH_LEN], missing[PATH_LEN], data[PATH_LEN], set_pk[PATH_LEN + 32];
	struct vars_seed_input in[] = {
		{ VARS_SEED_IN_SIGDB, VARS_SIGDB_DB, at(crt, "a.crt"), vars_guid_zero, NULL },
		{ VARS_SEED_IN_SET, 0, "Foo:nope:NV:x", vars_guid_zero, "--set" },
	};
	struct vars_seed_request req = { .inputs = in, .n_inputs = 2,
					 .secure_boot = VARS_SB_UNCHANGED,
					 .output = VARS_SEED_OUT_STORE };
	struct vars_failure fail;
	struct ik_buf b;
	struct ik_diag d;

	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_INPUT_SPEC && fail.input == 1);
	IK_CHECK_STR(d.place, "GUID");
	IK_CHECK_STR(d.msg, "--set Foo: 'nope' is not a GUID");

	snprintf(set_pk, sizeof(set_pk), "PK:global:NV:%s", at(data, "data.bin"));
	in[1] = (struct vars_seed_input){ VARS_SEED_IN_SET, 0, set_pk, vars_guid_zero, NULL };
	ik_diag_init(&d);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_SET_SIGDB && fail.sigdb == VARS_SIGDB_PK);

	in[1] = (struct vars_seed_input){ VARS_SEED_IN_DROP, 0, "Foo", vars_guid_zero, NULL };
	ik_diag_init(&d);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_INPUT_SPEC && fail.input == 1);
	IK_CHECK_STR(d.msg, "drop Foo: give NAME:GUID"); /* the default label */

	in[0].arg = at(missing, "missing.crt");
	ik_diag_init(&d);
	IK_CHECK(vars_seed_build(&req, &b, &fail, &d) == -ENOENT);
	IK_CHECK(fail.step == VARS_STEP_INPUT && fail.input == 0);
	IK_CHECK_STR(d.file, missing);

	/* Request steps after the inputs. */
	in[0].arg = crt;
	req.n_inputs = 1;
	req.output = VARS_SEED_OUT_IMAGE;
	IK_CHECK(vars_seed_build(&req, &b, &fail, NULL) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_NEEDS_BASE);
	req.output = VARS_SEED_OUT_STORE;
	req.time = "noon";
	IK_CHECK(vars_seed_build(&req, &b, &fail, NULL) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_TIME);
	req.time = NULL;
	req.source_date_epoch = "-1";
	IK_CHECK(vars_seed_build(&req, &b, &fail, NULL) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_SOURCE_DATE_EPOCH);
	req.source_date_epoch = NULL;
	req.size = "1m";
	IK_CHECK(vars_seed_build(&req, &b, &fail, NULL) < 0);
	IK_CHECK(fail.step == VARS_STEP_SIZE);
	IK_CHECK(b.len == 0); /* nothing written by any failure */
	ik_buf_release(&b);

	{
		const struct vars_store_geometry *g2, *g4, *g;
		enum vars_step step = VARS_STEP_NONE;

		IK_CHECK(vars_store_geometry_parse("2m", &g2, NULL) == 0);
		IK_CHECK(vars_store_geometry_parse("4m", &g4, NULL) == 0);
		ik_diag_init(&d);
		IK_CHECK(vars_seed_geometry_choose("4m", g2, &g, &step, &d) == -EINVAL);
		IK_CHECK(step == VARS_STEP_SIZE_MISMATCH);
		IK_CHECK_STR(d.msg, "size 4m differs from the input's 2m layout");
		IK_CHECK(vars_seed_geometry_choose(NULL, g2, &g, &step, NULL) == 0 && g == g2);
		IK_CHECK(vars_seed_geometry_choose(NULL, NULL, &g, &step, NULL) == 0 && g == g4);
	}
}

static void test_auth_matches_cli(void)
{
	char crt[PATH_LEN], key[PATH_LEN], esl[PATH_LEN], auth[PATH_LEN];
	const char *argv[] = { "vars", "auth", "db", "-k", at(key, "a.key"), "-c", at(crt, "a.crt"),
			       "-t", "@5", "-o", at(auth, "cli.auth"), at(esl, "lib.esl"), NULL };
	struct vars_auth_request req = {
		.name = "db",
		.time = "@5",
		.input = esl,
		.mode = VARS_AUTH_SIGN,
		.signer = { .key = key, .cert = crt },
	};
	const struct vars_seed_input anchors[] = {
		{ VARS_SEED_IN_ANCHOR, 0, crt, vars_guid_zero, NULL },
	};
	struct vars_verify_request v = { .auth = auth, .name = "db", .anchors = anchors,
					 .n_anchors = 1 };
	struct vars_failure fail;
	struct ik_buf b;
	struct ik_diag d;

	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	/* RSA PKCS#1 v1.5 without signed attributes: the same bytes every time. */
	IK_CHECK(vars_auth_build(&req, &b, &fail, &d) == 0);
	IK_CHECK(run_igvmkit(argv) == 0);
	IK_CHECK(b.len > 0 && file_equals("cli.auth", &b));
	ik_buf_release(&b);

	IK_CHECK(vars_auth_verify_file(&v, &fail, NULL) == 0);
	v.name = "KEK";
	ik_diag_init(&d);
	IK_CHECK(vars_auth_verify_file(&v, &fail, &d) == -EBADE);
	IK_CHECK_STR(d.file, auth);
	v.n_anchors = 0;
	IK_CHECK(vars_auth_verify_file(&v, &fail, NULL) == -ENODATA);
	IK_CHECK(fail.step == VARS_STEP_NO_ENTRIES);

	/* A non-append update without any time; a key that is not there. */
	ik_buf_init(&b, 0);
	req.time = NULL;
	IK_CHECK(vars_auth_build(&req, &b, &fail, NULL) == -EINVAL);
	IK_CHECK(fail.step == VARS_STEP_NEEDS_TIME);
	req.time = "0";
	req.signer.key = "missing.key";
	IK_CHECK(vars_auth_build(&req, &b, &fail, NULL) < 0);
	IK_CHECK(fail.step == VARS_STEP_KEY);
	IK_CHECK(b.len == 0);
	ik_buf_release(&b);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	if (argc != 2) {
		fprintf(stderr, "usage: %s IGVMKIT\n", argv[0]);
		return 2;
	}
	igvmkit = argv[1];
	snprintf(dir, sizeof(dir), "%s/ik-seed-input.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || make_signer("a") < 0) {
		perror("test setup");
		return 1;
	}
	/* The command line reads SOURCE_DATE_EPOCH; the library is given the same value. */
	setenv("SOURCE_DATE_EPOCH", sde, 1);
	test_hash_spec();
	test_set_drop_spec();
	test_time_default();
	test_esl_matches_cli();
	test_store_matches_cli();
	test_build_failures();
	test_auth_matches_cli();
	{
		char cmd[PATH_LEN + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return ik_test_done();
}
