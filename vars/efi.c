/* SPDX-License-Identifier: MIT */
#include "vars/efi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"

/* Values from edk2 MdePkg/Include/Guid/{GlobalVariable,ImageAuthentication}.h and friends. */
const struct ik_guid vars_guid_global_variable =
	VARS_GUID(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
const struct ik_guid vars_guid_image_security_db =
	VARS_GUID(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);
const struct ik_guid vars_guid_secure_boot_enable =
	VARS_GUID(0xf0a30bc7, 0xaf08, 0x4556, 0x99, 0xc4, 0x00, 0x10, 0x09, 0xc9, 0x3a, 0x44);
const struct ik_guid vars_guid_custom_mode =
	VARS_GUID(0xc076ec0c, 0x7028, 0x4399, 0xa0, 0x72, 0x71, 0xee, 0x5c, 0x44, 0x8b, 0x9f);
const struct ik_guid vars_guid_cert_x509 =
	VARS_GUID(0xa5c059a1, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72);
const struct ik_guid vars_guid_cert_sha256 =
	VARS_GUID(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28);
const struct ik_guid vars_guid_cert_x509_sha256 =
	VARS_GUID(0x3bd2a492, 0x96c0, 0x4079, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed);
const struct ik_guid vars_guid_cert_type_pkcs7 =
	VARS_GUID(0x4aafd29d, 0x68df, 0x49ee, 0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7);
const struct ik_guid vars_guid_system_nv_data_fv =
	VARS_GUID(0xfff12b8d, 0x7696, 0x4c8b, 0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50);
const struct ik_guid vars_guid_authenticated_variable =
	VARS_GUID(0xaaf32c78, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
const struct ik_guid vars_guid_variable =
	VARS_GUID(0xddcf3616, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);
const struct ik_guid vars_guid_working_block_signature =
	VARS_GUID(0x9e58292b, 0x7c68, 0x497d, 0xa0, 0xce, 0x65, 0x00, 0xfd, 0x9f, 0x1b, 0x95);
const struct ik_guid vars_guid_igvm_data_hob =
	VARS_GUID(0x3dd177ff, 0xb632, 0x4e25, 0xbe, 0xf3, 0x06, 0x50, 0x63, 0xd5, 0x5f, 0xc4);
const struct ik_guid vars_guid_owner_ovmf_enroll =
	VARS_GUID(0xa0baa8a3, 0x041d, 0x48a8, 0xbc, 0x87, 0xc3, 0x6d, 0x12, 0x1b, 0x5e, 0x3d);
const struct ik_guid vars_guid_owner_microsoft =
	VARS_GUID(0x77fa9abd, 0x0359, 0x4d32, 0xbd, 0x60, 0x28, 0xf4, 0xe7, 0x8f, 0x78, 0x4b);
const struct ik_guid vars_guid_zero = { { 0 } };

static const struct ik_guid guid_shim =
	VARS_GUID(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23);
static const struct ik_guid guid_vendor_keys_nv =
	VARS_GUID(0x9073e4e0, 0x60ec, 0x4b6e, 0x99, 0x03, 0x4c, 0x22, 0x3c, 0x26, 0x0f, 0x3c);
static const struct ik_guid guid_cert_db =
	VARS_GUID(0xd9bee56e, 0x75dc, 0x49d9, 0xb4, 0xd7, 0xb5, 0x34, 0x21, 0x0f, 0x63, 0x7a);

/* Well-known GUIDs: spec name for display, optional short alias for the command line. */
static const struct {
	const struct ik_guid *guid;
	const char *name;
	const char *alias;
} known_guids[] = {
	{ &vars_guid_global_variable, "EFI_GLOBAL_VARIABLE", "global" },
	{ &vars_guid_image_security_db, "EFI_IMAGE_SECURITY_DATABASE_GUID", "security" },
	{ &vars_guid_secure_boot_enable, "gEfiSecureBootEnableDisableGuid", NULL },
	{ &vars_guid_custom_mode, "gEfiCustomModeEnableGuid", NULL },
	{ &guid_vendor_keys_nv, "gEfiVendorKeysNvGuid", NULL },
	{ &guid_cert_db, "gEfiCertDbGuid", NULL },
	{ &vars_guid_owner_ovmf_enroll, "OvmfEnrollDefaultKeys", "ovmf" },
	{ &vars_guid_owner_microsoft, "gMicrosoftVendorGuid", "microsoft" },
	{ &guid_shim, "SHIM_LOCK_GUID", "shim" },
	{ &vars_guid_zero, "zero GUID", "zero" },
};

const char *vars_guid_name(const struct ik_guid *g)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(known_guids); i++)
		if (ik_guid_equal(g, known_guids[i].guid))
			return known_guids[i].name;
	return NULL;
}

