/* SPDX-License-Identifier: MIT */
/*
 * libigvmkit through its public headers only, linked to the shared library
 * built in the tree: every public function, its results against what the
 * igvmkit command line wrote for the same inputs (unit.sh prepares them in
 * DIR), and its error paths (code < 0, message and place filled, nothing
 * printed).
 *
 *   test_libigvmkit DIR SRC       DIR from unit.sh, SRC the source tree
 *
 * Without Debian's OVMF.fd (DIR/no-ovmf), the checks that need it are left
 * out and the test exits 77 after the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <igvmkit/igvmkit.h>

#include "tests/ik_test.h"

static const char *dir, *src;

/* ---- helpers ---- */

static char *path_in(const char *base, const char *name)
{
	static char paths[64][1024]; /* a ring: a path stays valid for the next 63 calls */
	static unsigned next;
	char *p = paths[next++ % 64];

	snprintf(p, sizeof(paths[0]), "%s/%s", base, name);
	return p;
}

/* Whole file (malloc'd, NUL-terminated) or NULL. */
static uint8_t *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p) {
			p[n] = 0;
			*ret_len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

/* First line of a file (the digest the CLI printed), without the newline. */
static void first_line(const char *path, char *out, size_t size)
{
	size_t len = 0;
	uint8_t *p = slurp(path, &len);

	out[0] = '\0';
	if (p) {
		snprintf(out, size, "%s", (char *)p);
		out[strcspn(out, "\n")] = '\0';
	}
	free(p);
}

static bool same_as_file(const uint8_t *p, size_t len, const char *path)
{
	size_t flen = 0;
	uint8_t *f = slurp(path, &flen);
	bool same = f && flen == len && memcmp(f, p, len) == 0;

	if (!same)
		fprintf(stderr, "differs from %s (%zu vs %zu bytes)\n", path, len, flen);
	free(f);
	return same;
}

/* A failure as the API promises it: code < 0 equal to the return, a message. */
static void check_failed(int r, const igvmkit_error *err)
{
	IK_CHECK(r < 0);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)err->code, (uint64_t)(int64_t)r);
	IK_CHECK(err->message[0] != '\0');
}

/*
 * Standard output and error go to a file while error paths run; the library
 * must not have written anything there when they are restored.
 */
static int saved_out = -1, saved_err = -1;
static char capture_path[1024];

static void capture_begin(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "%s/captured", dir);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
}

static void capture_end(void)
{
	struct stat st;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	IK_CHECK(stat(capture_path, &st) == 0 && st.st_size == 0);
}

/* ---- checks that need no OVMF ---- */

static void test_basics(void)
{
	igvmkit_error err;
	char text[2048];

	IK_CHECK_STR(igvmkit_version(), IGVMKIT_TEST_VERSION);
	igvmkit_free(NULL);
	memset(&err, 0, sizeof(err));
	err.code = -EINVAL;
	snprintf(err.file, sizeof(err.file), "a.yaml");
	snprintf(err.place, sizeof(err.place), "line 3, column 7");
	snprintf(err.message, sizeof(err.message), "bad");
	IK_CHECK_EQ_U64(igvmkit_error_format(&err, text, sizeof(text)), strlen("a.yaml:line 3, column 7: bad"));
	IK_CHECK_STR(text, "a.yaml:line 3, column 7: bad");
	err.file[0] = '\0';
	igvmkit_error_format(&err, text, sizeof(text));
	IK_CHECK_STR(text, "line 3, column 7: bad");
	IK_CHECK_EQ_U64(igvmkit_error_format(NULL, text, sizeof(text)), 0);
	IK_CHECK_STR(text, "");
}

