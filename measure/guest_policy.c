/*
 * The bit tables of the launch security settings.  Sources:
 *  - SNP guest policy: AMD "SEV Secure Nested Paging Firmware ABI Specification",
 *    publication 56860, revision 1.57, section 4.3 "Guest Policy".
 *  - SEV_FEATURES: AMD64 Architecture Programmer's Manual vol. 2, publication 24593,
 *    section 15.35 (VMSA SEV_FEATURES), as named by the igvm crate's SevFeatures
 *    and Linux's SVM_SEV_FEAT_* (arch/x86/include/asm/svm.h).
 *  - TDX guest policy: the IGVM specification's TdxPolicy (igvm_defs, IGVM_VHS_GUEST_POLICY
 *    on a TDX platform; docs/igvm-format.md), which the loader maps onto the TD attributes
 *    of Intel's "TDX Module ABI Specification" (TD_PARAMS.ATTRIBUTES: DEBUG bit 0,
 *    SEPT_VE_DISABLE bit 28, MIGRATABLE bit 29).
 */
#include "measure/guest_policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "measure/vmsa.h"

struct policy_bit {
	unsigned first, last; /* bit range, inclusive */
	const char *name;
	const char *weakens;  /* why it weakens the guest, NULL when it does not */
};

static const struct policy_bit snp_policy_bits[] = {
	{ 0, 7, "ABI_MINOR", NULL },
	{ 8, 15, "ABI_MAJOR", NULL },
	{ 16, 16, "SMT", NULL },
	{ 17, 17, "RESERVED_MBO", NULL }, /* reserved, must be one */
	{ 18, 18, "MIGRATE_MA", "a migration agent may export the guest's memory" },
	{ 19, 19, "DEBUG", "the host can read and change guest memory" },
	{ 20, 20, "SINGLE_SOCKET", NULL },
	{ 21, 21, "CXL_ALLOW", NULL },
	{ 22, 22, "MEM_AES_256_XTS", NULL },
	{ 23, 23, "RAPL_DIS", NULL },
	{ 24, 24, "CIPHERTEXT_HIDING", NULL },
	{ 25, 25, "PAGE_SWAP_DISABLE", NULL },
};

static const struct policy_bit sev_features_bits[] = {
	{ 0, 0, "SNP_ACTIVE", NULL },
	{ 1, 1, "VTOM", NULL },
	{ 2, 2, "REFLECT_VC", NULL },
	{ 3, 3, "RESTRICTED_INJECTION", NULL },
	{ 4, 4, "ALTERNATE_INJECTION", NULL },
	{ 5, 5, "DEBUG_SWAP", NULL },
	{ 6, 6, "PREVENT_HOST_IBS", NULL },
	{ 7, 7, "BTB_ISOLATION", NULL },
	{ 8, 8, "VMPL_SSS", NULL },
	{ 9, 9, "SECURE_TSC", NULL },
	{ 10, 10, "VMGEXIT_PARAMETER", NULL },
	{ 12, 12, "IBS_VIRTUALIZATION", NULL },
	{ 14, 14, "VMSA_REG_PROT", NULL },
	{ 15, 15, "SMT_PROTECTION", NULL },
	{ 16, 16, "SECURE_AVIC", NULL },
};

/* IGVM TdxPolicy: QEMU turns these into TD attributes DEBUG (bit 0) and SEPT_VE_DISABLE (28). */
static const struct policy_bit tdx_policy_bits[] = {
	{ 0, 0, "DEBUG_ALLOWED", "the host can read and change TD memory and state" },
	{ 1, 1, "SEPT_VE_DISABLE", NULL },
	{ 2, 2, "MIGRATABLE", "a migration TD may export the TD's memory" },
};

static const struct {
	const char *name;
	const struct policy_bit *bits;
	size_t n;
} tables[POLICY_FIELD_COUNT] = {
	[POLICY_FIELD_SNP_GUEST_POLICY] = { "SNP guest policy", snp_policy_bits, IK_ARRAY_SIZE(snp_policy_bits) },
	[POLICY_FIELD_SEV_FEATURES] = { "SEV_FEATURES", sev_features_bits, IK_ARRAY_SIZE(sev_features_bits) },
	[POLICY_FIELD_TDX_POLICY] = { "TDX guest policy", tdx_policy_bits, IK_ARRAY_SIZE(tdx_policy_bits) },
};