int vars_guid_parse_alias(const char *s, struct ik_guid *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(known_guids); i++)
		if (known_guids[i].alias && strcmp(s, known_guids[i].alias) == 0) {
			*ret = *known_guids[i].guid;
			return 0;
		}
	return ik_guid_parse(s, ret);
}

/* Attribute bits with the short names used by virt-fw-vars and efitools' output. */
static const struct {
	uint32_t bit;
	const char *name;
	const char *long_name;
} attr_names[] = {
	{ EFI_VARIABLE_NON_VOLATILE, "NV", "NON_VOLATILE" },
	{ EFI_VARIABLE_BOOTSERVICE_ACCESS, "BS", "BOOTSERVICE_ACCESS" },
	{ EFI_VARIABLE_RUNTIME_ACCESS, "RT", "RUNTIME_ACCESS" },
	{ EFI_VARIABLE_HARDWARE_ERROR_RECORD, "HR", "HARDWARE_ERROR_RECORD" },
	{ EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS, "AW", "AUTHENTICATED_WRITE_ACCESS" },
	{ EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS, "AT",
	  "TIME_BASED_AUTHENTICATED_WRITE_ACCESS" },
	{ EFI_VARIABLE_APPEND_WRITE, "AP", "APPEND_WRITE" },
};

void vars_attr_format(uint32_t attr, char out[64])
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < IK_ARRAY_SIZE(attr_names); i++) {
		if (!(attr & attr_names[i].bit))
			continue;
		used += (size_t)snprintf(out + used, 64 - used, "%s%s", used ? "|" : "",
					 attr_names[i].name);
	}
	if (attr & ~VARS_ATTR_KNOWN_MASK)
		snprintf(out + used, 64 - used, "%s0x%x", used ? "|" : "",
			 attr & ~VARS_ATTR_KNOWN_MASK);
	else if (used == 0)
		snprintf(out, 64, "0");
}

int vars_attr_parse(const char *s, uint32_t *ret)
{
	uint32_t attr = 0;
	uint64_t v;

	if (ik_parse_u64(s, &v) == 0) {
		if (v > UINT32_MAX)
			return -EINVAL;
		*ret = (uint32_t)v;
		return 0;
	}
	while (*s) {
		size_t n = strcspn(s, ",|");
		bool found = false;

		for (size_t i = 0; i < IK_ARRAY_SIZE(attr_names); i++) {
			const char *a = attr_names[i].name, *b = attr_names[i].long_name;
			if ((strlen(a) == n && strncmp(s, a, n) == 0) ||
			    (strlen(b) == n && strncmp(s, b, n) == 0)) {
				attr |= attr_names[i].bit;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		s += n;
		if (*s)
			s++;
	}
	*ret = attr;
	return 0;
}

/* Sizes as edk2 AuthVariableLib's mSupportSigItem table enforces them (vars.md §1.2). */
static const struct vars_sig_type sig_types[] = {
	{ VARS_GUID(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28),
	  "EFI_CERT_SHA256_GUID", "sha256", 32, 32, true },
	{ VARS_GUID(0xa5c059a1, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72),
	  "EFI_CERT_X509_GUID", "x509", 0, 0, true },
	{ VARS_GUID(0x3c5766e8, 0x269c, 0x4e34, 0xaa, 0x14, 0xed, 0x77, 0x6e, 0x85, 0xb3, 0xb6),
	  "EFI_CERT_RSA2048_GUID", "rsa2048", 256, 0, true },
	{ VARS_GUID(0xe2b36190, 0x879b, 0x4a3d, 0xad, 0x8d, 0xf2, 0xe7, 0xbb, 0xa3, 0x27, 0x84),
	  "EFI_CERT_RSA2048_SHA256_GUID", "rsa2048-sha256", 256, 0, true },
	{ VARS_GUID(0x826ca512, 0xcf10, 0x4ac9, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd),
	  "EFI_CERT_SHA1_GUID", "sha1", 20, 20, true },
	{ VARS_GUID(0x67f8444f, 0x8743, 0x48f1, 0xa3, 0x28, 0x1e, 0xaa, 0xb8, 0x73, 0x60, 0x80),
	  "EFI_CERT_RSA2048_SHA1_GUID", "rsa2048-sha1", 256, 0, true },
	{ VARS_GUID(0x0b6e5233, 0xa65c, 0x44c9, 0x94, 0x07, 0xd9, 0xab, 0x83, 0xbf, 0xc8, 0xbd),
	  "EFI_CERT_SHA224_GUID", "sha224", 28, 28, true },
	{ VARS_GUID(0xff3e5307, 0x9fd0, 0x48c9, 0x85, 0xf1, 0x8a, 0xd5, 0x6c, 0x70, 0x1e, 0x01),
	  "EFI_CERT_SHA384_GUID", "sha384", 48, 48, true },
	{ VARS_GUID(0x093e0fae, 0xa6c4, 0x4f50, 0x9f, 0x1b, 0xd4, 0x1e, 0x2b, 0x89, 0xc1, 0x9a),
	  "EFI_CERT_SHA512_GUID", "sha512", 64, 64, true },
	{ VARS_GUID(0x3bd2a492, 0x96c0, 0x4079, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed),
	  "EFI_CERT_X509_SHA256_GUID", "x509-sha256", 48, 32, true },
	{ VARS_GUID(0x7076876e, 0x80c2, 0x4ee6, 0xaa, 0xd2, 0x28, 0xb3, 0x49, 0xa6, 0x86, 0x5b),
	  "EFI_CERT_X509_SHA384_GUID", "x509-sha384", 64, 48, true },
	{ VARS_GUID(0x446dbf63, 0x2502, 0x4cda, 0xbc, 0xfa, 0x24, 0x65, 0xd2, 0xb0, 0xfe, 0x9d),
	  "EFI_CERT_X509_SHA512_GUID", "x509-sha512", 80, 64, true },
	{ VARS_GUID(0x57347f87, 0x7a9b, 0x403a, 0xb9, 0x3c, 0xdc, 0x4a, 0xfb, 0x7a, 0x0e, 0xbc),
	  "EFI_CERT_SM3_GUID", "sm3", 32, 32, false },
	{ VARS_GUID(0x60d807e5, 0x10b4, 0x49a9, 0x93, 0x31, 0xe4, 0x04, 0x37, 0x88, 0x8d, 0x37),
	  "EFI_CERT_X509_SM3_GUID", "x509-sm3", 48, 32, false },
};

const struct vars_sig_type *vars_sig_type_by_guid(const struct ik_guid *g)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(sig_types); i++)
		if (ik_guid_equal(g, &sig_types[i].guid))
			return &sig_types[i];
	return NULL;
}

