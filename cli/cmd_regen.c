/* SPDX-License-Identifier: MIT */
/*
 * igvmkit regen: a vendor IGVM or FUKI with the customer's Secure Boot seeds,
 * re-measured and (FUKI) re-signed; prints old and new measurements.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "measure/measure.h"
#include "assemble/regen.h"
#include "measure/vmsa.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/sign_cli.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/seed.h"
#include "vars/varstore.h"

#define CMD "regen"
#define REGEN_LIST_MAX 64

static const char usage_text[] =
	"usage: igvmkit regen [options] -o OUTPUT INPUT\n"
	"\n"
	"Regenerates a vendor IGVM file, or a FUKI (an add-on or a UKI holding IGVM\n"
	"files), with your own Secure Boot seeds: finds the variable store in the IGVM's\n"
	"OVMF ROM pages (the PAGE_DATA run ending at 4 GiB), replaces PK/KEK/db/dbx in\n"
	"the same geometry for every platform, re-measures every platform, writes the\n"
	"new file and its measurements JSON atomically, re-wraps and re-signs a FUKI,\n"
	"and prints the old and new measurement of each platform.\n"
	"\n"
	"seeds (FILE: X.509 certificate PEM/DER, .esl, .auth, or a PE image to hash):\n"
	"  --db FILE               db entries (repeatable; replace the store's db)\n"
	"  --dbx FILE              dbx entries (repeatable)\n"
	"  --kek FILE              KEK entries (repeatable)\n"
	"  --pk FILE               PK (one certificate)\n"
	"  --db-hash HEX           db EFI_CERT_SHA256 entry (repeatable; also --dbx-hash)\n"
	"  --dbx-hash HEX          dbx EFI_CERT_SHA256 entry (repeatable)\n"
	"  --append                add the entries to the store's KEK/db/dbx instead of\n"
	"                          replacing them\n"
	"  -g, --owner GUID        SignatureOwner of the entries (default: zero GUID)\n"
	"  --secure-boot           also set SecureBootEnable=1 (placeholder dbx if none)\n"
	"  --no-secure-boot        also set SecureBootEnable=0\n"
	"  --time T                TimeStamp: 'YYYY-MM-DD HH:MM:SS', '@SECONDS' or '0'\n"
	"                          (default: latest .auth time, else SOURCE_DATE_EPOCH, else 0)\n"
	"\n"
	"measurement:\n"
	"  --vcpus N               vCPU count (repeatable; default 1)\n"
	"  --vcpu-type NAME        QEMU -cpu model (repeatable; default EPYC-v4)\n"
	"  --loader NAME           qemu (default), igvm-crate or igvmmeasure\n"
	"\n"
	"output:\n"
	"  -o, --output FILE       new IGVM (or FUKI for a FUKI input)\n"
	"  --measurements FILE     measurements JSON (default: OUTPUT without its\n"
	"                          extension + .measurements.json; one per IGVM of a FUKI:\n"
	"                          + .FWID.measurements.json when it holds several)\n"
	"  --no-measurements       write no measurements JSON\n"
	"  --drop-id-block         remove an SNP_ID_BLOCK (it signs the old digest)\n"
	"  --unsigned              write a FUKI unsigned (otherwise --key/--cert are needed)\n"
	"  --extract-rom FILE      only write the OVMF ROM image the IGVM loads (the run of\n"
	"                          PAGE_DATA ending at 4 GiB of the first platform whose ROM\n"
	"                          holds a variable store; 'igvmkit vars list FILE' shows what\n"
	"                          is enrolled) and exit; no seeds needed\n"
	"\n"
	"signing (FUKI input):\n" CLI_SIGN_HELP
	"  -h, --help              show this help\n"
	"\n"
	"exit codes: 0 ok, 2 usage, 3 malformed input or no variable store, 4 cannot\n"
	"read or write, 5 key/certificate problem, 6 too large, 7 unsupported input\n";

struct seed_arg {
	enum vars_sigdb which;
	const char *file; /* or */
	const char *hash;
};

struct regen_cli {
	const char *input, *output, *measurements, *extract_rom;
	bool no_measurements, unsigned_out, append, drop_id_block;
	struct seed_arg seeds[REGEN_LIST_MAX];
	size_t n_seeds;
	struct ik_guid owner;
	int secure_boot; /* -1 unchanged */
	const char *time;
	uint32_t vcpus[REGEN_LIST_MAX];
	size_t n_vcpus;
	const char *vcpu_types[REGEN_LIST_MAX];
	size_t n_vcpu_types;
	enum measure_loader loader;
};