static void test_error_paths(void)
{
	static const uint8_t junk[] = "this is not an IGVM file at all, not even close";
	static const char bad_yaml[] = "version: 1\ncomponents:\n  ovmf:\n    type: [unclosed\n";
	static const char bad_key[] = "version: 1\nplatforms:\n  sev-snp:\nnot-a-key: 1\n";
	igvmkit_measure_options mo;
	igvmkit_measurement m;
	igvmkit_header_info hi;
	igvmkit_platform_info pi;
	igvmkit_igvm *h = (igvmkit_igvm *)&mo; /* must stay untouched on failure */
	igvmkit_error err;
	char **warnings = (char **)&mo;
	uint8_t *out = NULL, digest[64];
	size_t len = 0;
	char *text = NULL;
	int r;

	capture_begin();
	r = igvmkit_igvm_read(junk, sizeof(junk), 0, &h, &err);
	check_failed(r, &err);
	IK_CHECK(h == (igvmkit_igvm *)&mo);
	r = igvmkit_igvm_read(NULL, 0, 0, NULL, &err);
	check_failed(r, &err);
	IK_CHECK(igvmkit_igvm_read(junk, sizeof(junk), 0, &h, NULL) < 0); /* err NULL */
	r = igvmkit_igvm_read_file(path_in(dir, "does-not-exist.igvm"), 0, &h, &err);
	check_failed(r, &err);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-ENOENT);
	IK_CHECK(strstr(err.file, "does-not-exist.igvm") != NULL);
	r = igvmkit_inspect(junk, sizeof(junk), 0, 0, &text, NULL, &err);
	check_failed(r, &err);
	IK_CHECK(text == NULL);

	/* NULL handles */
	check_failed(igvmkit_igvm_validate(NULL, 0, &err), &err);
	check_failed(igvmkit_igvm_write(NULL, &out, &len, &err), &err);
	check_failed(igvmkit_igvm_write_file(NULL, "x", &err), &err);
	check_failed(igvmkit_igvm_header(NULL, 0, &hi, &err), &err);
	check_failed(igvmkit_igvm_platform(NULL, 0, &pi, &err), &err);
	check_failed(igvmkit_measure_igvm(NULL, NULL, &m, &err), &err);
	IK_CHECK_EQ_U64(igvmkit_igvm_header_count(NULL), 0);
	IK_CHECK_EQ_U64(igvmkit_igvm_platform_count(NULL), 0);
	IK_CHECK_EQ_U64(igvmkit_igvm_format_version(NULL), 0);
	IK_CHECK_EQ_U64(igvmkit_igvm_architecture(NULL), 0);
	igvmkit_igvm_free(NULL);

	/* ROMs */
	igvmkit_measure_options_init(&mo);
	r = igvmkit_measure_rom(junk, sizeof(junk), "junk.fd", &mo, &m, &err);
	check_failed(r, &err); /* SEV-SNP with the qemu VMM needs a vCPU type */
	mo.vcpu_type = "EPYC-v4";
	r = igvmkit_measure_rom(junk, sizeof(junk), "junk.fd", &mo, &m, &err);
	check_failed(r, &err);
	IK_CHECK_STR(err.file, "junk.fd");
	mo.platform = "sev-snx";
	check_failed(igvmkit_measure_rom(junk, sizeof(junk), NULL, &mo, &m, &err), &err);
	IK_CHECK(strstr(err.message, "sev-snx") != NULL);
	mo.platform = NULL;
	mo.vcpu_type = "NO-SUCH-CPU";
	check_failed(igvmkit_measure_rom(junk, sizeof(junk), NULL, &mo, &m, &err), &err);
	mo.vcpu_type = NULL;
	mo.vcpus = 513;
	check_failed(igvmkit_measure_rom(junk, sizeof(junk), NULL, &mo, &m, &err), &err);

	/* Layouts: the error names the layout and the line and column. */
	r = igvmkit_build_string(bad_yaml, strlen(bad_yaml), NULL, &h, &warnings, NULL, &err);
	check_failed(r, &err);
	IK_CHECK_STR(err.file, "layouts/inline.yaml");
	IK_CHECK(strstr(err.place, "line") != NULL);
	IK_CHECK(h == (igvmkit_igvm *)&mo && warnings == (char **)&mo);
	r = igvmkit_build_string(bad_key, strlen(bad_key), NULL, &h, NULL, NULL, &err);
	check_failed(r, &err);
	IK_CHECK_STR(err.place, "line 4, column 1");
	IK_CHECK(strstr(err.message, "not-a-key") != NULL);
	r = igvmkit_build_file(path_in(dir, "missing.yaml"), NULL, &h, NULL, NULL, &err);
	check_failed(r, &err);
	{
		igvmkit_define bad = { "", "x" };
		igvmkit_build_options bo = { .defines = &bad, .n_defines = 1 };

		check_failed(igvmkit_build_string(bad_key, strlen(bad_key), &bo, &h, NULL, NULL, &err), &err);
	}

	/* Variables */
	r = igvmkit_esl_from_certificates(junk, sizeof(junk), NULL, 0, &out, &len, &err);
	check_failed(r, &err);
	IK_CHECK(out == NULL);
	r = igvmkit_esl_from_certificates(junk, sizeof(junk), "not-a-guid", 0, &out, &len, &err);
	check_failed(r, &err);
	{
		igvmkit_varstore_options vo = { .size = "3m" };
		igvmkit_blob b = { junk, sizeof(junk) };

		check_failed(igvmkit_varstore_build(&vo, &out, &len, &err), &err);
		vo.size = NULL;
		vo.db = &b;
		vo.n_db = 1;
		check_failed(igvmkit_varstore_build(&vo, &out, &len, &err), &err);
		IK_CHECK(strstr(err.place, "db input 0") != NULL || err.place[0]);
		vo.db = NULL;
		vo.n_db = 0;
		vo.secure_boot = 7;
		check_failed(igvmkit_varstore_build(&vo, &out, &len, &err), &err);
	}

	/* FUKI and Authenticode */
	{
		igvmkit_fuki_firmware fw = { "junk", junk, sizeof(junk) };
		igvmkit_sign_options so = { .key = path_in(dir, "no-key.pem"),
					    .cert = path_in(dir, "no-cert.pem") };

		check_failed(igvmkit_fuki_wrap(&fw, 1, NULL, &out, &len, &err), &err);
		check_failed(igvmkit_fuki_wrap(NULL, 0, NULL, &out, &len, &err), &err);
		check_failed(igvmkit_authenticode_digest(junk, sizeof(junk), NULL, digest,
							 sizeof(digest), &len, &err), &err);
		check_failed(igvmkit_authenticode_digest(junk, sizeof(junk), "md5", digest,
							 sizeof(digest), &len, &err), &err);
		check_failed(igvmkit_authenticode_sign(junk, sizeof(junk), &so, &out, &len, &err), &err);
		check_failed(igvmkit_authenticode_sign(junk, sizeof(junk), NULL, &out, &len, &err), &err);
		check_failed(igvmkit_authenticode_verify(junk, sizeof(junk), path_in(dir, "no-cert.pem"),
							 0, NULL, &err), &err);
	}
	IK_CHECK(out == NULL);
	capture_end();
}