const struct vars_sig_type *vars_sig_type_by_short_name(const char *name)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(sig_types); i++)
		if (strcmp(name, sig_types[i].short_name) == 0)
			return &sig_types[i];
	return NULL;
}

const struct vars_sig_type *vars_sig_type_at(size_t i)
{
	return i < IK_ARRAY_SIZE(sig_types) ? &sig_types[i] : NULL;
}

static const struct {
	const char *name;
	const struct ik_guid *guid;
} sigdbs[VARS_SIGDB_MAX] = {
	[VARS_SIGDB_PK] = { "PK", &vars_guid_global_variable },
	[VARS_SIGDB_KEK] = { "KEK", &vars_guid_global_variable },
	[VARS_SIGDB_DB] = { "db", &vars_guid_image_security_db },
	[VARS_SIGDB_DBX] = { "dbx", &vars_guid_image_security_db },
	[VARS_SIGDB_DBT] = { "dbt", &vars_guid_image_security_db },
};

const char *vars_sigdb_name(enum vars_sigdb which)
{
	return which >= 0 && which < VARS_SIGDB_MAX ? sigdbs[which].name : "?";
}

const struct ik_guid *vars_sigdb_guid(enum vars_sigdb which)
{
	return which >= 0 && which < VARS_SIGDB_MAX ? sigdbs[which].guid : NULL;
}

enum vars_sigdb vars_sigdb_from_name(const char *name)
{
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		if (strcmp(name, sigdbs[i].name) == 0)
			return (enum vars_sigdb)i;
	return VARS_SIGDB_INVALID;
}

/* Other variables whose namespace is fixed by the spec or by edk2. */
static const struct {
	const char *name;
	const struct ik_guid *guid;
} fixed_namespaces[] = {
	{ "SecureBootEnable", &vars_guid_secure_boot_enable },
	{ "CustomMode", &vars_guid_custom_mode },
	{ "SetupMode", &vars_guid_global_variable },
	{ "SecureBoot", &vars_guid_global_variable },
	{ "VendorKeysNv", &guid_vendor_keys_nv },
	{ "certdb", &guid_cert_db },
	{ "MokList", &guid_shim },
	{ "SbatLevel", &guid_shim },
};

const struct ik_guid *vars_default_guid_for_name(const char *name)
{
	enum vars_sigdb s = vars_sigdb_from_name(name);

	if (s != VARS_SIGDB_INVALID)
		return vars_sigdb_guid(s);
	for (size_t i = 0; i < IK_ARRAY_SIZE(fixed_namespaces); i++)
		if (strcmp(name, fixed_namespaces[i].name) == 0)
			return fixed_namespaces[i].guid;
	return NULL;
}