#define SNP_POLICY_MBO ((uint64_t)1 << 17)

const char *policy_field_name(enum policy_field f)
{
	return f < POLICY_FIELD_COUNT ? tables[f].name : "?";
}

static uint64_t bit_mask(const struct policy_bit *b)
{
	unsigned width = b->last - b->first + 1;
	return (width >= 64 ? UINT64_MAX : ((1ull << width) - 1)) << b->first;
}

static uint64_t known_mask(enum policy_field f)
{
	uint64_t m = 0;

	for (size_t i = 0; i < tables[f].n; i++)
		m |= bit_mask(&tables[f].bits[i]);
	return m;
}

int policy_check(enum policy_field f, uint64_t v, struct ik_diag *d)
{
	uint64_t reserved;

	if (f >= POLICY_FIELD_COUNT)
		return ik_fail(d, -EINVAL, "unknown policy field");
	reserved = v & ~known_mask(f);
	if (reserved)
		return ik_fail(d, -EINVAL,
			       "%s 0x%" PRIx64 " sets reserved bit(s) 0x%" PRIx64
			       " (known bits: 0x%" PRIx64 "; see docs/measure.md, \"Policy bits\")",
			       tables[f].name, v, reserved, known_mask(f));
	if (f == POLICY_FIELD_SNP_GUEST_POLICY && !(v & SNP_POLICY_MBO))
		return ik_fail(d, -EINVAL, "%s 0x%" PRIx64 " lacks bit 17, which must be 1 (e.g. 0x%" PRIx64 ")",
			       tables[f].name, v, (uint64_t)(v | SNP_POLICY_MBO));
	return 0;
}

bool policy_weakening_bits(enum policy_field f, uint64_t v, char *out, size_t out_len)
{
	size_t used = 0;

	if (out_len)
		out[0] = '\0';
	if (f >= POLICY_FIELD_COUNT)
		return false;
	for (size_t i = 0; i < tables[f].n; i++) {
		const struct policy_bit *b = &tables[f].bits[i];
		if (!b->weakens || !(v & bit_mask(b)))
			continue;
		int k = snprintf(out + used, out_len > used ? out_len - used : 0, "%s%s (%s)",
				 used ? ", " : "", b->name, b->weakens);
		if (k > 0)
			used += (size_t)k;
		if (used >= out_len)
			used = out_len ? out_len - 1 : 0;
	}
	return used > 0;
}

void policy_warnings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int add_warning(char ***v, size_t *n, const char *platform, const char *what, uint64_t value,
		       enum policy_field f, struct ik_diag *d)
{
	char bits[512];
	char line[768];

	if (!policy_weakening_bits(f, value, bits, sizeof(bits)))
		return 0;
	snprintf(line, sizeof(line), "%s %s 0x%" PRIx64 " sets %s", platform, what, value, bits);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], line) == 0)
			return 0;
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return ik_fail(d, -ENOMEM, "out of memory");
	*v = nv;
	if (!(nv[*n] = strdup(line)))
		return ik_fail(d, -ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

int policy_warnings_of_igvm(const struct igvm_file *f, char ***ret, size_t *n_ret, struct ik_diag *d)
{
	char **v = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < f->n_headers && r >= 0; i++) {
		const struct igvm_header *h = &f->headers[i];
		if (h->type != IGVM_VHT_GUEST_POLICY)
			continue;
		const struct igvm_vhs_supported_platform *p =
			igvm_platform_by_mask(f, h->u.guest_policy.compatibility_mask);
		if (!p)
			continue;
		if (p->platform_type == IGVM_PLATFORM_SEV_SNP)
			r = add_warning(&v, &n, "sev-snp", "GUEST_POLICY", h->u.guest_policy.policy,
					POLICY_FIELD_SNP_GUEST_POLICY, d);
		else if (p->platform_type == IGVM_PLATFORM_TDX)
			r = add_warning(&v, &n, "tdx", "GUEST_POLICY", h->u.guest_policy.policy,
					POLICY_FIELD_TDX_POLICY, d);
	}
	if (r < 0) {
		policy_warnings_free(v, n);
		return r;
	}
	*ret = v;
	*n_ret = n;
	return 0;
}