struct results {
	struct measure_result *v;
	size_t n, cap;
};

static int results_add(struct results *rs, const struct measure_result *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct measure_result *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

/*
 * Every platform of F under the chosen loader model and vCPU counts/types (one
 * each for SEV and TDX), all measured together (one pass over the pages per platform).
 */
static int measure_all(const struct regen_cli *c, const struct igvm_file *f, struct results *rs,
		       struct ik_diag *d)
{
	_cleanup_free_ struct measure_result *res = NULL;
	struct measure_opts defaults;
	struct measure_matrix mx = {
		.loaders = &c->loader, .n_loaders = 1,
		.vcpu_types = c->vcpu_types, .n_vcpu_types = c->n_vcpu_types,
		.vcpus = c->vcpus, .n_vcpus = c->n_vcpus,
	};
	size_t n = 0;
	int r;

	measure_opts_init(&defaults);
	mx.tdx_order = defaults.tdx_order;
	r = measure_igvm_matrix(f, &mx, &res, &n, d);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = results_add(rs, &res[i]);
	return r < 0 ? r : 0;
}

static int build_seed(const struct regen_cli *c, struct vars_seed *seed)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	seed->secure_boot = c->secure_boot < 0 ? VARS_SB_UNCHANGED :
			    c->secure_boot ? VARS_SB_ENABLED : VARS_SB_DISABLED;
	if (c->time) {
		r = vars_time_parse(c->time, &seed->time, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		seed->time_given = true;
	} else {
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		uint64_t secs;
		if (sde && *sde) {
			if (ik_parse_u64(sde, &secs) < 0 || secs > INT64_MAX)
				return cli_usage_error(CMD, "SOURCE_DATE_EPOCH '%s' is not a number of seconds", sde);
			r = vars_time_from_epoch((int64_t)secs, &seed->default_time, &d);
			if (r < 0)
				return cli_error_diag(CMD, &d, r);
		}
	}
	for (size_t i = 0; i < c->n_seeds; i++) {
		const struct seed_arg *a = &c->seeds[i];
		if (a->file) {
			r = vars_seed_add_file(seed, a->which, a->file, &c->owner, &d);
		} else {
			uint8_t h[32];
			if (strlen(a->hash) != 64 || ik_hex_decode(a->hash, h, sizeof(h)) < 0)
				return cli_usage_error(CMD, "--%s-hash expects 64 hex digits (SHA-256), got '%s'",
						       vars_sigdb_name(a->which), a->hash);
			seed->sigdb[a->which].given = true;
			r = esl_db_add_hash(&seed->sigdb[a->which].db, &vars_guid_cert_sha256, &c->owner, h,
					    sizeof(h), &d);
		}
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
	}
	return IK_EXIT_OK;
}

/* "out.igvm" -> "out" + SUFFIX (the extension after the last '.' of the base name dropped). */
static char *sibling_name(const char *path, const char *suffix)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	char *s = malloc(len + strlen(suffix) + 1);

	if (s) {
		memcpy(s, path, len);
		strcpy(s + len, suffix);
	}
	return s;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

static void print_changes(const char *label, const struct results *old, const struct results *new)
{
	for (size_t i = 0; i < new->n; i++) {
		const struct measure_result *a = &old->v[i], *b = &new->v[i];
		char ha[2 * MEASURE_DIGEST_MAX + 1], hb[2 * MEASURE_DIGEST_MAX + 1];

		ik_hex_encode(a->digest, a->digest_len, ha);
		ik_hex_encode(b->digest, b->digest_len, hb);
		printf("%s%-8s %s", label, measure_platform_name(b->platform), measure_digest_field(b->platform));
		if (measure_platform_has_vmsas(b->platform))
			printf(" vcpus=%u %s", b->vcpus, b->vcpu_type);
		printf(" loader=%s%s\n", measure_loader_name(b->loader),
		       a->digest_len == b->digest_len && memcmp(a->digest, b->digest, a->digest_len) == 0 ?
			       " (unchanged)" : "");
		printf("  old %s\n  new %s\n", ha, hb);
	}
}

/* One IGVM: regenerate, re-measure; NEW_OUT and JSON_OUT receive the bytes. */
static int regen_one(const struct regen_cli *c, const char *label, const char *name,
		     const uint8_t *p, size_t len, struct vars_seed *seed, struct ik_buf *new_out,
		     struct ik_buf *json_out, const char *json_file_name)
{
	struct igvm_file *f = NULL, *vendor = NULL;
	struct regen_opts ro = { .seed = seed, .append = c->append, .drop_id_block = c->drop_id_block };
	struct regen_store st;
	struct results old = { 0 }, new = { 0 };
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	/* the store first (the error users most need), then the vendor's measurements */
	r = igvm_read(p, len, NULL, &f, &d);
	if (r >= 0)
		r = regen_igvm(f, &ro, &st, &d);
	if (r >= 0)
		r = igvm_read(p, len, NULL, &vendor, &d);
	if (r >= 0)
		r = measure_all(c, vendor, &old, &d);
	igvm_file_free(vendor);
	if (r >= 0)
		r = igvm_write(f, new_out, &d);
	igvm_file_free(f);
	f = NULL;
	if (r >= 0) /* measure the bytes as written, like any reader would */
		r = igvm_read(new_out->data, new_out->len, NULL, &f, &d);
	if (r >= 0)
		r = measure_all(c, f, &new, &d);
	if (r >= 0 && json_out) {
		struct measure_image img;
		r = measure_image_describe(json_file_name, MEASURE_INPUT_IGVM, new_out->data, new_out->len,
					   &img, &d);
		if (r >= 0)
			r = measure_json_document(&img, new.v, new.n, json_out, &d);
	}
	igvm_file_free(f);
	if (r < 0) {
		free(old.v);
		free(new.v);
		ik_diag_file(&d, name, r);
		return cli_error_diag(CMD, &d, r);
	}
	printf("%s%s: variable store (%s layout, 0x%x bytes) at gpa 0x%" PRIx64 ", %zu -> %zu variables, %zu pages rewritten\n",
	       label, name, st.geometry, st.fv_length, st.gpa, st.old_vars, st.new_vars, st.pages_changed);
	if (st.dropped_id_block)
		cli_warn(CMD, "%s: SNP_ID_BLOCK dropped: sign the new launch digest with 'igvmkit sign-id-block'",
			 name);
	print_changes(label, &old, &new);
	free(old.v);
	free(new.v);
	return IK_EXIT_OK;
}

static int add_seed(struct regen_cli *c, enum vars_sigdb which, const char *file, const char *hash)
{
	if (c->n_seeds == REGEN_LIST_MAX)
		return cli_usage_error(CMD, "more than %d seed options", REGEN_LIST_MAX);
	c->seeds[c->n_seeds++] = (struct seed_arg){ which, file, hash };
	return IK_EXIT_OK;
}

static int write_outputs(const char *out, const struct ik_buf *bytes, const char *const *json_names,
			 const struct ik_buf *jsons, size_t n_json)
{
	struct ik_out o[1 + REGEN_FUKI_PAYLOADS_MAX];
	struct ik_diag d;
	size_t opened = 0;
	int r;

	/* all temporary files first, then the renames, all or none (ik_out_commit_all) */
	ik_diag_init(&d);
	memset(o, 0, sizeof(o));
	r = ik_out_open(&o[0], out, &d);
	if (r >= 0) {
		opened = 1;
		r = ik_out_write(&o[0], bytes->data, bytes->len, &d);
	}
	for (size_t i = 0; r >= 0 && i < n_json; i++) {
		r = ik_out_open(&o[1 + i], json_names[i], &d);
		if (r >= 0) {
			opened++;
			r = ik_out_write(&o[1 + i], jsons[i].data, jsons[i].len, &d);
		}
	}
	if (r >= 0) {
		struct ik_out *all[1 + REGEN_FUKI_PAYLOADS_MAX];

		for (size_t i = 0; i < opened; i++)
			all[i] = &o[i];
		r = ik_out_commit_all(all, opened, &d);
	}
	if (r < 0) {
		for (size_t i = 0; i < opened; i++)
			ik_out_abort(&o[i]);
		return cli_error_diag(CMD, &d, r);
	}
	return IK_EXIT_OK;
}

static int run(struct regen_cli *c, struct cli_sign *s)
{
	struct vars_seed seed;
	struct ik_file_bytes in;
	struct ik_diag d;
	struct regen_fuki fk;
	bool fuki;
	size_t n;
	struct ik_buf outs[REGEN_FUKI_PAYLOADS_MAX], jsons[REGEN_FUKI_PAYLOADS_MAX], final;
	char *json_names[REGEN_FUKI_PAYLOADS_MAX] = { 0 };
	int ret;

	vars_seed_init(&seed);
	ik_buf_init(&final, IK_BUF_DEFAULT_MAX);
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++) {
		ik_buf_init(&outs[i], IK_BUF_DEFAULT_MAX);
		ik_buf_init(&jsons[i], IK_BUF_DEFAULT_MAX);
	}
	ik_diag_init(&d);
	ret = build_seed(c, &seed);
	if (ret != IK_EXIT_OK)
		goto out_seed;
	int r = ik_file_load(c->input, 0, &in, &d);
	if (r < 0) {
		ret = cli_error_diag(CMD, &d, r);
		goto out_seed;
	}
	fuki = regen_is_pe(in.data, in.len);
	if (fuki) {
		r = regen_fuki_open(in.data, in.len, c->input, &fk, &d);
		if (r < 0) {
			ik_diag_file(&d, c->input, r);
			ret = cli_error_diag(CMD, &d, r);
			goto out;
		}
		if (!s->key && !c->unsigned_out) {
			ret = cli_usage_error(CMD, "'%s' is a FUKI: re-sign it with --key and --cert (or pass --unsigned)",
					      c->input);
			goto out;
		}
		n = fk.n_payloads;
	} else {
		if (s->key || c->unsigned_out) {
			ret = cli_usage_error(CMD, "--key/--cert/--unsigned apply to a FUKI input; '%s' is an IGVM file",
					      c->input);
			goto out;
		}
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		char label[300] = "";
		const char *name = c->input;
		const uint8_t *p = in.data;
		size_t len = in.len;

		if (!c->no_measurements) {
			if (c->measurements && n == 1)
				json_names[i] = strdup(c->measurements);
			else if (n == 1)
				json_names[i] = sibling_name(c->output, ".measurements.json");
			else {
				char suffix[300];
				snprintf(suffix, sizeof(suffix), ".%s.measurements.json", fk.payloads[i].fwid);
				json_names[i] = sibling_name(c->measurements ? c->measurements : c->output, suffix);
			}
			if (!json_names[i]) {
				ret = cli_error_diag(CMD, NULL, -ENOMEM);
				goto out;
			}
		}
		if (fuki) {
			snprintf(label, sizeof(label), "[%s] ", fk.payloads[i].fwid);
			p = fk.payloads[i].data;
			len = fk.payloads[i].len;
		}
		/* each IGVM gets the same seed: a fresh copy of the databases per payload */
		struct vars_seed one;
		vars_seed_init(&one);
		ret = build_seed(c, &one);
		if (ret == IK_EXIT_OK)
			ret = regen_one(c, label, name, p, len, &one, &outs[i],
					c->no_measurements ? NULL : &jsons[i],
					fuki ? fk.payloads[i].fwid : base_name(c->output));
		vars_seed_release(&one);
		if (ret != IK_EXIT_OK)
			goto out;
	}
	if (fuki) {
		const struct authenticode_sign_opts *so;

		r = regen_fuki_rewrap(&fk, outs, n, &final, &d);
		if (r >= 0 && (so = cli_sign_output_opts(s, c->input)))
			r = authenticode_sign_in_place(&final, so, &d);
		if (r < 0) {
			ik_diag_file(&d, c->input, r);
			ret = cli_error_diag(CMD, &d, r);
			goto out;
		}
		if (fk.was_signed && !s->key)
			cli_warn(CMD, "'%s' was signed; '%s' is written unsigned", c->input, c->output);
	}
	ret = write_outputs(c->output, fuki ? &final : &outs[0], (const char *const *)json_names, jsons,
			    c->no_measurements ? 0 : n);
	if (ret == IK_EXIT_OK) {
		printf("%s: %zu bytes%s\n", c->output, fuki ? final.len : outs[0].len,
		       fuki ? (s->key ? ", signed" : ", unsigned") : "");
		for (size_t i = 0; !c->no_measurements && i < n; i++)
			printf("%s: measurements\n", json_names[i]);
	}
out:
	ik_file_release(&in);
out_seed:
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++) {
		ik_buf_release(&outs[i]);
		ik_buf_release(&jsons[i]);
		free(json_names[i]);
	}
	ik_buf_release(&final);
	vars_seed_release(&seed);
	return ret;
}