/* ---- with the files unit.sh made (OVMF.fd present) ---- */

static void test_igvm(igvmkit_igvm **ret)
{
	igvmkit_igvm *h = NULL, *again = NULL;
	igvmkit_header_info hi;
	igvmkit_platform_info pi;
	igvmkit_error err;
	size_t len = 0, flen = 0, n, pages = 0;
	uint8_t *out = NULL, *file;
	char *text = NULL;
	int r;

	r = igvmkit_igvm_read_file(path_in(dir, "ovmf.igvm"), 0, &h, &err);
	IK_CHECK(r == 0);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.message);
		return;
	}
	IK_CHECK(igvmkit_igvm_validate(h, 0, &err) == 0);
	IK_CHECK(igvmkit_igvm_validate(h, IGVMKIT_READ_LENIENT, &err) == 0);
	IK_CHECK(igvmkit_igvm_format_version(h) == 1 || igvmkit_igvm_format_version(h) == 2);
	IK_CHECK_EQ_U64(igvmkit_igvm_architecture(h), 0);
	/* a file igvmkit wrote comes back byte for byte */
	IK_CHECK(igvmkit_igvm_write(h, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "ovmf.igvm")));
	IK_CHECK(igvmkit_igvm_write_file(h, path_in(dir, "rewritten.igvm"), &err) == 0);
	file = slurp(path_in(dir, "rewritten.igvm"), &flen);
	IK_CHECK(file && flen == len && memcmp(file, out, len) == 0);
	free(file);
	capture_begin();
	r = igvmkit_igvm_write_file(h, path_in(dir, "no-such-dir/x.igvm"), &err);
	capture_end();
	check_failed(r, &err);
	IK_CHECK(err.file[0] != '\0');

	/* from bytes: the same model; the caller's bytes may go away */
	IK_CHECK(igvmkit_igvm_read(out, len, 0, &again, &err) == 0);
	memset(out, 0, len);
	igvmkit_free(out);
	out = NULL;
	IK_CHECK_EQ_U64(igvmkit_igvm_header_count(again), igvmkit_igvm_header_count(h));
	IK_CHECK(igvmkit_igvm_write(again, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "ovmf.igvm")));

	/* corrupted bytes: an error with a message, nothing printed */
	out[len / 2] ^= 0xff;
	out[8] ^= 0x01; /* variable header offset */
	capture_begin();
	r = igvmkit_igvm_read(out, len, 0, &again, &err);
	capture_end();
	check_failed(r, &err);
	igvmkit_free(out);
	igvmkit_igvm_free(again);

	/* the header walk */
	n = igvmkit_igvm_header_count(h);
	IK_CHECK(n > 10);
	IK_CHECK(igvmkit_igvm_header(h, 0, &hi, &err) == 0);
	IK_CHECK_EQ_U64(hi.type, 0x001);
	IK_CHECK_STR(hi.type_name, "SUPPORTED_PLATFORM");
	IK_CHECK_STR(hi.section, "platform");
	IK_CHECK(hi.has_compatibility_mask && !hi.has_gpa);
	for (size_t i = 0; i < n; i++) {
		IK_CHECK(igvmkit_igvm_header(h, i, &hi, &err) == 0);
		if (hi.type == 0x302) {
			pages++;
			IK_CHECK(hi.has_gpa && hi.has_size && hi.size == 4096 && hi.gpa % 4096 == 0);
			IK_CHECK_STR(hi.type_name, "PAGE_DATA");
			IK_CHECK_STR(hi.section, "directive");
		}
	}
	IK_CHECK(pages > 0);
	r = igvmkit_igvm_header(h, n, &hi, &err);
	check_failed(r, &err);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-ERANGE);

	/* platforms: the default layout declares sev-snp, sev-es, tdx, native */
	IK_CHECK_EQ_U64(igvmkit_igvm_platform_count(h), 4);
	IK_CHECK(igvmkit_igvm_platform(h, 0, &pi, &err) == 0);
	IK_CHECK_STR(pi.name, "sev-snp");
	IK_CHECK_EQ_U64(pi.platform_type, 2);
	IK_CHECK(igvmkit_igvm_platform(h, 2, &pi, &err) == 0);
	IK_CHECK_STR(pi.name, "tdx");
	check_failed(igvmkit_igvm_platform(h, 4, &pi, &err), &err);

	/* inspect, as `igvmkit inspect` prints it */
	file = slurp(path_in(dir, "ovmf.igvm"), &flen);
	IK_CHECK(file && igvmkit_inspect(file, flen, 0, 0, &text, &len, &err) == 0);
	IK_CHECK(text && same_as_file((const uint8_t *)text, len, path_in(dir, "inspect.txt")));
	igvmkit_free(text);
	text = NULL;
	IK_CHECK(file && igvmkit_inspect(file, flen, 0, 1, &text, &len, &err) == 0);
	IK_CHECK(text && same_as_file((const uint8_t *)text, len, path_in(dir, "inspect.json")));
	igvmkit_free(text);
	free(file);
	*ret = h;
}

