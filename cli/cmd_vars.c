/* SPDX-License-Identifier: MIT */
/*
 * igvmkit vars: UEFI Secure Boot variable seeds without a layout.
 *
 *   vars esl      build an EFI signature list (cert-to-efi-sig-list, sbsiglist)
 *   vars auth     build an authenticated update (sign-efi-sig-list, sbvarsign)
 *   vars verify   check an .auth signature against certificates
 *   vars store    build an edk2 variable store image (virt-fw-vars -o)
 *   vars json     build a QEMU uefi-vars JSON store (virt-fw-vars --output-json)
 *   vars list     describe an .esl, .auth or store (virt-fw-vars -p)
 *   vars extract  write one variable's data (or an .auth payload)
 *
 * docs/cmd/vars.md documents every option.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/key.h"
#include "vars/auth.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/inspect.h"
#include "vars/secureboot.h"
#include "vars/seed.h"
#include "vars/varlist.h"
#include "vars/varstore.h"
#include "vars/x509.h"

#define CMD "vars"

IK_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)

/* Failure of a library call about FILE: adds the file name and prints. */
static int fail_file(const char *file, struct ik_diag *d, int r)
{
	ik_diag_file(d, file, r);
	return cli_error_diag(CMD, d, r);
}

/* Loads PATH and hands its bytes to fn; a failure is printed naming PATH. */
static int with_file(const char *path,
		     int (*fn)(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d),
		     void *ctx)
{
	struct ik_file_bytes f;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r >= 0) {
		r = fn(f.data, f.len, ctx, &d);
		ik_file_release(&f);
	}
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int write_out(const char *path, const struct ik_buf *b)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (strcmp(path, "-") == 0) {
		if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
			return cli_error_diag(CMD, &d, ik_fail(&d, -EIO, "cannot write to stdout"));
		return fflush(stdout) == 0 ? 0 : IK_EXIT_IO;
	}
	r = ik_write_file_atomic(path, b->data, b->len, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	return 0;
}

static int parse_guid_opt(const char *opt, const char *arg, struct ik_guid *ret)
{
	if (vars_guid_parse_alias(arg, ret) < 0)
		return cli_usage_error(CMD,
				       "%s expects a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or one "
				       "of global, security, microsoft, ovmf, shim, zero; got '%s'",
				       opt, arg);
	return 0;
}

static int parse_time_opt(const char *arg, struct vars_time *ret)
{
	struct ik_diag d;

	ik_diag_init(&d);
	if (vars_time_parse(arg, ret, &d) < 0)
		return cli_usage_error(CMD, "--time: %s", d.msg);
	return 0;
}

/* --time wins, then SOURCE_DATE_EPOCH; returns 1 if a time was found, 0 if not. */
static int default_time(const char *time_arg, struct vars_time *ret)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct ik_diag d;
	uint64_t secs;

	if (time_arg)
		return parse_time_opt(time_arg, ret) == 0 ? 1 : -IK_EXIT_USAGE;
	if (!sde || !*sde)
		return 0;
	ik_diag_init(&d);
	if (ik_parse_u64(sde, &secs) < 0 || secs > INT64_MAX ||
	    vars_time_from_epoch((int64_t)secs, ret, &d) < 0) {
		cli_usage_error(CMD, "SOURCE_DATE_EPOCH must be a number of seconds, got '%s'", sde);
		return -IK_EXIT_USAGE;
	}
	return 1;
}

/* ---- the command line: one option table for every subcommand --------------------------- */

enum sub { SUB_ESL, SUB_AUTH, SUB_VERIFY, SUB_STORE, SUB_JSON, SUB_LIST, SUB_EXTRACT };
#define M(s) (1u << (s))
#define M_SEED (M(SUB_STORE) | M(SUB_JSON))
#define M_OUTPUT (M(SUB_ESL) | M(SUB_AUTH) | M_SEED | M(SUB_EXTRACT))

/* Options that add something, kept in command-line order (-g/--owner applies to those after it). */
enum entry_kind {
	ENTRY_CERT,   /* esl -c: each certificate of the file as its own list */
	ENTRY_REVOKE, /* esl --revoke-cert: EFI_CERT_X509_SHA256 of each certificate */
	ENTRY_HASH,   /* esl --hash ALG:HEX */
	ENTRY_SHA256, /* esl --sha256 HEX */
	ENTRY_PE,     /* esl --pe: Authenticode SHA-256 */
	ENTRY_ANY,    /* esl -a: .esl, .auth, certificate or PE */
	ENTRY_ANCHOR, /* verify -c: trusted certificates */
	ENTRY_SIGDB,  /* store/json --pk/--kek/--db/--dbx/--dbt */
	ENTRY_SET,    /* store/json --set NAME:GUID:ATTR:FILE */
	ENTRY_DROP,   /* store/json --delete NAME[:GUID] */
};

struct entry {
	enum entry_kind kind;
	enum vars_sigdb which; /* ENTRY_SIGDB */
	const char *arg;
	struct ik_guid owner;  /* -g/--owner in force where it was given */
};

struct opt_guid {
	bool set;
	struct ik_guid g;
};

/* Everything the options of any subcommand say. */
struct args {
	const char *output, *input, *size, *time, *key, *cert, *chain, *signature;
	struct sign_secret_source secret;
	struct opt_guid guid, owner;
	bool append, is_unsigned, tbs, delete, signed_attrs, content_info, allow_non_rsa;
	bool whole_image, json;
	enum vars_sb_state secure_boot;
	struct entry *entries;
	size_t n_entries;
	char **pos; /* positional arguments */
	int n_pos;
};

