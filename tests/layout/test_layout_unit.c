/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the layout loader through its public API, on embedded files
 * (struct layout_embedded_file), so no file system is involved: includes,
 * deep merge, variants with !replace, variable precedence, relative paths,
 * and the file:line:column of errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layout/layout.h"
#include "layout/layout_path.h"
#include "tests/ik_test.h"

#define FILE_(n, t) { n, t, sizeof(t) - 1 }

static const struct layout_embedded_file files[] = {
	FILE_("layouts/base.yaml",
	      "include: [../templates/t.yaml]\n"
	      "defines: {NAME: base, DIR: x}\n"
	      "platforms:\n  sev-snp:\n  tdx: {policy: 0x2}\n"
	      "components:\n  rom: {type: ovmf, file: '${DIR}/rom.fd'}\n"
	      "outputs: {igvm: '${NAME}.igvm'}\n"
	      "variants:\n"
	      "  v1: {defines: {NAME: one}, platforms: {tdx: {enabled: false}}}\n"
	      "  v2: {platforms: !replace {native: }}\n"),
	FILE_("templates/t.yaml",
	      "platforms: {sev-snp: {policy: 0x30000}}\n"
	      "measure: {vcpus: [1, 4], vcpu-types: EPYC-Milan}\n"),
	FILE_("layouts/cycle1.yaml", "include: cycle2.yaml\n"),
	FILE_("layouts/cycle2.yaml", "\n\ninclude: cycle1.yaml\n"),
	FILE_("layouts/badkey.yaml", "platforms: [tdx]\ncomponents:\n  r: {type: raw, file: f, adress: 1}\n"),
	FILE_("layouts/badyaml.yaml", "a: [1, 2\n"),
	FILE_("layouts/twodocs.yaml", "platforms: [tdx]\n---\nplatforms: [sev]\n"),
	FILE_("layouts/selfvar.yaml",
	      "defines: {A: '${A}'}\nplatforms: [tdx]\ncomponents:\n  r: {type: raw, file: '${A}', address: 0}\n"),
	FILE_("layouts/dollar.yaml",
	      "platforms: [tdx]\ncomponents:\n  r: {type: raw, file: 'a$$b', address: 0}\n"),
};

static int load(const char *name, const char *variant, const struct layout_define *defs, size_t n_defs,
		char *const *env, struct layout **ret, struct ik_diag *d)
{
	struct layout_load_opts o;

	memset(&o, 0, sizeof(o));
	o.path = name;
	o.embedded = files;
	o.n_embedded = sizeof(files) / sizeof(files[0]);
	o.defines = defs;
	o.n_defines = n_defs;
	o.environ = env;
	o.variant = variant;
	ik_diag_init(d);
	return layout_load(&o, ret, d);
}

static void test_base(void)
{
	struct layout *l = NULL;
	struct ik_diag d;

	IK_CHECK(load("layouts/base.yaml", NULL, NULL, 0, NULL, &l, &d) == 0);
	if (!l)
		return;
	IK_CHECK(l->platforms[LAYOUT_PLATFORM_SEV_SNP].enabled);
	/* the template's policy survives "sev-snp:" with no value in the including file */
	IK_CHECK(l->platforms[LAYOUT_PLATFORM_SEV_SNP].has_policy);
	IK_CHECK_EQ_U64(l->platforms[LAYOUT_PLATFORM_SEV_SNP].policy, 0x30000);
	IK_CHECK_EQ_U64(l->platforms[LAYOUT_PLATFORM_TDX].policy, 0x2);
	IK_CHECK_STR(l->outputs.igvm, "base.igvm");
	IK_CHECK_STR(l->outputs.measurements, "base.measurements.json");
	/* embedded layouts keep relative data paths relative to the current directory */
	IK_CHECK_STR(l->components[0].file, "x/rom.fd");
	IK_CHECK_EQ_U64(l->measure.n_vcpus, 2);
	IK_CHECK_EQ_U64(l->measure.vcpus[1], 4);
	IK_CHECK_STR(l->measure.vcpu_types[0], "EPYC-Milan");
	IK_CHECK_EQ_U64(l->n_variants, 2);
	IK_CHECK_STR(l->variants[0], "v1");
	IK_CHECK_EQ_U64(l->format_version, 1);
	layout_free(l);
}