static void test_measure(const igvmkit_igvm *h)
{
	static const char *const loaders[] = { "qemu" };
	static const char *const vmms[] = { "qemu" };
	static const char *const types[] = { "EPYC-v4", "EPYC-Milan", "EPYC-Genoa" };
	static const uint32_t vcpus[] = { 1, 2, 4, 8 };
	igvmkit_matrix_options mx = { loaders, 1, vmms, 1, types, 3, vcpus, 4, 0, NULL };
	igvmkit_measure_options o;
	igvmkit_measurement m, *all = NULL;
	igvmkit_error err;
	char want[256], *json = NULL;
	size_t rom_len = 0, n = 0, len = 0;
	uint8_t *rom;

	igvmkit_measure_options_init(&o);
	o.vcpu_type = "EPYC-v4";
	IK_CHECK(igvmkit_measure_igvm(h, &o, &m, &err) == 0);
	first_line(path_in(dir, "snp.txt"), want, sizeof(want));
	IK_CHECK_STR(m.digest_hex, want);
	IK_CHECK_STR(m.platform, "sev-snp");
	IK_CHECK_STR(m.digest_field, "MEASUREMENT");
	IK_CHECK_STR(m.algorithm, "sha384");
	IK_CHECK_STR(m.vcpu_type, "EPYC-v4");
	IK_CHECK_EQ_U64(m.digest_len, 48);
	IK_CHECK_EQ_U64(m.vcpus, 1);
	o.platform = "tdx";
	IK_CHECK(igvmkit_measure_igvm(h, &o, &m, &err) == 0);
	first_line(path_in(dir, "tdx.txt"), want, sizeof(want));
	IK_CHECK_STR(m.digest_hex, want);
	IK_CHECK_STR(m.loader, "igvm-crate");
	o.platform = "sev-es";
	o.vcpus = 4;
	o.loader = "igvmmeasure";
	IK_CHECK(igvmkit_measure_igvm(h, &o, &m, &err) == 0);
	first_line(path_in(dir, "seves4.txt"), want, sizeof(want));
	IK_CHECK_STR(m.digest_hex, want);
	IK_CHECK_EQ_U64(m.digest_len, 32);
	o.platform = "sev";
	o.loader = "nope";
	capture_begin();
	check_failed(igvmkit_measure_igvm(h, &o, &m, &err), &err);
	capture_end();

	/* the raw ROM */
	rom = slurp("/usr/share/ovmf/OVMF.fd", &rom_len);
	igvmkit_measure_options_init(&o);
	o.vcpu_type = "EPYC-v4";
	IK_CHECK(rom && igvmkit_measure_rom(rom, rom_len, "OVMF.fd", &o, &m, &err) == 0);
	first_line(path_in(dir, "rom-snp.txt"), want, sizeof(want));
	IK_CHECK_STR(m.digest_hex, want);
	free(rom);

	/* the matrix, and its JSON byte for byte as `igvmkit build` wrote it */
	IK_CHECK(igvmkit_measure_matrix(h, &mx, &all, &n, &err) == 0);
	/* sev-snp and sev-es: 3 types x 4 counts each; tdx once */
	IK_CHECK_EQ_U64(n, 12 + 12 + 1);
	IK_CHECK(all && strcmp(all[0].platform, "sev-snp") == 0 && all[0].vcpus == 1 &&
		 strcmp(all[0].vcpu_type, "EPYC-v4") == 0);
	first_line(path_in(dir, "snp.txt"), want, sizeof(want));
	IK_CHECK(all && strcmp(all[0].digest_hex, want) == 0);
	igvmkit_free(all);
	all = NULL;
	IK_CHECK(igvmkit_measure_matrix(h, NULL, &all, &n, &err) == 0);
	IK_CHECK(n >= 2);
	igvmkit_free(all);
	IK_CHECK(igvmkit_measure_matrix_json(h, "ovmf.igvm", &mx, &json, &len, &err) == 0);
	IK_CHECK(json && strlen(json) == len);
	IK_CHECK(json && same_as_file((const uint8_t *)json, len,
				      path_in(dir, "ovmf.measurements.json")));
	igvmkit_free(json);
	mx.tdx_order = "sideways";
	capture_begin();
	check_failed(igvmkit_measure_matrix_json(h, NULL, &mx, &json, NULL, &err), &err);
	capture_end();
}