enum action {
	SET_STR,   /* field = optarg */
	SET_TRUE,  /* field = true */
	SET_GUID,  /* field = the GUID optarg names */
	ADD_ENTRY, /* an entry of kind value */
	SET_SB,	   /* secure_boot = value */
	SHOW_HELP,
};

struct opt_row {
	const char *name;
	char short_name; /* 0: long only */
	int has_arg;
	enum action action;
	size_t field; /* offsetof(struct args, ...) */
	int value;    /* ADD_ENTRY: enum entry_kind; SET_SB: enum vars_sb_state */
	int which;    /* ENTRY_SIGDB: enum vars_sigdb */
	unsigned subs;
};

#define F(f) offsetof(struct args, f)
#define ENTRY(kind) ADD_ENTRY, 0, (kind), 0
#define SIGDB(w) ADD_ENTRY, 0, ENTRY_SIGDB, (w)
static const struct opt_row opt_rows[] = {
	{ "owner", 'g', required_argument, SET_GUID, F(owner), 0, 0, M(SUB_ESL) | M_SEED },
	{ "owner", 0, required_argument, SET_GUID, F(owner), 0, 0, M(SUB_AUTH) },
	{ "guid", 'g', required_argument, SET_GUID, F(guid), 0, 0,
	  M(SUB_AUTH) | M(SUB_VERIFY) | M(SUB_EXTRACT) },
	{ "cert", 'c', required_argument, ENTRY(ENTRY_CERT), M(SUB_ESL) },
	{ "cert", 'c', required_argument, SET_STR, F(cert), 0, 0, M(SUB_AUTH) },
	{ "cert", 'c', required_argument, ENTRY(ENTRY_ANCHOR), M(SUB_VERIFY) },
	{ "hash", 0, required_argument, ENTRY(ENTRY_HASH), M(SUB_ESL) },
	{ "sha256", 0, required_argument, ENTRY(ENTRY_SHA256), M(SUB_ESL) },
	{ "pe", 0, required_argument, ENTRY(ENTRY_PE), M(SUB_ESL) },
	{ "revoke-cert", 0, required_argument, ENTRY(ENTRY_REVOKE), M(SUB_ESL) },
	{ "add", 'a', required_argument, ENTRY(ENTRY_ANY), M(SUB_ESL) },
	{ "allow-non-rsa", 0, no_argument, SET_TRUE, F(allow_non_rsa), 0, 0, M(SUB_ESL) },
	{ "key", 'k', required_argument, SET_STR, F(key), 0, 0, M(SUB_AUTH) },
	{ "chain", 0, required_argument, SET_STR, F(chain), 0, 0, M(SUB_AUTH) },
	{ "unsigned", 0, no_argument, SET_TRUE, F(is_unsigned), 0, 0, M(SUB_AUTH) },
	{ "signature", 0, required_argument, SET_STR, F(signature), 0, 0, M(SUB_AUTH) },
	{ "tbs", 0, no_argument, SET_TRUE, F(tbs), 0, 0, M(SUB_AUTH) },
	{ "append", 'A', no_argument, SET_TRUE, F(append), 0, 0, M(SUB_AUTH) | M(SUB_VERIFY) },
	{ "time", 't', required_argument, SET_STR, F(time), 0, 0, M(SUB_AUTH) | M_SEED },
	{ "delete", 0, no_argument, SET_TRUE, F(delete), 0, 0, M(SUB_AUTH) },
	{ "delete", 0, required_argument, ENTRY(ENTRY_DROP), M_SEED },
	{ "signed-attrs", 0, no_argument, SET_TRUE, F(signed_attrs), 0, 0, M(SUB_AUTH) },
	{ "content-info", 0, no_argument, SET_TRUE, F(content_info), 0, 0, M(SUB_AUTH) },
	{ "passphrase-file", 0, required_argument, SET_STR, F(secret.file), 0, 0, M(SUB_AUTH) },
	{ "passphrase-env", 0, required_argument, SET_STR, F(secret.env), 0, 0, M(SUB_AUTH) },
	{ "input", 'i', required_argument, SET_STR, F(input), 0, 0, M_SEED },
	{ "size", 's', required_argument, SET_STR, F(size), 0, 0, M_SEED },
	{ "whole-image", 0, no_argument, SET_TRUE, F(whole_image), 0, 0, M_SEED },
	{ "pk", 0, required_argument, SIGDB(VARS_SIGDB_PK), M_SEED },
	{ "kek", 0, required_argument, SIGDB(VARS_SIGDB_KEK), M_SEED },
	{ "db", 0, required_argument, SIGDB(VARS_SIGDB_DB), M_SEED },
	{ "dbx", 0, required_argument, SIGDB(VARS_SIGDB_DBX), M_SEED },
	{ "dbt", 0, required_argument, SIGDB(VARS_SIGDB_DBT), M_SEED },
	{ "secure-boot", 0, no_argument, SET_SB, 0, VARS_SB_ENABLED, 0, M_SEED },
	{ "no-secure-boot", 0, no_argument, SET_SB, 0, VARS_SB_DISABLED, 0, M_SEED },
	{ "set", 0, required_argument, ENTRY(ENTRY_SET), M_SEED },
	{ "json", 'j', no_argument, SET_TRUE, F(json), 0, 0, M(SUB_LIST) },
	{ "output", 'o', required_argument, SET_STR, F(output), 0, 0, M_OUTPUT },
	{ "help", 'h', no_argument, SHOW_HELP, 0, 0, 0, ~0u },
};
#undef F
#undef ENTRY
#undef SIGDB