static void test_variants_and_variables(void)
{
	struct layout *l = NULL;
	struct ik_diag d;
	struct layout_define def = { "NAME", "cli" };
	char *env[] = { "NAME=env", "DIR=/abs", NULL };

	IK_CHECK(load("layouts/base.yaml", "v1", NULL, 0, NULL, &l, &d) == 0);
	if (l) {
		IK_CHECK(!l->platforms[LAYOUT_PLATFORM_TDX].enabled);
		IK_CHECK_STR(l->outputs.igvm, "one.igvm");
		layout_free(l);
		l = NULL;
	}
	IK_CHECK(load("layouts/base.yaml", "v2", NULL, 0, NULL, &l, &d) == 0);
	if (l) {
		IK_CHECK(l->platforms[LAYOUT_PLATFORM_NATIVE].enabled);
		IK_CHECK(!l->platforms[LAYOUT_PLATFORM_SEV_SNP].enabled);
		IK_CHECK_EQ_U64(l->format_version, 2); /* native contexts are a v2 feature */
		layout_free(l);
		l = NULL;
	}
	/* -D beats the environment, which beats the layout's default */
	IK_CHECK(load("layouts/base.yaml", NULL, &def, 1, env, &l, &d) == 0);
	if (l) {
		IK_CHECK_STR(l->outputs.igvm, "cli.igvm");
		IK_CHECK_STR(l->components[0].file, "/abs/rom.fd");
		layout_free(l);
		l = NULL;
	}
	IK_CHECK(load("layouts/base.yaml", NULL, NULL, 0, env, &l, &d) == 0);
	if (l) {
		IK_CHECK_STR(l->outputs.igvm, "env.igvm");
		layout_free(l);
		l = NULL;
	}
	IK_CHECK(load("layouts/dollar.yaml", NULL, NULL, 0, NULL, &l, &d) == 0);
	if (l) {
		IK_CHECK_STR(l->components[0].file, "a$b");
		layout_free(l);
	}
}

static void expect_fail(const char *name, const char *variant, int err, const char *file,
			const char *place, const char *msg_part)
{
	struct layout *l = NULL;
	struct ik_diag d;
	int r = load(name, variant, NULL, 0, NULL, &l, &d);

	IK_CHECK_EQ_U64((uint64_t)(int64_t)r, (uint64_t)(int64_t)err);
	IK_CHECK(l == NULL);
	IK_CHECK_STR(d.file, file);
	IK_CHECK_STR(d.place, place);
	if (!strstr(d.msg, msg_part)) {
		fprintf(stderr, "%s: message '%s' lacks '%s'\n", name, d.msg, msg_part);
		IK_CHECK(0);
	}
	layout_free(l);
}

static void test_errors(void)
{
	expect_fail("layouts/cycle1.yaml", NULL, -ELOOP, "layouts/cycle2.yaml", "line 3, column 10",
		    "include cycle: layouts/cycle1.yaml -> layouts/cycle2.yaml -> layouts/cycle1.yaml");
	expect_fail("layouts/badkey.yaml", NULL, -EINVAL, "layouts/badkey.yaml", "line 3, column 27",
		    "unknown key 'adress' in 'components.r'");
	expect_fail("layouts/badyaml.yaml", NULL, -EBADMSG, "layouts/badyaml.yaml", "line 2, column 1",
		    "flow sequence");
	expect_fail("layouts/twodocs.yaml", NULL, -EINVAL, "layouts/twodocs.yaml", "line 3, column 1",
		    "one YAML document");
	expect_fail("layouts/selfvar.yaml", NULL, -ELOOP, "layouts/selfvar.yaml", "line 1, column 14",
		    "variable 'A' refers to itself");
	expect_fail("layouts/base.yaml", "v3", -EINVAL, "layouts/base.yaml", "line 10, column 3",
		    "unknown variant 'v3' (the layout defines 'v1', 'v2')");
	expect_fail("layouts/none.yaml", NULL, -ENOENT, "layouts/none.yaml", "",
		    "no such file among the built-in layouts");
}

static void test_paths(void)
{
	static const char *const cases[][3] = {
		{ "layouts/a.yaml", "../templates/t.yaml", "templates/t.yaml" },
		{ "a.yaml", "b.yaml", "b.yaml" },
		{ "/x/y/a.yaml", "./../z/./b.yaml", "/x/z/b.yaml" },
		{ "a.yaml", "../../b.yaml", "../../b.yaml" },
		{ "x/a.yaml", "/abs/../c", "/c" },
		{ "d/a.yaml", "..", "." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = layout_path_join_dir(cases[i][0], cases[i][1]);
		IK_CHECK_STR(p, cases[i][2]);
		free(p);
	}
}

int main(void)
{
	test_base();
	test_variants_and_variables();
	test_errors();
	test_paths();
	return ik_test_done();
}
