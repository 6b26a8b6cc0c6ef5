/* SPDX-License-Identifier: MIT */
/*
 * QEMU firmware descriptor writer.  Enum values are those of QEMU's
 * docs/interop/firmware.json: FirmwareOSInterface, FirmwareArchitecture
 * (loongarch64 since 7.1) and FirmwareFeature (amd-sev-es, amd-sev-snp,
 * intel-tdx and host-uefi-vars were added after 3.0; the order below is the
 * enum's), FirmwareDevice 'igvm' with FirmwareMappingIgvm (since 10.1).
 */
#include "descriptor/descriptor.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/json.h"

/* FirmwareFeature, in the schema's enum order (the output order). */
static const char *const feature_names[] = {
	"acpi-s3",	 "acpi-s4",	     "amd-sev",	      "amd-sev-es",
	"amd-sev-snp",	 "intel-tdx",	     "enrolled-keys", "requires-smm",
	"secure-boot",	 "host-uefi-vars",   "verbose-dynamic", "verbose-static",
};

/* FirmwareOSInterface */
static const char *const interface_names[] = { "bios", "openfirmware", "uboot", "uefi" };

/* FirmwareArchitecture */
static const char *const architecture_names[] = {
	"aarch64", "arm", "i386", "loongarch64", "riscv64", "x86_64",
};

static ssize_t index_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

bool fwdesc_feature_known(const char *name)
{
	return index_of(feature_names, IK_ARRAY_SIZE(feature_names), name) >= 0;
}

bool fwdesc_interface_known(const char *name)
{
	return index_of(interface_names, IK_ARRAY_SIZE(interface_names), name) >= 0;
}

bool fwdesc_architecture_known(const char *name)
{
	return index_of(architecture_names, IK_ARRAY_SIZE(architecture_names), name) >= 0;
}

static int check_string(const char *what, const char *s, struct ik_diag *d)
{
	if (!s || !s[0])
		return ik_fail_at(d, -EINVAL, what, "expected a non-empty string");
	if (strlen(s) > FWDESC_STRING_MAX)
		return ik_fail_at(d, -E2BIG, what, "%zu characters exceed the limit of %d",
				  strlen(s), FWDESC_STRING_MAX);
	return 0;
}

static int check_list(const char *what, size_t n, struct ik_diag *d)
{
	if (n > FWDESC_LIST_MAX)
		return ik_fail_at(d, -E2BIG, what, "%zu entries exceed the limit of %d", n,
				  FWDESC_LIST_MAX);
	return 0;
}

static const char *const default_interfaces[] = { "uefi" };
static const char *const default_machines[] = { "pc-q35-*" };
static const struct fwdesc_target default_target = { "x86_64", default_machines, 1 };

static int validate(const struct fwdesc *fw, struct ik_diag *d)
{
	bool dyn = false, stat = false;
	int r;

	r = check_string("description", fw->description, d);
	if (r < 0)
		return r;
	r = check_string("mapping.filename", fw->filename, d);
	if (r < 0)
		return r;
	if (fw->filename[0] != '/')
		return ik_fail_at(d, -EINVAL, "mapping.filename",
				  "expected the absolute path the IGVM file is installed at, found "
				  "'%s'",
				  fw->filename);
	if ((r = check_list("interface-types", fw->n_interface_types, d)) < 0 ||
	    (r = check_list("targets", fw->n_targets, d)) < 0 ||
	    (r = check_list("features", fw->n_features, d)) < 0 ||
	    (r = check_list("tags", fw->n_tags, d)) < 0)
		return r;
	for (size_t i = 0; i < fw->n_interface_types; i++)
		if (!fwdesc_interface_known(fw->interface_types[i]))
			return ik_fail_at(d, -EINVAL, "interface-types",
					  "unknown interface type '%s' (expected bios, openfirmware, "
					  "uboot or uefi)",
					  fw->interface_types[i] ? fw->interface_types[i] : "");
	for (size_t i = 0; i < fw->n_targets; i++) {
		const struct fwdesc_target *t = &fw->targets[i];

		if (!fwdesc_architecture_known(t->architecture))
			return ik_fail_at(d, -EINVAL, "targets",
					  "unknown architecture '%s' (expected aarch64, arm, i386, "
					  "loongarch64, riscv64 or x86_64)",
					  t->architecture ? t->architecture : "");
		if (t->n_machines == 0)
			return ik_fail_at(d, -EINVAL, "targets",
					  "architecture '%s' lists no machine types", t->architecture);
		if ((r = check_list("targets.machines", t->n_machines, d)) < 0)
			return r;
		for (size_t k = 0; k < t->n_machines; k++)
			if ((r = check_string("targets.machines", t->machines[k], d)) < 0)
				return r;
	}
	for (size_t i = 0; i < fw->n_features; i++) {
		if (!fwdesc_feature_known(fw->features[i]))
			return ik_fail_at(d, -EINVAL, "features",
					  "unknown feature '%s' (QEMU firmware.json FirmwareFeature)",
					  fw->features[i] ? fw->features[i] : "");
		dyn |= strcmp(fw->features[i], "verbose-dynamic") == 0;
		stat |= strcmp(fw->features[i], "verbose-static") == 0;
	}
	if (dyn && stat)
		return ik_fail_at(d, -EINVAL, "features",
				  "'verbose-dynamic' and 'verbose-static' are mutually exclusive");
	for (size_t i = 0; i < fw->n_tags; i++)
		if ((r = check_string("tags", fw->tags[i], d)) < 0)
			return r;
	return 0;
}