struct subcommand {
	const char *name;
	enum sub id;
	int (*run)(struct args *a, const struct subcommand *sc);
	const char *summary;
	const char *help; /* NULL: seed_help() */
	int min_pos, max_pos;	/* positional arguments */
	const char *pos_error;	/* message for a wrong count; NULL: "unexpected argument" */
	const char *few_error;	/* message for too few, when it differs */
};

static int add_entry(struct args *a, const struct opt_row *row, const char *arg)
{
	struct entry *grown;

	grown = realloc(a->entries, (a->n_entries + 1) * sizeof(*grown));
	if (!grown)
		return IK_EXIT_INTERNAL;
	a->entries = grown;
	grown[a->n_entries++] = (struct entry){ (enum entry_kind)row->value,
						(enum vars_sigdb)row->which, arg, a->owner.g };
	return 0;
}

static void seed_help(FILE *out, const char *sub);

/* Does what one option row says; -1 after --help. */
static int apply_option(struct args *a, const struct subcommand *sc, const struct opt_row *row,
			const char *arg)
{
	char *field = (char *)a + row->field;
	char opt[32];

	switch (row->action) {
	case SET_STR:
		*(const char **)(void *)field = arg;
		return 0;
	case SET_TRUE:
		*(bool *)(void *)field = true;
		return 0;
	case SET_GUID:
		snprintf(opt, sizeof(opt), "--%s", row->name);
		((struct opt_guid *)(void *)field)->set = true;
		return parse_guid_opt(opt, arg, &((struct opt_guid *)(void *)field)->g);
	case ADD_ENTRY:
		return add_entry(a, row, arg);
	case SET_SB:
		a->secure_boot = (enum vars_sb_state)row->value;
		return 0;
	case SHOW_HELP:
		if (sc->help)
			fputs(sc->help, stdout);
		else
			seed_help(stdout, sc->name);
		return -1;
	}
	return IK_EXIT_INTERNAL;
}

static void args_release(struct args *a)
{
	free(a->entries);
}

/*
 * Parses argv with the rows of SC's subcommand: getopt_long tables built
 * from opt_rows, then the count of positional arguments.  Returns 0, an
 * exit code, or -1 when --help was shown.
 */
static int parse_args(int argc, char **argv, const struct subcommand *sc, struct args *a)
{
	struct option longs[IK_ARRAY_SIZE(opt_rows) + 1];
	const struct opt_row *rows[IK_ARRAY_SIZE(opt_rows)];
	char shorts[2 * IK_ARRAY_SIZE(opt_rows) + 1];
	size_t n = 0, ns = 0;
	int c, r = 0;

	memset(a, 0, sizeof(*a));
	a->secure_boot = VARS_SB_UNCHANGED;
	for (size_t i = 0; i < IK_ARRAY_SIZE(opt_rows); i++) {
		const struct opt_row *row = &opt_rows[i];

		if (!(row->subs & M(sc->id)))
			continue;
		rows[n] = row;
		/* val: the short letter where there is one (cli_option_error matches on it). */
		longs[n] = (struct option){ row->name, row->has_arg, NULL,
					    row->short_name ? row->short_name : 256 + (int)n };
		if (row->short_name) {
			shorts[ns++] = row->short_name;
			if (row->has_arg == required_argument)
				shorts[ns++] = ':';
		}
		n++;
	}
	longs[n] = (struct option){ 0 };
	shorts[ns] = '\0';
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct opt_row *row = NULL;

		if (c >= 256)
			row = rows[c - 256];
		for (size_t i = 0; !row && c != '?' && c != ':' && i < n; i++)
			if (rows[i]->short_name == c)
				row = rows[i];
		if (!row)
			return cli_option_error(CMD, argv, longs);
		r = apply_option(a, sc, row, optarg);
	}
	if (r)
		return r;
	a->pos = argv + optind;
	a->n_pos = argc - optind;
	if (a->n_pos < sc->min_pos && sc->few_error)
		return cli_usage_error(CMD, "%s: %s", sc->name, sc->few_error);
	if (a->n_pos < sc->min_pos || a->n_pos > sc->max_pos) {
		if (sc->pos_error)
			return cli_usage_error(CMD, "%s: %s", sc->name, sc->pos_error);
		return cli_usage_error(CMD, "%s: unexpected argument '%s'", sc->name,
				       a->pos[sc->max_pos]);
	}
	if ((M(sc->id) & M_OUTPUT) && !a->output)
		return cli_usage_error(CMD, "%s: --output is required", sc->name);
	return 0;
}

/* ---- entries: certificates, hashes and files named by the options ---------------------- */

/* Where entries go: an esl's database, verify's trust anchors, or a store's seed. */
struct entry_ctx {
	const struct args *a;
	const struct entry *e;
	struct esl_db *db;
	STACK_OF(X509) *certs;
	struct vars_seed *seed;
};

/* Each certificate of a PEM/DER file: as its own X.509 list or as a dbx tbs hash. */
static int add_certs(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d)
{
	const struct entry_ctx *c = ctx;
	struct vars_cert_set certs;
	int r;

	r = vars_certs_load(p, len, &certs, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < certs.n && r >= 0; i++) {
		if (c->e->kind == ENTRY_REVOKE)
			r = esl_db_add_x509_tbs_sha256(c->db, &c->e->owner, certs.certs[i].der,
						       certs.certs[i].len, d);
		else
			r = esl_db_add_x509(c->db, &c->e->owner, certs.certs[i].der,
					    certs.certs[i].len, c->a->allow_non_rsa, d);
		if (r < 0 && certs.n > 1)
			ik_diag_place(d, r, "certificate %zu", i);
	}
	vars_cert_set_release(&certs);
	return r;
}

