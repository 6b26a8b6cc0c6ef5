/*
 * The bit tables of the launch security settings, in one place: the SEV-SNP
 * guest policy, the SEV-ES/SNP VMSA SEV_FEATURES and the IGVM TDX guest policy
 * (which the loader turns into TD attributes).
 * Every layout key, option and measured file is checked against them; the
 * sources are cited in guest_policy.c and docs/measure.md ("Policy bits").
 */
#ifndef IGVMKIT_MEASURE_GUEST_POLICY_H
#define IGVMKIT_MEASURE_GUEST_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "igvm/igvm.h"

enum policy_field {
	POLICY_FIELD_SNP_GUEST_POLICY,
	POLICY_FIELD_SEV_FEATURES,
	POLICY_FIELD_TDX_POLICY,
	POLICY_FIELD_COUNT,
};

/* "SNP guest policy", "SEV_FEATURES", "TDX guest policy". */
const char *policy_field_name(enum policy_field f);

/*
 * Checks V against F's table: a reserved bit set (or, for the SNP policy, bit 17
 * clear) fails with -EINVAL and a message naming the bits and what is allowed.
 * The value itself is never changed.
 */
int policy_check(enum policy_field f, uint64_t v, struct ik_diag *d);

/*
 * The bits of V that weaken the guest's confidentiality (SNP DEBUG and
 * MIGRATE_MA, TDX DEBUG_ALLOWED and MIGRATABLE), as "DEBUG (why), ..." in OUT
 * (empty when none).
 * Returns true when there is one.
 */
bool policy_weakening_bits(enum policy_field f, uint64_t v, char *out, size_t out_len);

/*
 * The security warnings of model F: one line per GUEST_POLICY or SNP VMSA whose
 * value has weakening bits, e.g. "sev-snp GUEST_POLICY 0xb0000 sets DEBUG (the
 * host can read and change guest memory)".  *RET is a malloc'ed array of
 * malloc'ed strings (policy_warnings_free).
 */
int policy_warnings_of_igvm(const struct igvm_file *f, char ***ret, size_t *n_ret, struct ik_diag *d);
void policy_warnings_free(char **v, size_t n);

#endif