/* --extract-rom: the ROM image of an IGVM (or of a FUKI's first '.efifw'), for inspection. */
static int extract_rom(const struct regen_cli *c)
{
	struct ik_file_bytes in;
	struct igvm_file *f = NULL;
	struct regen_fuki fk;
	struct ik_diag d;
	uint8_t *rom = NULL;
	size_t len = 0;
	uint64_t gpa = 0;
	int r;

	ik_diag_init(&d);
	r = ik_file_load(c->input, 0, &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	const uint8_t *p = in.data;
	size_t plen = in.len;
	if (regen_is_pe(in.data, in.len)) {
		r = regen_fuki_open(in.data, in.len, c->input, &fk, &d);
		if (r >= 0) {
			p = fk.payloads[0].data;
			plen = fk.payloads[0].len;
		}
	}
	if (r >= 0)
		r = igvm_read(p, plen, NULL, &f, &d);
	for (size_t i = 0; r >= 0 && i < f->n_headers && !rom; i++) {
		const struct igvm_header *h = &f->headers[i];
		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		r = regen_rom_image(f, h->u.supported_platform.compatibility_mask, &rom, &len, &gpa, &d);
		if (r >= 0 && !vars_store_sniff(rom, len)) {
			free(rom);
			rom = NULL;
		}
	}
	if (r >= 0 && !rom)
		r = ik_fail(&d, -EINVAL, "no variable store in the ROM pages of any platform");
	if (r >= 0)
		r = ik_write_file_atomic(c->extract_rom, rom, len, &d);
	igvm_file_free(f);
	ik_file_release(&in);
	free(rom);
	if (r < 0) {
		ik_diag_file(&d, c->input, r);
		return cli_error_diag(CMD, &d, r);
	}
	printf("%s: ROM image, 0x%zx bytes at gpa 0x%" PRIx64 "\n", c->extract_rom, len, gpa);
	return IK_EXIT_OK;
}

int cmd_regen(int argc, char **argv)
{
	enum {
		OPT_DB = 256, OPT_DBX, OPT_KEK, OPT_PK, OPT_DB_HASH, OPT_DBX_HASH, OPT_APPEND, OPT_SB,
		OPT_NO_SB, OPT_TIME, OPT_VCPUS, OPT_VCPU_TYPE, OPT_LOADER, OPT_MEAS, OPT_NO_MEAS,
		OPT_DROP_ID, OPT_UNSIGNED, OPT_EXTRACT,
	};
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "owner", required_argument, NULL, 'g' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "dbx", required_argument, NULL, OPT_DBX },
		{ "kek", required_argument, NULL, OPT_KEK },
		{ "pk", required_argument, NULL, OPT_PK },
		{ "db-hash", required_argument, NULL, OPT_DB_HASH },
		{ "dbx-hash", required_argument, NULL, OPT_DBX_HASH },
		{ "append", no_argument, NULL, OPT_APPEND },
		{ "secure-boot", no_argument, NULL, OPT_SB },
		{ "no-secure-boot", no_argument, NULL, OPT_NO_SB },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "vcpu-type", required_argument, NULL, OPT_VCPU_TYPE },
		{ "loader", required_argument, NULL, OPT_LOADER },
		{ "measurements", required_argument, NULL, OPT_MEAS },
		{ "no-measurements", no_argument, NULL, OPT_NO_MEAS },
		{ "drop-id-block", no_argument, NULL, OPT_DROP_ID },
		{ "unsigned", no_argument, NULL, OPT_UNSIGNED },
		{ "extract-rom", required_argument, NULL, OPT_EXTRACT },
		CLI_SIGN_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct regen_cli c;
	struct cli_sign s = { 0 };
	int opt, ret = IK_EXIT_OK;

	memset(&c, 0, sizeof(c));
	c.secure_boot = -1;
	c.loader = MEASURE_LOADER_QEMU;
	optind = 1;
	while (ret == IK_EXIT_OK && (opt = getopt_long(argc, argv, "o:g:h", longopts, NULL)) != -1) {
		int h = cli_sign_option(CMD, &s, opt, optarg);
		if (h < 0)
			return -h;
		if (h > 0)
			continue;
		switch (opt) {
		case 'o':
			c.output = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		case 'g':
			if (ik_guid_parse(optarg, &c.owner) < 0)
				return cli_usage_error(CMD, "--owner expects a GUID, got '%s'", optarg);
			break;
		case OPT_DB:
			ret = add_seed(&c, VARS_SIGDB_DB, optarg, NULL);
			break;
		case OPT_DBX:
			ret = add_seed(&c, VARS_SIGDB_DBX, optarg, NULL);
			break;
		case OPT_KEK:
			ret = add_seed(&c, VARS_SIGDB_KEK, optarg, NULL);
			break;
		case OPT_PK:
			ret = add_seed(&c, VARS_SIGDB_PK, optarg, NULL);
			break;
		case OPT_DB_HASH:
			ret = add_seed(&c, VARS_SIGDB_DB, NULL, optarg);
			break;
		case OPT_DBX_HASH:
			ret = add_seed(&c, VARS_SIGDB_DBX, NULL, optarg);
			break;
		case OPT_APPEND:
			c.append = true;
			break;
		case OPT_SB:
			c.secure_boot = 1;
			break;
		case OPT_NO_SB:
			c.secure_boot = 0;
			break;
		case OPT_TIME:
			c.time = optarg;
			break;
		case OPT_VCPUS: {
			uint64_t v;
			ret = cli_parse_u64(CMD, "--vcpus", optarg, MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX, &v);
			if (ret == IK_EXIT_OK && c.n_vcpus == REGEN_LIST_MAX)
				ret = cli_usage_error(CMD, "more than %d --vcpus options", REGEN_LIST_MAX);
			if (ret == IK_EXIT_OK)
				c.vcpus[c.n_vcpus++] = (uint32_t)v;
			break;
		}
		case OPT_VCPU_TYPE:
			if (!vcpu_type_find(optarg))
				return cli_usage_error(CMD, "unknown --vcpu-type '%s' (see 'igvmkit measure --help')",
						       optarg);
			if (c.n_vcpu_types == REGEN_LIST_MAX)
				return cli_usage_error(CMD, "more than %d --vcpu-type options", REGEN_LIST_MAX);
			c.vcpu_types[c.n_vcpu_types++] = optarg;
			break;
		case OPT_LOADER:
			if (measure_loader_from_name(optarg, &c.loader) < 0)
				return cli_usage_error(CMD, "unknown --loader '%s' (qemu, igvm-crate, igvmmeasure)",
						       optarg);
			break;
		case OPT_MEAS:
			c.measurements = optarg;
			break;
		case OPT_NO_MEAS:
			c.no_measurements = true;
			break;
		case OPT_DROP_ID:
			c.drop_id_block = true;
			break;
		case OPT_UNSIGNED:
			c.unsigned_out = true;
			break;
		case OPT_EXTRACT:
			c.extract_rom = optarg;
			break;
		default:
			return cli_option_error(CMD, argv, longopts);
		}
	}
	if (ret != IK_EXIT_OK)
		return ret;
	if (argc - optind != 1)
		return cli_usage_error(CMD, "expected one INPUT (an IGVM file or a FUKI)");
	c.input = argv[optind];
	if (c.extract_rom) {
		/* it only extracts: a user who added it to a working regen command must not
		 * believe the regenerated outputs were written too */
		if (c.output || c.measurements || c.n_seeds || c.secure_boot >= 0 || s.key ||
		    c.append || c.drop_id_block || c.unsigned_out || c.n_vcpus || c.n_vcpu_types)
			return cli_usage_error(CMD, "--extract-rom only extracts the ROM; drop the "
						    "regeneration options, or run regen twice");
		return extract_rom(&c);
	}
	if (!c.output)
		return cli_usage_error(CMD, "missing -o OUTPUT");
	if (c.n_seeds == 0 && c.secure_boot < 0)
		return cli_usage_error(CMD, "nothing to change: give --db, --dbx, --kek, --pk, --db-hash, --dbx-hash or --secure-boot");
	if (c.measurements && c.no_measurements)
		return cli_usage_error(CMD, "--measurements and --no-measurements exclude each other");
	if (s.key && c.unsigned_out)
		return cli_usage_error(CMD, "--unsigned and --key exclude each other");
	if (c.n_vcpus == 0)
		c.vcpus[c.n_vcpus++] = 1;
	if (c.n_vcpu_types == 0)
		c.vcpu_types[c.n_vcpu_types++] = "EPYC-v4";
	ret = cli_sign_load_optional(CMD, &s);
	if (ret == IK_EXIT_OK)
		ret = run(&c, &s);
	cli_sign_release(&s);
	return ret;
}