static int add_any(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d)
{
	const struct entry_ctx *c = ctx;

	return vars_sigdb_add_file(c->db, p, len, &c->e->owner, NULL, NULL, d);
}

static int add_pe(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d)
{
	const struct entry_ctx *c = ctx;

	return esl_db_add_pe(c->db, &c->e->owner, p, len, d);
}

/* Certificates onto a stack: of a PEM/DER file (any: or the X.509 entries of an .esl). */
static int push_certs(const uint8_t *p, size_t len, STACK_OF(X509) *sk, bool any,
		      struct ik_diag *d)
{
	struct vars_cert_set certs;
	int r;

	r = any ? vars_certs_load_any(p, len, &certs, d) : vars_certs_load(p, len, &certs, d);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < certs.n; i++) {
		X509 *x = NULL;
		r = vars_x509_from_der(certs.certs[i].der, certs.certs[i].len, &x, d);
		if (r >= 0 && !sk_X509_push(sk, x)) {
			X509_free(x);
			r = -ENOMEM;
		}
	}
	vars_cert_set_release(&certs);
	return r;
}

static int push_cert_file(const uint8_t *p, size_t len, void *sk, struct ik_diag *d)
{
	return push_certs(p, len, sk, false, d);
}

/* verify -c: trust anchors from a certificate file or the X.509 entries of an .esl. */
static int push_anchors(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d)
{
	const struct entry_ctx *c = ctx;

	return push_certs(p, len, c->certs, true, d);
}

static int add_hash_arg(struct esl_db *db, const struct ik_guid *owner, const char *alg,
			const char *hex)
{
	const struct vars_sig_type *t = vars_sig_type_by_short_name(alg);
	uint8_t h[64];
	struct ik_diag d;
	int r;

	if (!t || !t->hash_size || t->data_size != t->hash_size)
		return cli_usage_error(CMD,
				       "--hash: unknown algorithm '%s' (sha256, sha384, sha512, "
				       "sha224, sha1)",
				       alg);
	if (ik_hex_decode(hex, h, t->data_size) < 0)
		return cli_usage_error(CMD,
				       "--hash %s: expected %" PRIu32 " bytes as %" PRIu32
				       " hex digits, got '%s' (%zu characters)",
				       alg, t->data_size, 2 * t->data_size, hex, strlen(hex));
	ik_diag_init(&d);
	r = esl_db_add_hash(db, &t->guid, owner, h, t->data_size, &d);
	return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
}

/* --set NAME:GUID:ATTR:FILE */
static int add_set(struct vars_seed *seed, const char *spec)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *name = copy, *guid_s, *attr_s, *file;
	struct ik_guid guid;
	uint32_t attr;
	struct ik_file_bytes f;
	struct ik_diag d;
	int r;

	if (!copy)
		return IK_EXIT_INTERNAL;
	guid_s = strchr(name, ':');
	attr_s = guid_s ? strchr(guid_s + 1, ':') : NULL;
	file = attr_s ? strchr(attr_s + 1, ':') : NULL;
	if (!file)
		return cli_usage_error(CMD, "--set expects NAME:GUID:ATTR:FILE, got '%s'", spec);
	*guid_s++ = '\0';
	*attr_s++ = '\0';
	*file++ = '\0';
	if (vars_guid_parse_alias(guid_s, &guid) < 0)
		return cli_usage_error(CMD, "--set %s: '%s' is not a GUID", name, guid_s);
	if (vars_attr_parse(attr_s, &attr) < 0 || (attr & ~(uint32_t)0x3f) ||
	    !(attr & EFI_VARIABLE_NON_VOLATILE))
		return cli_usage_error(CMD,
				       "--set %s: attributes '%s' must name NV and only NV, BS, RT, "
				       "HR, AT bits",
				       name, attr_s);
	if (vars_sigdb_from_name(name) != VARS_SIGDB_INVALID)
		return cli_usage_error(CMD, "--set: use --%s for '%s'", name, name);
	ik_diag_init(&d);
	r = ik_file_load(file, 0, &f, &d);
	if (r < 0)
		return fail_file(file, &d, r);
	r = vars_seed_set(seed, name, &guid, attr, f.data, f.len, &d);
	ik_file_release(&f);
	return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
}

/* --delete NAME[:GUID] */
static int add_drop(struct vars_seed *seed, const char *spec)
{
	const char *colon = strchr(spec, ':');
	struct ik_guid guid;
	struct ik_diag d;
	char *name;
	int r;

	name = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (!name)
		return IK_EXIT_INTERNAL;
	if (colon && vars_guid_parse_alias(colon + 1, &guid) < 0)
		r = cli_usage_error(CMD, "--delete: '%s' is not a GUID", colon + 1);
	else if (!colon && !vars_default_guid_for_name(name))
		r = cli_usage_error(CMD, "--delete %s: give NAME:GUID", name);
	else {
		ik_diag_init(&d);
		r = vars_seed_drop(seed, name, colon ? &guid : NULL, &d);
		r = r < 0 ? cli_error_diag(CMD, &d, r) : 0;
	}
	free(name);
	return r;
}