static void test_build(void)
{
	/* the default layout through an inline one that includes the shipped templates */
	static const char inline_layout[] =
		"version: 1\n"
		"include:\n"
		"  - ../templates/ovmf-debian.yaml\n"
		"  - ../templates/snp-policy.yaml\n"
		"  - ../templates/tdx-policy.yaml\n"
		"platforms:\n"
		"  sev-snp:\n"
		"  tdx:\n"
		"  sev-es:\n"
		"  native:\n"
		"outputs:\n"
		"  igvm: ovmf.igvm\n";
	/* a header type QEMU's loader refuses, allowed: built with a warning */
	static const char warning_layout[] =
		"igvm: {allow-non-qemu-headers: true}\n"
		"platforms: [sev-snp]\n"
		"measure: {loader: igvm}\n"
		"components:\n"
		"  ovmf: {type: ovmf, file: /usr/share/ovmf/OVMF.fd}\n"
		"parameter-areas:\n"
		"  acpi: {address: 0x7000000, parameters: {srat: 0}}\n";
	igvmkit_define defs[] = { { "OVMF", "/usr/share/ovmf/OVMF.fd" } };
	igvmkit_build_options bo = { .defines = defs, .n_defines = 1 };
	igvmkit_igvm *h = NULL;
	igvmkit_error err;
	char **warnings = NULL;
	size_t n_warnings = 99, len = 0;
	uint8_t *out = NULL;

	/* the built-in default layout = `igvmkit build` without a layout */
	IK_CHECK(igvmkit_build_file(NULL, NULL, &h, &warnings, &n_warnings, &err) == 0);
	IK_CHECK(n_warnings == 0 && warnings == NULL);
	IK_CHECK(igvmkit_igvm_write(h, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "ovmf.igvm")));
	igvmkit_free(out);
	out = NULL;
	igvmkit_igvm_free(h);
	h = NULL;

	/* the layout file, a variant of it */
	IK_CHECK(igvmkit_build_file(path_in(src, "layouts/default.yaml"), &bo, &h, NULL, NULL,
				    &err) == 0);
	IK_CHECK(igvmkit_igvm_write(h, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "ovmf.igvm")));
	igvmkit_free(out);
	out = NULL;
	igvmkit_igvm_free(h);
	h = NULL;
	bo.variant = "snp";
	IK_CHECK(igvmkit_build_file(path_in(src, "layouts/default.yaml"), &bo, &h, NULL, NULL,
				    &err) == 0);
	IK_CHECK_EQ_U64(igvmkit_igvm_platform_count(h), 1);
	igvmkit_igvm_free(h);
	h = NULL;
	bo.variant = "no-such-variant";
	capture_begin();
	check_failed(igvmkit_build_file(path_in(src, "layouts/default.yaml"), &bo, &h, NULL, NULL,
					&err), &err);
	capture_end();
	bo.variant = NULL;

	/* a string */
	IK_CHECK(igvmkit_build_string(inline_layout, strlen(inline_layout), &bo, &h, &warnings,
				      &n_warnings, &err) == 0);
	IK_CHECK(igvmkit_igvm_write(h, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "ovmf.igvm")));
	igvmkit_free(out);
	igvmkit_free(warnings);
	igvmkit_igvm_free(h);
	h = NULL;

	/* build warnings come back as strings, one block */
	IK_CHECK(igvmkit_build_string(warning_layout, strlen(warning_layout), NULL, &h, &warnings,
				      &n_warnings, &err) == 0);
	IK_CHECK_EQ_U64(n_warnings, 1);
	IK_CHECK(warnings && warnings[0] && strstr(warnings[0], "SRAT") && !warnings[1]);
	igvmkit_free(warnings);
	igvmkit_igvm_free(h);
}