int fwdesc_write_json(const struct fwdesc *fw, struct ik_buf *out, struct ik_diag *d)
{
	const char *const *ifaces = fw->n_interface_types ? fw->interface_types : default_interfaces;
	size_t n_ifaces = fw->n_interface_types ? fw->n_interface_types : 1;
	const struct fwdesc_target *targets = fw->n_targets ? fw->targets : &default_target;
	size_t n_targets = fw->n_targets ? fw->n_targets : 1;
	struct ik_json j;
	int r;

	r = validate(fw, d);
	if (r < 0)
		return r;
	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "description", fw->description);
	ik_json_array_begin(&j, "interface-types");
	for (size_t i = 0; i < n_ifaces; i++) {
		bool dup = false;

		for (size_t k = 0; k < i; k++)
			dup |= strcmp(ifaces[k], ifaces[i]) == 0;
		if (!dup)
			ik_json_string(&j, NULL, ifaces[i]);
	}
	ik_json_array_end(&j);
	ik_json_object_begin(&j, "mapping");
	ik_json_string(&j, "device", "igvm");
	ik_json_string(&j, "filename", fw->filename);
	ik_json_object_end(&j);
	ik_json_array_begin(&j, "targets");
	for (size_t i = 0; i < n_targets; i++) {
		ik_json_object_begin(&j, NULL);
		ik_json_string(&j, "architecture", targets[i].architecture);
		ik_json_array_begin(&j, "machines");
		for (size_t k = 0; k < targets[i].n_machines; k++)
			ik_json_string(&j, NULL, targets[i].machines[k]);
		ik_json_array_end(&j);
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);
	ik_json_array_begin(&j, "features");
	/* Schema order, each once. */
	for (size_t f = 0; f < IK_ARRAY_SIZE(feature_names); f++)
		for (size_t i = 0; i < fw->n_features; i++)
			if (strcmp(fw->features[i], feature_names[f]) == 0) {
				ik_json_string(&j, NULL, feature_names[f]);
				break;
			}
	ik_json_array_end(&j);
	ik_json_array_begin(&j, "tags");
	for (size_t i = 0; i < fw->n_tags; i++)
		ik_json_string(&j, NULL, fw->tags[i]);
	/*
	 * Which igvmkit wrote the file.  The schema has no member for it; 'tags' is the
	 * free-form list management software ignores, so recording it there keeps the
	 * descriptor valid and leaves 'description' to the user.
	 */
	ik_json_string(&j, NULL, FWDESC_GENERATOR_TAG);
	ik_json_array_end(&j);
	ik_json_object_end(&j);
	r = ik_json_finish(&j);
	if (r < 0)
		return ik_fail(d, r, "cannot format the descriptor");
	return 0;
}

int fwdesc_features_from_igvm(const struct igvm_file *f, bool include_tdx, const char **ret,
			      size_t cap, size_t *ret_n, struct ik_diag *d)
{
	static const struct {
		enum igvm_platform_type platform;
		const char *feature;
	} map[] = {
		{ IGVM_PLATFORM_SEV, "amd-sev" },
		{ IGVM_PLATFORM_SEV_ES, "amd-sev-es" },
		{ IGVM_PLATFORM_SEV_SNP, "amd-sev-snp" },
		{ IGVM_PLATFORM_TDX, "intel-tdx" },
	};
	size_t n = 0;

	for (size_t i = 0; i < IK_ARRAY_SIZE(map); i++) {
		if (!igvm_find_platform(f, map[i].platform))
			continue;
		if (map[i].platform == IGVM_PLATFORM_TDX && !include_tdx)
			continue;
		if (n == cap)
			return ik_fail(d, -E2BIG, "more than %zu features", cap);
		ret[n++] = map[i].feature;
	}
	*ret_n = n;
	return 0;
}

const char *fwdesc_architecture_of(const struct igvm_file *f)
{
	return f->architecture == IGVM_ARCH_AARCH64 ? "aarch64" : "x86_64";
}