/* Adds one entry; returns 0 or the exit code (the error is printed). */
static int take_entry(struct entry_ctx *c)
{
	const struct entry *e = c->e;
	char alg[16];
	const char *colon;
	struct ik_diag d;
	int r;

	switch (e->kind) {
	case ENTRY_CERT:
	case ENTRY_REVOKE:
		return with_file(e->arg, add_certs, c);
	case ENTRY_PE:
		return with_file(e->arg, add_pe, c);
	case ENTRY_ANY:
		return with_file(e->arg, add_any, c);
	case ENTRY_ANCHOR:
		return with_file(e->arg, push_anchors, c);
	case ENTRY_SHA256:
		return add_hash_arg(c->db, &e->owner, "sha256", e->arg);
	case ENTRY_HASH:
		colon = strchr(e->arg, ':');
		if (!colon)
			return cli_usage_error(CMD, "--hash expects ALG:HEX, got '%s'", e->arg);
		snprintf(alg, sizeof(alg), "%.*s", (int)(colon - e->arg), e->arg);
		return add_hash_arg(c->db, &e->owner, (size_t)(colon - e->arg) < sizeof(alg) ? alg : e->arg,
				    colon + 1);
	case ENTRY_SIGDB:
		ik_diag_init(&d);
		r = vars_seed_add_file(c->seed, e->which, e->arg, &e->owner, &d);
		return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
	case ENTRY_SET:
		return add_set(c->seed, e->arg);
	case ENTRY_DROP:
		return add_drop(c->seed, e->arg);
	}
	return IK_EXIT_INTERNAL;
}

static int take_entries(struct entry_ctx *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->a->n_entries; i++) {
		c->e = &c->a->entries[i];
		r = take_entry(c);
	}
	return r;
}

/* ---- vars esl ---------------------------------------------------------------------- */

static const char esl_help[] =
	"usage: igvmkit vars esl [options] -o OUT\n"
	"\n"
	"Builds an EFI signature list file (the value of PK, KEK, db or dbx).\n"
	"Entries are added in the order given; --owner applies to the entries after it.\n"
	"\n"
	"  -g, --owner GUID        SignatureOwner of the following entries (default: zero GUID)\n"
	"  -c, --cert FILE         X.509 certificate(s), PEM or DER: one list per certificate\n"
	"      --hash ALG:HEX      a hash entry; ALG is sha256, sha384, sha512, sha224 or sha1\n"
	"      --sha256 HEX        same as --hash sha256:HEX\n"
	"      --pe FILE           Authenticode SHA-256 of a PE/COFF image (db entry for it)\n"
	"      --revoke-cert FILE  EFI_CERT_X509_SHA256 entry (tbsCertificate hash) for dbx\n"
	"  -a, --add FILE          entries of an existing .esl, .auth, certificate or PE file\n"
	"      --allow-non-rsa     accept non-RSA certificates (edk2 rejects them)\n"
	"  -o, --output FILE       output file ('-' for standard output)\n"
	"  -h, --help              show this help\n";

static int cmd_vars_esl(struct args *a, const struct subcommand *sc)
{
	struct esl_db db;
	struct entry_ctx ctx = { .a = a, .db = &db };
	struct ik_buf out;
	struct ik_diag d;
	int r;

	(void)sc;
	esl_db_init(&db);
	ik_buf_init(&out, 0);
	r = take_entries(&ctx);
	if (r == 0 && db.n_lists == 0)
		r = cli_usage_error(CMD, "esl: no entries given (--cert, --hash, --pe, --add ...)");
	if (r == 0) {
		ik_diag_init(&d);
		r = esl_db_serialize(&db, &out, &d);
		r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(a->output, &out);
	}
	ik_buf_release(&out);
	esl_db_release(&db);
	return r;
}

/* ---- vars auth / verify ------------------------------------------------------------- */

static const char auth_help[] =
	"usage: igvmkit vars auth NAME [options] -o OUT [INPUT]\n"
	"\n"
	"Builds an authenticated variable update (EFI_VARIABLE_AUTHENTICATION_2 + data) for\n"
	"variable NAME (PK, KEK, db, dbx, dbt or any name with --guid).  INPUT is an .esl,\n"
	"certificate, PE image or .auth file for the Secure Boot databases, raw data for\n"
	"other variables.\n"
	"\n"
	"  -k, --key KEY           signing key: PEM/DER file or pkcs11: URI\n"
	"      --passphrase-file F passphrase (key file) or PIN (pkcs11) from F's first line\n"
	"      --passphrase-env V  the same from environment variable V\n"
	"  -c, --cert FILE         certificate of the signing key\n"
	"      --chain FILE        intermediate certificates to include (PEM)\n"
	"      --unsigned          no signature (dwLength 24; setup or custom mode only)\n"
	"      --signature FILE    attach a detached PKCS#7 made elsewhere over --tbs output\n"
	"      --tbs               write the bytes to be signed instead of the update\n"
	"  -g, --guid GUID         VendorGuid (needed for names other than PK/KEK/db/dbx/dbt)\n"
	"  -A, --append            APPEND_WRITE update (attributes 0x67; default time zero)\n"
	"  -t, --time TIME         TimeStamp: 'YYYY-MM-DD HH:MM:SS' (UTC), @SECONDS or 0;\n"
	"                          default SOURCE_DATE_EPOCH (required for non-append updates)\n"
	"      --owner GUID        SignatureOwner for certificates or PE images given as INPUT\n"
	"      --delete            empty payload (deletes the variable)\n"
	"      --signed-attrs      add PKCS#9 signed attributes (signingTime = TimeStamp)\n"
	"      --content-info      emit a PKCS#7 ContentInfo instead of bare SignedData\n"
	"  -o, --output FILE       output file ('-' for standard output)\n"
	"  -h, --help              show this help\n";