/* The whole build into a directory: the same files `igvmkit build` wrote, or nothing. */
static void test_build_outputs(void)
{
	char *out_dir = path_in(dir, "lib-out"), *blocker = path_in(dir, "lib-blocker");
	char **files = NULL;
	size_t n_files = 0;
	igvmkit_error err;
	int fd;

	IK_CHECK(igvmkit_build_outputs(NULL, NULL, out_dir, &files, &n_files, &err) == 0);
	IK_CHECK_EQ_U64(n_files, 2);
	IK_CHECK(files && files[0] && files[1] && !files[2]);
	if (files && n_files == 2) {
		IK_CHECK(strcmp(files[0], "ovmf.igvm") == 0);
		IK_CHECK(strcmp(files[1], "ovmf.measurements.json") == 0);
		for (size_t i = 0; i < 2; i++) {
			size_t len = 0;
			char *mine = path_in(out_dir, files[i]);
			uint8_t *p = slurp(mine, &len);

			IK_CHECK(p && same_as_file(p, len, path_in(dir, files[i])));
			free(p);
		}
	}
	igvmkit_free(files);

	/* an output directory that is a file: an error naming it, nothing written */
	fd = open(blocker, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	IK_CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	files = NULL;
	capture_begin();
	check_failed(igvmkit_build_outputs(NULL, NULL, blocker, &files, &n_files, &err), &err);
	capture_end();
	IK_CHECK(files == NULL);
	IK_CHECK(strstr(err.file, "lib-blocker") != NULL);
}

static void test_vars_fuki_sign(void)
{
	igvmkit_error err;
	size_t cert_len = 0, igvm_len = 0, len = 0, fuki_len = 0, signed_len = 0, n_sigs = 0;
	uint8_t *cert = slurp(path_in(dir, "cert.pem"), &cert_len);
	uint8_t *igvm = slurp(path_in(dir, "ovmf.igvm"), &igvm_len);
	uint8_t *out = NULL, *fuki = NULL, *signed_pe = NULL, digest[64];
	char want[256], hex[129];
	igvmkit_blob c = { cert, cert_len };
	igvmkit_varstore_options vo = { .pk = &c, .n_pk = 1, .kek = &c, .n_kek = 1, .db = &c,
					.n_db = 1, .secure_boot = IGVMKIT_SECURE_BOOT_ENABLED };
	igvmkit_fuki_firmware fw = { "ovmf", igvm, igvm_len };
	igvmkit_sign_options so = { .key = path_in(dir, "key.pem"), .cert = path_in(dir, "cert.pem") };
	int r;

	IK_CHECK(cert && igvm);
	if (!cert || !igvm)
		goto out;
	IK_CHECK(igvmkit_esl_from_certificates(cert, cert_len, NULL, 0, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "cert.esl")));
	igvmkit_free(out);
	out = NULL;
	IK_CHECK(igvmkit_varstore_build(NULL, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "empty-vars.fd")));
	igvmkit_free(out);
	out = NULL;
	IK_CHECK(igvmkit_varstore_build(&vo, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "sb-vars.fd")));
	igvmkit_free(out);
	out = NULL;
	vo.size = "2m";
	vo.has_time = 1;
	vo.time = 1700000000;
	IK_CHECK(igvmkit_varstore_build(&vo, &out, &len, &err) == 0);
	IK_CHECK(out && same_as_file(out, len, path_in(dir, "sb-vars-2m.fd")));
	igvmkit_free(out);
	out = NULL;

	IK_CHECK(igvmkit_fuki_wrap(&fw, 1, NULL, &fuki, &fuki_len, &err) == 0);
	IK_CHECK(fuki && same_as_file(fuki, fuki_len, path_in(dir, "ovmf.efi")));
	if (!fuki)
		goto out;
	IK_CHECK(igvmkit_authenticode_digest(fuki, fuki_len, NULL, digest, sizeof(digest), &len,
					     &err) == 0);
	IK_CHECK_EQ_U64(len, 32);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	first_line(path_in(dir, "digest.txt"), want, sizeof(want));
	IK_CHECK_STR(hex, want);
	IK_CHECK(igvmkit_authenticode_digest(fuki, fuki_len, "sha512", digest, sizeof(digest), &len,
					     &err) == 0);
	IK_CHECK_EQ_U64(len, 64);
	capture_begin();
	r = igvmkit_authenticode_digest(fuki, fuki_len, "sha512", digest, 32, &len, &err);
	check_failed(r, &err);
	r = igvmkit_authenticode_verify(fuki, fuki_len, path_in(dir, "cert.pem"), 0, &n_sigs, &err);
	check_failed(r, &err); /* unsigned */
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-ENOKEY);
	capture_end();

	r = igvmkit_authenticode_sign(fuki, fuki_len, &so, &signed_pe, &signed_len, &err);
	IK_CHECK(r == 0);
	if (r < 0)
		fprintf(stderr, "sign: %s: %s\n", err.file, err.message);
	IK_CHECK(signed_pe && same_as_file(signed_pe, signed_len, path_in(dir, "ovmf.signed.efi")));
	if (!signed_pe)
		goto out;
	IK_CHECK(igvmkit_authenticode_verify(signed_pe, signed_len, path_in(dir, "cert.pem"), 1,
					     &n_sigs, &err) == 0);
	IK_CHECK_EQ_U64(n_sigs, 1);
	capture_begin();
	r = igvmkit_authenticode_verify(signed_pe, signed_len, path_in(dir, "other.pem"), 0,
					&n_sigs, &err);
	check_failed(r, &err);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-EBADE);
	r = igvmkit_authenticode_sign(signed_pe, signed_len, &so, &out, &len, &err);
	check_failed(r, &err); /* already signed */
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-EEXIST);
	so.cert = path_in(dir, "other.pem");
	r = igvmkit_authenticode_sign(fuki, fuki_len, &so, &out, &len, &err);
	check_failed(r, &err);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)-EKEYREJECTED);
	capture_end();
	so.cert = path_in(dir, "cert.pem");
	so.existing = IGVMKIT_SIGN_APPEND;
	IK_CHECK(igvmkit_authenticode_sign(signed_pe, signed_len, &so, &out, &len, &err) == 0);
	IK_CHECK(out && igvmkit_authenticode_verify(out, len, path_in(dir, "cert.pem"), 1, &n_sigs,
						    &err) == 0);
	IK_CHECK_EQ_U64(n_sigs, 2);
out:
	igvmkit_free(out);
	igvmkit_free(signed_pe);
	igvmkit_free(fuki);
	free(cert);
	free(igvm);
}

int main(int argc, char **argv)
{
	struct stat st;
	igvmkit_igvm *h = NULL;
	bool have_ovmf;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: test_libigvmkit DIR SRC\n");
		return 2;
	}
	dir = argv[1];
	src = argv[2];
	have_ovmf = stat(path_in(dir, "no-ovmf"), &st) != 0;
	test_basics();
	test_error_paths();
	if (have_ovmf) {
		test_igvm(&h);
		if (h)
			test_measure(h);
		igvmkit_igvm_free(h);
		test_build();
		test_build_outputs();
		test_vars_fuki_sign();
	}
	rc = ik_test_done();
	if (rc == 0 && !have_ovmf) {
		printf("SKIP: /usr/share/ovmf/OVMF.fd is absent (package ovmf): only the checks without it ran\n");
		return 77;
	}
	return rc;
}