struct auth_value {
	const char *name;
	const struct ik_guid *owner;
	struct ik_buf *out;
};

/* INPUT as the new value of NAME: a validated database, or raw bytes. */
static int auth_value(const uint8_t *p, size_t len, void *ctx, struct ik_diag *d)
{
	const struct auth_value *v = ctx;

	return vars_value_from_input(v->name, p, len, v->owner, v->out, d);
}

/* The signer of vars auth: key, first certificate of --cert, --chain certificates. */
static int load_signer(const struct args *a, EVP_PKEY **key, STACK_OF(X509) *certs,
		       STACK_OF(X509) **chain)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = sign_key_load(a->key, &a->secret, key, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	r = with_file(a->cert, push_cert_file, certs);
	if (r == 0 && a->chain) {
		*chain = sk_X509_new_null();
		r = *chain ? with_file(a->chain, push_cert_file, *chain) : IK_EXIT_INTERNAL;
	}
	return r;
}

static int cmd_vars_auth(struct args *a, const struct subcommand *sc)
{
	const char *name = a->pos[0], *input = a->n_pos > 1 ? a->pos[1] : NULL;
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	STACK_OF(X509) *certs = NULL, *chain = NULL;
	struct vars_auth_target t;
	struct vars_time time;
	struct ik_buf payload, out;
	struct ik_diag d;
	int r = 0, have_time;

	(void)sc;
	if (!input && !a->delete)
		return cli_usage_error(CMD, "auth: give an INPUT file or --delete");
	if (input && a->delete)
		return cli_usage_error(CMD, "auth: --delete takes no INPUT");
	if (a->secret.file && a->secret.env)
		return cli_usage_error(CMD, "auth: give --passphrase-file or --passphrase-env, not both");
	if ((int)a->is_unsigned + (int)(a->signature != NULL) + (int)a->tbs > 1)
		return cli_usage_error(CMD, "auth: --unsigned, --signature and --tbs exclude each other");
	if (!a->is_unsigned && !a->signature && !a->tbs && (!a->key || !a->cert))
		return cli_usage_error(CMD, "auth: --key and --cert are required to sign (or use "
					    "--unsigned, --tbs, --signature)");

	memset(time.b, 0, sizeof(time.b));
	have_time = default_time(a->time, &time);
	if (have_time < 0)
		return -have_time;
	if (!have_time && !a->append)
		return cli_usage_error(CMD,
				       "auth: a non-append update needs a TimeStamp later than the "
				       "stored one: give --time or set SOURCE_DATE_EPOCH");
	ik_diag_init(&d);
	r = vars_auth_target_for(name, a->guid.set ? &a->guid.g : NULL, a->append, &time, &t, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);

	ik_buf_init(&payload, 0);
	ik_buf_init(&out, 0);
	if (input) {
		struct auth_value v = { name, &a->owner.g, &payload };
		r = with_file(input, auth_value, &v);
	}
	if (r == 0 && a->tbs) {
		r = vars_auth_signed_bytes(&t, payload.data, payload.len, &out, &d);
		r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(a->output, &out);
	} else if (r == 0 && a->signature) {
		struct ik_file_bytes f;
		r = ik_file_load(a->signature, 0, &f, &d);
		if (r >= 0) {
			r = vars_auth_attach(&t, payload.data, payload.len, f.data, f.len, &out, &d);
			ik_file_release(&f);
		}
		r = r < 0 ? fail_file(a->signature, &d, r) : write_out(a->output, &out);
	} else if (r == 0) {
		struct vars_signer signer = { 0 };

		if (!a->is_unsigned) {
			certs = sk_X509_new_null();
			r = certs ? load_signer(a, &key, certs, &chain) : IK_EXIT_INTERNAL;
			/* signingTime = the TimeStamp, so the output stays reproducible. */
			signer = (struct vars_signer){ key, r == 0 ? sk_X509_value(certs, 0) : NULL,
						       chain, a->signed_attrs,
						       a->signed_attrs ? vars_time_to_epoch(&t.time) : 0,
						       a->content_info };
		}
		if (r == 0) {
			r = vars_auth_create(&t, payload.data, payload.len,
					     a->is_unsigned ? NULL : &signer, &out, &d);
			r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(a->output, &out);
		}
	}
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(chain, X509_free);
	ik_buf_release(&payload);
	ik_buf_release(&out);
	return r;
}

static const char verify_help[] =
	"usage: igvmkit vars verify AUTH NAME --cert FILE [options]\n"
	"\n"
	"Checks that AUTH is a correctly signed update of variable NAME, trusting the given\n"
	"certificates (the authorising variable's: PK for PK/KEK, KEK for db/dbx/dbt).\n"
	"Exit 0 when it verifies, 1 when it does not.\n"
	"\n"
	"  -c, --cert FILE   trusted certificate(s), PEM or DER, or an .esl (repeatable)\n"
	"  -g, --guid GUID   VendorGuid (needed for names other than PK/KEK/db/dbx/dbt)\n"
	"  -A, --append      the update was signed as APPEND_WRITE (attributes 0x67)\n"
	"  -h, --help        show this help\n";

static int cmd_vars_verify(struct args *a, const struct subcommand *sc)
{
	const char *path = a->pos[0], *name = a->pos[1];
	STACK_OF(X509) *anchors = sk_X509_new_null();
	struct entry_ctx ctx = { .a = a, .certs = anchors };
	struct ik_file_bytes f;
	struct vars_auth au;
	struct vars_auth_target t;
	struct ik_diag d;
	int r;

	(void)sc;
	if (!anchors)
		return IK_EXIT_INTERNAL;
	r = take_entries(&ctx);
	if (r == 0 && sk_X509_num(anchors) == 0)
		r = cli_usage_error(CMD, "verify: give at least one --cert");
	if (r) {
		sk_X509_pop_free(anchors, X509_free);
		return r;
	}
	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r < 0) {
		sk_X509_pop_free(anchors, X509_free);
		return fail_file(path, &d, r);
	}
	r = vars_auth_parse(f.data, f.len, &au, &d);
	if (r >= 0)
		r = vars_auth_target_for(name, a->guid.set ? &a->guid.g : NULL, a->append, &au.time,
					 &t, &d);
	if (r >= 0) {
		X509 *list[VARS_CERTS_PER_FILE_MAX];
		size_t n = 0;
		for (int i = 0; i < sk_X509_num(anchors) && n < VARS_CERTS_PER_FILE_MAX; i++)
			list[n++] = sk_X509_value(anchors, i);
		r = vars_auth_verify(&au, &t, list, n, &d);
	}
	ik_file_release(&f);
	sk_X509_pop_free(anchors, X509_free);
	if (r < 0)
		return fail_file(path, &d, r);
	printf("%s: signature verified for '%s'\n", path, name);
	return IK_EXIT_OK;
}

/* ---- vars store / json --------------------------------------------------------------- */

static void seed_help(FILE *out, const char *sub)
{
	bool json = strcmp(sub, "json") == 0;

	fprintf(out,
		"usage: igvmkit vars %s [options] -o OUT\n"
		"\n"
		"%s\n"
		"Databases given replace those of the input; several files for one database are\n"
		"merged.  A database FILE is an .esl, an .auth (payload and TimeStamp are used),\n"
		"an X.509 certificate (PEM or DER; one list each) or a PE image (its Authenticode\n"
		"SHA-256).\n"
		"\n"
		"  -i, --input FILE        start from this store image or QEMU JSON store%s\n"
		"%s"
		"      --pk FILE           PK (exactly one certificate)\n"
		"      --kek FILE          KEK (repeatable)\n"
		"      --db FILE           db (repeatable)\n"
		"      --dbx FILE          dbx (repeatable)\n"
		"      --dbt FILE          dbt (repeatable)\n"
		"  -g, --owner GUID        SignatureOwner for certificates and PE images after it\n"
		"      --secure-boot       SecureBootEnable=1, CustomMode=0, placeholder dbx if none\n"
		"      --no-secure-boot    SecureBootEnable=0, CustomMode=0 (keys kept, not enforced)\n"
		"      --set NAME:GUID:ATTR:FILE  any variable (ATTR like NV,BS,RT or 0x7)\n"
		"      --delete NAME[:GUID]       drop a variable of the input\n"
		"  -t, --time TIME         TimeStamp of the databases: 'YYYY-MM-DD HH:MM:SS', @SECONDS\n"
		"                          or 0; default: .auth TimeStamp, else SOURCE_DATE_EPOCH,\n"
		"                          else zero\n"
		"  -o, --output FILE       output file%s\n"
		"  -h, --help              show this help\n",
		sub,
		json ? "Writes a QEMU uefi-vars JSON variable store (-device "
		       "uefi-vars-x64,jsonfile=OUT)."
		     : "Writes an edk2 variable store image for OVMF's VARS flash.",
		json ? "" : ",\n                          or a unified OVMF.fd",
		json ? "" :
		       "  -s, --size SIZE         2m (0x20000, OVMF_VARS.fd) or 4m (0x84000,\n"
		       "                          OVMF_VARS_4M.fd); default: the input's, else 4m\n"
		       "      --whole-image       with a unified OVMF.fd input: write all of it, its\n"
		       "                          variable store replaced\n",
		json ? " ('-' for standard output)" : "");
}

/* The store layout: --size, else the input's, else 4m. */
static int store_geometry(const struct args *a, const struct vars_store_geometry *input_g,
			  const struct vars_store_geometry **ret)
{
	const struct vars_store_geometry *want = NULL;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (a->size) {
		r = vars_store_geometry_parse(a->size, &want, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
	}
	if (want && input_g && want != input_g)
		return cli_usage_error(CMD, "store: --size %s differs from the input's %s layout",
				       a->size, input_g->name);
	*ret = want ? want : input_g ? input_g : vars_store_geometry_at(1);
	return 0;
}

static int cmd_vars_seed(struct args *a, const struct subcommand *sc)
{
	const bool json = sc->id == SUB_JSON;
	const struct vars_store_geometry *g = NULL;
	enum vars_seed_output kind = json ? VARS_SEED_OUT_JSON
				     : a->whole_image ? VARS_SEED_OUT_IMAGE
						      : VARS_SEED_OUT_STORE;
	struct vars_seed seed;
	struct entry_ctx ctx = { .a = a, .seed = &seed };
	struct vars_seed_base base;
	struct ik_buf out;
	struct ik_diag d;
	int r = 0, have_time;

	if (json && a->size)
		return cli_usage_error(CMD, "json: --size applies to store images");
	if (json && a->whole_image)
		return cli_usage_error(CMD, "json: --whole-image applies to store images");
	vars_seed_init(&seed);
	vars_seed_base_init(&base);
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	seed.secure_boot = a->secure_boot;
	r = take_entries(&ctx);
	if (r == 0 && a->whole_image && !a->input)
		r = cli_usage_error(CMD, "store: --whole-image needs --input");
	if (r == 0 && a->input) {
		int e = vars_seed_base_load(&base, a->input, a->whole_image, &d);
		r = e < 0 ? cli_error_diag(CMD, &d, e) : 0;
	}
	if (r == 0 && !json)
		r = store_geometry(a, base.geometry, &g);
	if (r == 0) {
		/* --time overrides .auth TimeStamps; SOURCE_DATE_EPOCH only fills in for them. */
		have_time = default_time(a->time, &seed.default_time);
		r = have_time < 0 ? -have_time : 0;
		seed.time_given = a->time != NULL;
		seed.time = seed.default_time;
	}
	if (r == 0) {
		int e = vars_seed_apply(&seed, &base.vars, &d);
		if (e >= 0)
			e = vars_seed_write(kind, g, &base, &base.vars, &out, &d);
		r = e < 0 ? cli_error_diag(CMD, &d, e) : 0;
	}
	if (r == 0 && seed.secure_boot == VARS_SB_ENABLED &&
	    vars_list_find(&base.vars, "PK", &vars_guid_global_variable) < 0)
		cli_warn(CMD, "--secure-boot without a PK: the firmware stays in setup mode and "
			      "does not enforce Secure Boot");
	if (r == 0)
		r = write_out(a->output, &out);
	ik_buf_release(&out);
	vars_seed_base_release(&base);
	vars_seed_release(&seed);
	return r;
}

/* ---- vars list / extract ------------------------------------------------------------- */

static const char list_help[] =
	"usage: igvmkit vars list [--json] FILE\n\n"
	"Describes a signature list (.esl), an authenticated update (.auth), an\n"
	"edk2 variable store (OVMF_VARS*.fd, or OVMF.fd) or a QEMU JSON store:\n"
	"variables,\n"
	"certificates (subject, issuer, SHA-256 fingerprint) and hashes.\n";

static int cmd_vars_list(struct args *a, const struct subcommand *sc)
{
	const char *path = a->pos[0];
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	(void)sc;
	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	ik_buf_init(&out, 0);
	r = vars_inspect(f.data, f.len, a->json, &out, &d);
	ik_file_release(&f);
	if (r < 0) {
		ik_buf_release(&out);
		return fail_file(path, &d, r);
	}
	r = write_out("-", &out);
	ik_buf_release(&out);
	return r;
}

static const char extract_help[] =
	"usage: igvmkit vars extract FILE [NAME] [--guid GUID] -o OUT\n\n"
	"Writes the data of variable NAME of a store image or JSON store, or the payload\n"
	"(signature lists) of an .auth file (no NAME).\n";


static int cmd_vars_extract(struct args *a, const struct subcommand *sc)
{
	const char *path = a->pos[0], *name = a->n_pos > 1 ? a->pos[1] : NULL;
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	(void)sc;
	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	ik_buf_init(&out, 0);
	r = vars_extract(f.data, f.len, name, a->guid.set ? &a->guid.g : NULL, &out, &d);
	ik_file_release(&f);
	if (r < 0) {
		ik_buf_release(&out);
		return fail_file(path, &d, r);
	}
	r = write_out(a->output, &out);
	ik_buf_release(&out);
	return r;
}

/* ---- dispatch -------------------------------------------------------------------------- */

static const struct subcommand subcommands[] = {
	{ "esl", SUB_ESL, cmd_vars_esl,
	  "build an EFI signature list from certificates, hashes, PE files", esl_help, 0, 0, NULL,
	  NULL },
	{ "auth", SUB_AUTH, cmd_vars_auth,
	  "build a signed (or unsigned) authenticated variable update", auth_help, 1, 2, NULL,
	  "the variable NAME is required" },
	{ "verify", SUB_VERIFY, cmd_vars_verify, "verify an .auth file's signature", verify_help,
	  2, 2, "expected AUTH and NAME", NULL },
	{ "store", SUB_STORE, cmd_vars_seed, "build an OVMF variable store image (OVMF_VARS*.fd)",
	  NULL, 0, 0, NULL, NULL },
	{ "json", SUB_JSON, cmd_vars_seed, "build a QEMU uefi-vars JSON variable store", NULL,
	  0, 0, NULL, NULL },
	{ "list", SUB_LIST, cmd_vars_list, "describe an .esl, .auth or variable store", list_help,
	  1, 1, "expected one FILE", NULL },
	{ "extract", SUB_EXTRACT, cmd_vars_extract, "write a variable's data or an .auth payload",
	  extract_help, 1, 2, "expected FILE [NAME]", NULL },
};

static void vars_usage(FILE *out)
{
	fprintf(out, "usage: igvmkit vars <subcommand> [options]\n\nsubcommands:\n");
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'igvmkit vars <subcommand> --help' describes each; see docs/cmd/vars.md.\n");
}

static int run_subcommand(const struct subcommand *sc, int argc, char **argv)
{
	struct args a;
	int r;

	r = parse_args(argc, argv, sc, &a);
	if (r == 0)
		r = sc->run(&a, sc);
	args_release(&a);
	return r < 0 ? IK_EXIT_OK : r; /* -1: --help was shown */
}

int cmd_vars(int argc, char **argv)
{
	if (argc < 2) {
		vars_usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		vars_usage(stdout);
		return IK_EXIT_OK;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return run_subcommand(&subcommands[i], argc - 1, argv + 1);
	/* Never echo what follows '=': an option given here may carry a secret. */
	if (argv[1][0] == '-')
		return cli_usage_error(CMD, "unknown option '%.*s'", (int)strcspn(argv[1], "="),
				       argv[1]);
	return cli_usage_error(CMD, "unknown subcommand '%s'", argv[1]);
}
