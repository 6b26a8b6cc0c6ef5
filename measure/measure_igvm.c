/* SPDX-License-Identifier: MIT */
/*
 * IGVM models measured per loader (measure.md §5.2, igvm.md §3.7-§3.8, §4):
 *
 * QEMU/KVM (backends/igvm.c + target/i386/sev.c):
 *   - directives in file order; consecutive PAGE_DATA with equal flags, data type,
 *     mask and data/no-data state, contiguous GPAs and adjacent directive indices
 *     form a run that is submitted only when a non-matching PAGE_DATA arrives or
 *     the directives end; a PARAMETER_INSERT is submitted at once (so it can be
 *     measured before the run that precedes it);
 *   - SNP: NORMAL pages (zero pages too) hashed, unmeasured -> UNMEASURED,
 *     SECRETS, CPUID; every 4 KiB page of an inserted parameter area UNMEASURED;
 *     SEV/SEV-ES: NORMAL and zero pages are launch data, the rest adds nothing;
 *   - VMSAs at launch finish, one per vCPU at 0xFFFFFFFFF000: the IGVM context of
 *     that vp_index as KVM resynthesises it, else QEMU's reset state.
 *
 * igvm crate / Hyper-V (igvm::measurement): file order; shared pages skipped;
 *   NORMAL with SHA-384 of the page (zeros when no data); every page of an
 *   inserted parameter area UNMEASURED; each SNP VP context a VMSA page at its
 *   own GPA where it appears.  TDX: PAGE.ADD per page, 16 MR.EXTEND for pages
 *   that are measured.
 *
 * Several reference values (measure_igvm_many): one walk over the headers per
 * platform, model and native-zero setting (struct igvm_measure), then per option
 * set a copy of the walk's digest state, the QEMU model's VMSAs for its vCPU count
 * and type, and the final digest (measure_finish).
 */
#include "measure/measure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "measure/measure_priv.h"

/* KVM state that differs from what the guest asked for (svm_set_efer/cr0/cr4). */
#define EFER_SVME 0x1000ull
#define CR0_ET 0x10ull
#define CR0_NW_CD 0x60000000ull
#define CR4_MCE 0x40ull
#define RFLAGS_FIXED 0x2ull

/*
 * The digest state of one measurement: the engine of its platform (SNP chain,
 * SEV stream or TDX MRTD) and its statistics.  Copied to branch off reference
 * values that share a prefix.
 */
struct igvm_engine {
	enum igvm_platform_type platform;
	struct snp_chain snp;
	struct sev_stream sev;
	struct tdx_mrtd tdx;
	uint64_t sev_pages; /* SEV/SEV-ES: 4 KiB units of launch data (statistics) */
	uint32_t vmsas;	    /* VMSA pages measured */
};

/*
 * One walk over the headers: what the page part of a digest depends on (the
 * platform, the loader model, native zero pages) and nothing else, so that
 * every option set agreeing on those shares it.
 */
struct igvm_measure {
	const struct igvm_file *f;
	enum igvm_platform_type platform;
	enum measure_loader loader; /* the model actually used */
	bool native_zero;
	uint32_t mask; /* the platform's compatibility mask */
	struct ik_diag *d;

	struct igvm_engine e;

	/* QEMU: the pending PAGE_DATA run. */
	bool run_active;
	size_t run_first, run_last; /* header indices */
	uint64_t run_start_gpa, run_next_gpa;

	/* QEMU: VMSA per vp_index (NULL = reset state), for the largest vCPU count of the walk. */
	const uint8_t **vmsa;
	size_t n_vmsa;
	/* crate, igvmmeasure: SEV_FEATURES of the first VMSA measured. */
	bool has_sev_features;
	uint64_t sev_features;
	bool has_policy;
	uint64_t policy;
};

static int fail_header(struct igvm_measure *m, size_t i, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_header(struct igvm_measure *m, size_t i, int err, const char *fmt, ...)
{
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ik_diag_place(m->d, err, "header %zu (%s)", i, igvm_header_name(m->f->headers[i].type));
	return ik_fail(m->d, err, "%s", msg);
}

static bool applies(const struct igvm_measure *m, const struct igvm_header *h)
{
	uint32_t mask;

	return igvm_header_mask(h, &mask) && (mask & m->mask);
}

/* The 4 KiB contents of a page (zero-padded into SCRATCH when the blob is shorter), or NULL = zeros. */
static const uint8_t *page_bytes(const struct igvm_measure *m, igvm_blob_id id,
				 uint8_t scratch[MEASURE_PAGE])
{
	const struct igvm_blob *b = igvm_blob_get(m->f, id);
	size_t n;

	if (!b || b->len == 0)
		return NULL;
	if (b->len >= MEASURE_PAGE)
		return b->bytes;
	n = b->len;
	memset(scratch, 0, MEASURE_PAGE);
	memcpy(scratch, b->bytes, n);
	return scratch;
}

/*
 * Whether a page directive carries data as it will be on disk: igvm_write stores all-zero
 * pages as file_offset 0 (no data), and QEMU splits runs on data/no-data, so an in-memory
 * model and the file written from it must agree on this.
 */
static bool has_data(const struct igvm_measure *m, const struct igvm_header *h)
{
	const struct igvm_blob *b = igvm_blob_get(m->f, h->data);

	return b && b->len && !ik_all_zero(b->bytes, b->len);
}

static uint64_t page_size_of(const struct igvm_vhs_page_data *p)
{
	return (p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE) ? IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K;
}

static int parameter_area_size(struct igvm_measure *m, size_t insert, uint32_t index, uint64_t *ret)
{
	*ret = 0; /* gcc -O3 cannot see that fail_header() (varargs, not inlined) returns < 0 */
	for (size_t i = 0; i < m->f->n_headers; i++) {
		const struct igvm_header *h = &m->f->headers[i];

		if (h->type != IGVM_VHT_PARAMETER_AREA || h->u.parameter_area.parameter_area_index != index)
			continue;
		if (h->u.parameter_area.number_of_bytes > MEASURE_REGION_MAX)
			return fail_header(m, insert, -E2BIG, "parameter area %" PRIu32 " of 0x%" PRIx64
					   " bytes exceeds the 4 GiB igvmkit measures", index,
					   h->u.parameter_area.number_of_bytes);
		*ret = h->u.parameter_area.number_of_bytes;
		return 0;
	}
	return -ENOENT;
}

/* ---- QEMU model ---- */

/* Submits one IGVM page (4 KiB or 2 MiB) as QEMU's launch update of its run type. */
static int qemu_submit_page(struct igvm_measure *m, size_t i, bool run_has_data)
{
	const struct igvm_header *h = &m->f->headers[i];
	const struct igvm_vhs_page_data *p = &h->u.page_data;
	uint64_t size = page_size_of(p);
	bool unmeasured = p->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED;
	uint8_t scratch[MEASURE_PAGE];
	const uint8_t *first = run_has_data ? page_bytes(m, h->data, scratch) : NULL;
	enum snp_page_type type = SNP_PAGE_TYPE_NORMAL;
	int r = 0;

	if (p->data_type == IGVM_PAGE_DATA_TYPE_SECRETS || p->data_type == IGVM_PAGE_DATA_TYPE_CPUID_DATA ||
	    p->data_type == IGVM_PAGE_DATA_TYPE_CPUID_XF) {
		if (m->platform != IGVM_PLATFORM_SEV_SNP)
			return fail_header(m, i, -ENOTSUP, "QEMU refuses %s pages for %s guests",
					   p->data_type == IGVM_PAGE_DATA_TYPE_SECRETS ? "SECRETS" : "CPUID",
					   measure_platform_name(m->platform));
		type = p->data_type == IGVM_PAGE_DATA_TYPE_SECRETS ? SNP_PAGE_TYPE_SECRETS : SNP_PAGE_TYPE_CPUID;
	} else if (p->data_type != IGVM_PAGE_DATA_TYPE_NORMAL) {
		return fail_header(m, i, -EBADMSG, "unknown data_type %u", p->data_type);
	} else if (unmeasured) {
		type = SNP_PAGE_TYPE_UNMEASURED;
	}

	/* A 2 MiB page carries at most 4 KiB of data; QEMU zero-fills the rest. */
	for (uint64_t off = 0; r >= 0 && off < size; off += MEASURE_PAGE) {
		const uint8_t *bytes = off == 0 ? first : NULL;

		if (m->platform == IGVM_PLATFORM_SEV_SNP) {
			r = snp_chain_page(&m->e.snp, type, bytes, p->gpa + off, m->d);
		} else if (type == SNP_PAGE_TYPE_NORMAL) {
			r = bytes ? sev_stream_update(&m->e.sev, bytes, MEASURE_PAGE, m->d)
				  : sev_stream_zeros(&m->e.sev, MEASURE_PAGE, m->d);
			m->e.sev_pages++; /* 4 KiB units, for the statistics */
		}
	}
	return r;
}

static bool has_run_data(const struct igvm_measure *m, size_t i)
{
	return has_data(m, &m->f->headers[i]);
}

static int qemu_flush_run(struct igvm_measure *m)
{
	bool run_data;
	int r = 0;

	if (!m->run_active)
		return 0;
	m->run_active = false;
	/* QEMU decides "zero run" once for the whole run: no page of it has data. */
	run_data = has_run_data(m, m->run_first);
	for (size_t i = m->run_first; r >= 0 && i <= m->run_last; i++)
		r = qemu_submit_page(m, i, run_data);
	return r;
}

static bool qemu_run_continues(const struct igvm_measure *m, size_t i)
{
	const struct igvm_header *prev = &m->f->headers[m->run_last];
	const struct igvm_header *cur = &m->f->headers[i];
	const struct igvm_vhs_page_data *a = &prev->u.page_data, *b = &cur->u.page_data;

	return i == m->run_last + 1 && a->flags == b->flags && a->data_type == b->data_type &&
	       a->compatibility_mask == b->compatibility_mask &&
	       has_data(m, prev) == has_data(m, cur) && m->run_next_gpa == b->gpa;
}

static int qemu_page_data(struct igvm_measure *m, size_t i)
{
	const struct igvm_vhs_page_data *p = &m->f->headers[i].u.page_data;
	int r;

	if (m->run_active && !qemu_run_continues(m, i)) {
		r = qemu_flush_run(m);
		if (r < 0)
			return r;
	}
	if (!m->run_active) {
		m->run_active = true;
		m->run_first = i;
		m->run_start_gpa = p->gpa;
	}
	m->run_last = i;
	m->run_next_gpa = p->gpa + page_size_of(p);
	return 0;
}

static int qemu_parameter_insert(struct igvm_measure *m, size_t i)
{
	const struct igvm_vhs_parameter_insert *ins = &m->f->headers[i].u.parameter_insert;
	uint64_t size;
	int r = parameter_area_size(m, i, ins->parameter_area_index, &size);

	if (r == -ENOENT)
		return 0; /* QEMU skips inserts of undeclared areas */
	if (r < 0)
		return r;
	if (m->platform != IGVM_PLATFORM_SEV_SNP)
		return 0; /* unmeasured memory adds nothing to SEV/SEV-ES launch data */
	return snp_chain_range(&m->e.snp, SNP_PAGE_TYPE_UNMEASURED, NULL, ins->gpa,
			       ik_align_up(size, MEASURE_PAGE), m->d);
}

static int qemu_vp_context(struct igvm_measure *m, size_t i)
{
	const struct igvm_header *h = &m->f->headers[i];
	const struct igvm_vhs_vp_context *vp = &h->u.vp_context;
	const struct igvm_blob *b = igvm_blob_get(m->f, h->data);
	uint64_t features;
	int r;

	if (m->platform == IGVM_PLATFORM_SEV)
		return fail_header(m, i, -ENOTSUP, "QEMU refuses VP contexts for SEV guests (plain SEV"
				   " has no encrypted register state)");
	if (vp->gpa != VMSA_KVM_GPA)
		return fail_header(m, i, -ENOTSUP, "VMSA gpa 0x%" PRIx64 ": QEMU accepts only 0x%llx,"
				   " where KVM places every VMSA", vp->gpa, VMSA_KVM_GPA);
	if (!b || b->len != VMSA_PAGE_SIZE)
		return fail_header(m, i, -EBADMSG, "VMSA of %zu bytes; a 4096-byte page expected",
				   b ? b->len : 0);
	if (vp->vp_index >= m->n_vmsa)
		return fail_header(m, i, -EINVAL, "VMSA for vp_index %u, but the guest has only %zu vCPUs",
				   vp->vp_index, m->n_vmsa);
	if (m->vmsa[vp->vp_index])
		return fail_header(m, i, -EINVAL, "second VMSA for vp_index %u", vp->vp_index);
	r = vmsa_check_kvm_fields(b->bytes, m->d);
	if (r < 0)
		return fail_header(m, i, r, "%s", m->d ? m->d->msg : "unsupported VMSA field");
	features = vmsa_get_sev_features(b->bytes);
	if (m->platform == IGVM_PLATFORM_SEV_ES && (features & SEV_FEATURE_SNP_ACTIVE))
		return fail_header(m, i, -EINVAL, "SEV-ES VMSA has SEV_FEATURES.SNPActive set");
	m->vmsa[vp->vp_index] = b->bytes;
	return 0;
}

/* The VMSA KVM measures for a vCPU whose state QEMU loaded from an IGVM VMSA. */
static void kvm_resync(uint8_t page[VMSA_PAGE_SIZE], const uint8_t *igvm, bool snp)
{
	memcpy(page, igvm, VMSA_PAGE_SIZE);
	ik_put_le64(page + VMSA_EFER, ik_get_le64(page + VMSA_EFER) | EFER_SVME);
	ik_put_le64(page + VMSA_CR0, (ik_get_le64(page + VMSA_CR0) | CR0_ET) & ~CR0_NW_CD);
	ik_put_le64(page + VMSA_CR4, ik_get_le64(page + VMSA_CR4) | CR4_MCE);
	ik_put_le64(page + VMSA_RFLAGS, ik_get_le64(page + VMSA_RFLAGS) | RFLAGS_FIXED);
	if (snp)
		ik_put_le64(page + VMSA_SEV_FEATURES,
			    ik_get_le64(page + VMSA_SEV_FEATURES) | SEV_FEATURE_SNP_ACTIVE);
}

/*
 * KVM's VMSAs at launch finish, one per vCPU of O at 0xFFFFFFFFF000, appended to
 * E (a copy of the walk's state): the only part of a QEMU SEV-ES/SNP digest that
 * depends on the vCPU count and type.
 */
static int qemu_vmsas(const struct igvm_measure *m, const struct measure_opts *o,
		      struct igvm_engine *e, struct measure_result *res, struct ik_diag *d)
{
	bool snp = m->platform == IGVM_PLATFORM_SEV_SNP;
	uint8_t page[VMSA_PAGE_SIZE];
	uint64_t features;
	int r = 0;

	/* The walk took VMSAs for every vp_index below its largest vCPU count: O's must fit. */
	for (size_t v = o->vcpus; v < m->n_vmsa; v++)
		if (m->vmsa[v])
			return ik_fail(d, -EINVAL, "VMSA for vp_index %zu, but the guest has only %" PRIu32
				       " vCPUs", v, o->vcpus);
	if (!m->vmsa[0])
		return ik_fail(d, -EINVAL, "no %s VP_CONTEXT (VMSA) for vp_index 0 in the IGVM file: the"
			       " boot vCPU's initial state is missing", measure_platform_name(m->platform));
	/* KVM takes SEV_FEATURES per VM (KVM_SEV_INIT2) from the boot VMSA. */
	features = vmsa_get_sev_features(m->vmsa[0]) | (snp ? SEV_FEATURE_SNP_ACTIVE : 0);
	for (size_t v = 0; r >= 0 && v < o->vcpus; v++) {
		if (m->vmsa[v]) {
			kvm_resync(page, m->vmsa[v], snp);
		} else {
			struct vmsa_params p = {
				.guest = snp ? VMSA_GUEST_SEV_SNP : VMSA_GUEST_SEV_ES,
				.vmm = VMM_TYPE_QEMU,
				.vcpu_signature = o->vcpu_signature,
				.sev_features = features,
			};

			if (!o->has_vcpu_signature)
				return ik_fail(d, -EINVAL, "vCPU %zu has no VP_CONTEXT in the IGVM file, so KVM"
					       " measures QEMU's reset state, which needs the guest vCPU"
					       " signature: give a vCPU type (e.g. EPYC-v4)", v);
			r = vmsa_build_reset(&p, VMSA_RESET_EIP, page, d);
			if (r < 0)
				return r;
			ik_put_le64(page + VMSA_SEV_FEATURES, features);
		}
		if (snp)
			r = snp_chain_page(&e->snp, SNP_PAGE_TYPE_VMSA, page, VMSA_KVM_GPA, d);
		else
			r = sev_stream_update(&e->sev, page, sizeof(page), d);
		e->vmsas++;
	}
	res->has_sev_features = true;
	res->sev_features = features;
	return r;
}

/* The pages, in QEMU's order; the VMSAs are per option set (qemu_vmsas). */
static int measure_qemu(struct igvm_measure *m)
{
	int r = 0;

	m->vmsa = calloc(m->n_vmsa ? m->n_vmsa : 1, sizeof(*m->vmsa));
	if (!m->vmsa)
		return -ENOMEM;

	for (size_t i = 0; r >= 0 && i < m->f->n_headers; i++) {
		const struct igvm_header *h = &m->f->headers[i];
		const struct igvm_header_desc *desc = igvm_header_desc(h->type);

		if (desc && desc->section == IGVM_SECTION_PLATFORM)
			continue;
		/* QEMU looks up a handler before it looks at the mask: unknown types abort the load. */
		if (!desc || !desc->qemu_supported) {
			r = fail_header(m, i, -ENOTSUP, "QEMU's IGVM loader has no handler for header type"
					" 0x%" PRIx32 " and refuses the file", h->type);
			break;
		}
		switch (h->type) {
		case IGVM_VHT_PAGE_DATA:
			if (applies(m, h))
				r = qemu_page_data(m, i);
			break;
		case IGVM_VHT_PARAMETER_INSERT:
			if (applies(m, h))
				r = qemu_parameter_insert(m, i);
			break;
		case IGVM_VHT_VP_CONTEXT:
			if (applies(m, h))
				r = qemu_vp_context(m, i);
			break;
		case IGVM_VHT_GUEST_POLICY:
			if (applies(m, h)) {
				m->has_policy = true;
				m->policy = h->u.guest_policy.policy;
			}
			break;
		default:
			break; /* parameters, REQUIRED_MEMORY, ID block: not measured */
		}
	}
	if (r >= 0)
		r = qemu_flush_run(m);
	return r;
}

/* ---- igvm crate model ---- */

static int crate_page_data(struct igvm_measure *m, size_t i)
{
	const struct igvm_header *h = &m->f->headers[i];
	const struct igvm_vhs_page_data *p = &h->u.page_data;
	uint8_t scratch[MEASURE_PAGE];
	const uint8_t *bytes;
	enum snp_page_type type;

	if (p->flags & IGVM_PAGE_DATA_FLAG_SHARED)
		return 0; /* host-visible: not part of the launch measurement */
	/* TDX has no other model (QEMU has no TDX IGVM loader): no model to point to there. */
	if ((p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE) && m->platform == IGVM_PLATFORM_TDX)
		return fail_header(m, i, -ENOTSUP, "2 MiB pages are not defined by the igvm crate's"
				   " measurement, the only TDX model; igvmkit cannot measure this file"
				   " for TDX");
	if (p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE)
		return fail_header(m, i, -ENOTSUP, "2 MiB pages are not defined by the igvm crate's"
				   " measurement; use the qemu loader model");
	bytes = page_bytes(m, h->data, scratch);
	if (m->platform == IGVM_PLATFORM_TDX) {
		int r = tdx_mrtd_page_add(&m->e.tdx, p->gpa, m->d);

		if (r >= 0 && !(p->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED))
			r = tdx_mrtd_extend_page(&m->e.tdx, p->gpa, bytes, m->d);
		return r;
	}
	switch (p->data_type) {
	case IGVM_PAGE_DATA_TYPE_SECRETS:
		type = SNP_PAGE_TYPE_SECRETS;
		break;
	case IGVM_PAGE_DATA_TYPE_CPUID_DATA:
	case IGVM_PAGE_DATA_TYPE_CPUID_XF:
		type = SNP_PAGE_TYPE_CPUID;
		break;
	case IGVM_PAGE_DATA_TYPE_NORMAL:
		type = (p->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED) ? SNP_PAGE_TYPE_UNMEASURED
								    : SNP_PAGE_TYPE_NORMAL;
		break;
	default:
		return fail_header(m, i, -EBADMSG, "unknown data_type %u", p->data_type);
	}
	return snp_chain_page(&m->e.snp, type, bytes, p->gpa, m->d);
}

static int crate_parameter_insert(struct igvm_measure *m, size_t i)
{
	const struct igvm_vhs_parameter_insert *ins = &m->f->headers[i].u.parameter_insert;
	uint64_t size;
	int r = 0;

	r = parameter_area_size(m, i, ins->parameter_area_index, &size);
	if (r == -ENOENT)
		return fail_header(m, i, -EBADMSG, "parameter_area_index %" PRIu32 " names no"
				   " PARAMETER_AREA", ins->parameter_area_index);
	if (r < 0)
		return r;
	for (uint64_t off = 0; r >= 0 && off < size; off += MEASURE_PAGE)
		r = m->platform == IGVM_PLATFORM_TDX
			    ? tdx_mrtd_page_add(&m->e.tdx, ins->gpa + off, m->d)
			    : snp_chain_page(&m->e.snp, SNP_PAGE_TYPE_UNMEASURED, NULL, ins->gpa + off, m->d);
	return r;
}

static int crate_vp_context(struct igvm_measure *m, size_t i)
{
	const struct igvm_header *h = &m->f->headers[i];
	const struct igvm_blob *b = igvm_blob_get(m->f, h->data);
	uint8_t scratch[MEASURE_PAGE];

	/* The crate measures contexts whose mask is exactly the platform's. */
	if (h->u.vp_context.compatibility_mask != m->mask || m->platform == IGVM_PLATFORM_TDX)
		return 0;
	if (!b || b->len > VMSA_PAGE_SIZE)
		return fail_header(m, i, -EBADMSG, "VMSA of %zu bytes; a 4096-byte page expected",
				   b ? b->len : 0);
	if (!m->has_sev_features) {
		m->has_sev_features = true;
		m->sev_features = vmsa_get_sev_features(page_bytes(m, h->data, scratch));
	}
	m->e.vmsas++;
	return snp_chain_page(&m->e.snp, SNP_PAGE_TYPE_VMSA, page_bytes(m, h->data, scratch),
			      h->u.vp_context.gpa, m->d);
}

static int measure_crate(struct igvm_measure *m)
{
	int r = 0;

	if (m->platform == IGVM_PLATFORM_SEV || m->platform == IGVM_PLATFORM_SEV_ES)
		return ik_fail(m->d, -ENOTSUP, "the igvm crate defines no %s measurement; use the qemu"
			       " loader model", measure_platform_name(m->platform));
	for (size_t i = 0; r >= 0 && i < m->f->n_headers; i++) {
		const struct igvm_header *h = &m->f->headers[i];

		if (!applies(m, h))
			continue;
		switch (h->type) {
		case IGVM_VHT_PAGE_DATA:
			r = crate_page_data(m, i);
			break;
		case IGVM_VHT_PARAMETER_INSERT:
			r = crate_parameter_insert(m, i);
			break;
		case IGVM_VHT_VP_CONTEXT:
			r = crate_vp_context(m, i);
			break;
		case IGVM_VHT_GUEST_POLICY:
			m->has_policy = true;
			m->policy = h->u.guest_policy.policy;
			break;
		default:
			break;
		}
	}
	if (r >= 0 && m->platform == IGVM_PLATFORM_SEV_SNP && m->e.vmsas == 0)
		return ik_fail(m->d, -EINVAL, "no SEV-SNP VP_CONTEXT (VMSA) in the IGVM file: the boot"
			       " vCPU's initial state is missing");
	return r;
}

/* ---- coconut igvmmeasure model (igvm.md §3.7) ---- */

/* True when a VP context carries a VMSA page: its mask names an SEV-SNP or SEV-ES platform. */
static bool is_vmsa_context(const struct igvm_measure *m, const struct igvm_header *h)
{
	const struct igvm_vhs_supported_platform *p =
		igvm_platform_by_mask(m->f, h->u.vp_context.compatibility_mask);

	return p && (p->platform_type == IGVM_PLATFORM_SEV_SNP || p->platform_type == IGVM_PLATFORM_SEV_ES);
}

static int igvmmeasure_page_data(struct igvm_measure *m, size_t i)
{
	const struct igvm_header *h = &m->f->headers[i];
	const struct igvm_vhs_page_data *p = &h->u.page_data;
	bool snp = m->platform == IGVM_PLATFORM_SEV_SNP;
	uint8_t scratch[MEASURE_PAGE];
	const uint8_t *bytes = page_bytes(m, h->data, scratch);
	enum snp_page_type type;
	uint64_t count = 1;
	int r = 0;

	if (!snp) /* SEV, SEV-ES: the contents of pages with file data, nothing else */
		return bytes ? sev_stream_update(&m->e.sev, bytes, MEASURE_PAGE, m->d) : 0;
	if (p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE) {
		if (bytes)
			return fail_header(m, i, -ENOTSUP, "igvmmeasure cannot measure a 2 MiB page with data");
		count = IGVM_PAGE_SIZE_2M / MEASURE_PAGE;
	}
	if (p->data_type == IGVM_PAGE_DATA_TYPE_SECRETS)
		type = SNP_PAGE_TYPE_SECRETS;
	else if (p->data_type == IGVM_PAGE_DATA_TYPE_CPUID_DATA || p->data_type == IGVM_PAGE_DATA_TYPE_CPUID_XF)
		type = SNP_PAGE_TYPE_CPUID;
	else if (p->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED)
		type = SNP_PAGE_TYPE_UNMEASURED;
	else if (!bytes && m->native_zero)
		type = SNP_PAGE_TYPE_ZERO;
	else
		type = SNP_PAGE_TYPE_NORMAL;
	for (uint64_t k = 0; r >= 0 && k < count; k++)
		r = snp_chain_page(&m->e.snp, type, bytes, p->gpa + k * MEASURE_PAGE, m->d);
	return r;
}

static int igvmmeasure_vp_context(struct igvm_measure *m, size_t i)
{
	const struct igvm_header *h = &m->f->headers[i];
	uint8_t scratch[MEASURE_PAGE];
	const uint8_t *page;

	/* igvmmeasure takes every VMSA context, whatever platform its mask names. */
	if (!is_vmsa_context(m, h))
		return 0;
	page = page_bytes(m, h->data, scratch);
	if (!page)
		page = measure_zero_page;
	if (!m->has_sev_features) {
		m->has_sev_features = true;
		m->sev_features = vmsa_get_sev_features(page);
	}
	m->e.vmsas++;
	if (m->platform == IGVM_PLATFORM_SEV_SNP)
		return snp_chain_page(&m->e.snp, SNP_PAGE_TYPE_VMSA, page, h->u.vp_context.gpa, m->d);
	return sev_stream_update(&m->e.sev, page, MEASURE_PAGE, m->d);
}

static int measure_igvmmeasure(struct igvm_measure *m)
{
	int r = 0;

	if (m->platform == IGVM_PLATFORM_TDX)
		return ik_fail(m->d, -ENOTSUP, "igvmmeasure defines no TDX measurement; use the igvm-crate"
			       " loader model");
	for (size_t i = 0; r >= 0 && i < m->f->n_headers; i++) {
		const struct igvm_header *h = &m->f->headers[i];

		switch (h->type) {
		case IGVM_VHT_PAGE_DATA:
			if (applies(m, h))
				r = igvmmeasure_page_data(m, i);
			break;
		case IGVM_VHT_PARAMETER_INSERT:
			/* One page, whatever the area's size. */
			if (applies(m, h) && m->platform == IGVM_PLATFORM_SEV_SNP)
				r = snp_chain_page(&m->e.snp, SNP_PAGE_TYPE_UNMEASURED, NULL,
						   h->u.parameter_insert.gpa, m->d);
			break;
		case IGVM_VHT_VP_CONTEXT:
			/*
			 * For every platform, SEV included: measure_vmsa (igvm_measure.rs:407-424,
			 * svsm f4bc4bc) ignores the context's mask and hashes SEV like SEV-ES.
			 */
			r = igvmmeasure_vp_context(m, i);
			break;
		case IGVM_VHT_GUEST_POLICY:
			if (applies(m, h)) {
				m->has_policy = true;
				m->policy = h->u.guest_policy.policy;
			}
			break;
		default:
			break;
		}
	}
	if (r >= 0 && m->platform != IGVM_PLATFORM_SEV && m->e.vmsas == 0)
		return ik_fail(m->d, -EINVAL, "no %s VP_CONTEXT (VMSA) in the IGVM file: the boot vCPU's"
			       " initial state is missing", measure_platform_name(m->platform));
	return r;
}

/* ---- Entry point ---- */

static int check_igvm_opts(const struct measure_opts *o, struct ik_diag *d)
{
	if (o->has_guest_features)
		return ik_fail(d, -EINVAL, "guest features come from the IGVM file's VMSA; they cannot be"
			       " overridden (QEMU refuses SEV features given alongside an IGVM file)");
	if (o->kernel_hashes)
		return ik_fail(d, -EINVAL, "kernel hashes are part of an IGVM file's pages; build the file"
			       " with them instead of passing a kernel to the measurement");
	if (o->vmm != VMM_TYPE_QEMU)
		return ik_fail(d, -EINVAL, "VMM model '%s' applies to direct ROM launches only; IGVM files"
			       " are measured per loader model", vmm_type_name(o->vmm));
	if (o->has_snp_ovmf_hash || o->snp_ovmf_hash_only)
		return ik_fail(d, -EINVAL, "an SNP OVMF hash applies to direct ROM launches only");
	if (o->native_zero && o->loader != MEASURE_LOADER_IGVMMEASURE)
		return ik_fail(d, -EINVAL, "native zero pages are an igvmmeasure option (--loader igvmmeasure)");
	if (o->tdx_order != TDX_ORDER_SINGLE_PASS)
		return ik_fail(d, -EINVAL, "TDX order '%s' applies to direct ROM launches only",
			       tdx_order_name(o->tdx_order));
	return 0;
}

/* O alone, as measure_igvm reports it; RET_MASK: the compatibility mask of O's platform. */
static int check_opts(const struct igvm_file *f, const struct measure_opts *o, uint32_t *ret_mask,
		      struct ik_diag *d)
{
	const struct igvm_vhs_supported_platform *plat;
	int r;

	r = check_igvm_opts(o, d);
	if (r >= 0 && o->platform != IGVM_PLATFORM_TDX && o->platform != IGVM_PLATFORM_SEV)
		r = measure_check_vcpus(o, d);
	if (r < 0)
		return r;
	if (o->platform != IGVM_PLATFORM_SEV_SNP && o->platform != IGVM_PLATFORM_SEV_ES &&
	    o->platform != IGVM_PLATFORM_SEV && o->platform != IGVM_PLATFORM_TDX)
		return ik_fail(d, -EINVAL, "no launch measurement is defined for platform '%s'",
			       measure_platform_name(o->platform));
	plat = igvm_find_platform(f, o->platform);
	if (!plat)
		return ik_fail(d, -EINVAL, "the IGVM file declares no %s platform (SUPPORTED_PLATFORM"
			       " with platform_type %s)", measure_platform_name(o->platform),
			       igvm_platform_name(o->platform));
	*ret_mask = plat->compatibility_mask;
	return 0;
}

/* The model a measurement of O follows: QEMU has no TDX IGVM loader, the crate's is the only one. */
static enum measure_loader model_of(const struct measure_opts *o)
{
	if (o->platform == IGVM_PLATFORM_TDX && o->loader == MEASURE_LOADER_QEMU)
		return MEASURE_LOADER_IGVM_CRATE;
	return o->loader;
}

/* Whether A and B measure the same pages the same way (the walk), differing at most in the VMSAs. */
static bool same_walk(const struct measure_opts *a, const struct measure_opts *b)
{
	return a->platform == b->platform && model_of(a) == model_of(b) && a->native_zero == b->native_zero;
}

/*
 * QEMU SEV-ES/SNP: the digest goes on after the walk with one VMSA per vCPU.  The
 * other models measure VMSAs where the file has them, and SEV and TDX have none:
 * their digest is the walk's, whatever the vCPU count and type.
 */
static bool has_vmsa_tail(const struct igvm_measure *m)
{
	return m->loader == MEASURE_LOADER_QEMU &&
	       (m->platform == IGVM_PLATFORM_SEV_SNP || m->platform == IGVM_PLATFORM_SEV_ES);
}

static int engine_init(struct igvm_engine *e, enum igvm_platform_type platform, struct ik_diag *d)
{
	memset(e, 0, sizeof(*e));
	e->platform = platform;
	if (platform == IGVM_PLATFORM_SEV_SNP)
		return snp_chain_init(&e->snp, d);
	if (platform == IGVM_PLATFORM_TDX)
		return tdx_mrtd_init(&e->tdx, d);
	return sev_stream_init(&e->sev, d);
}

static void engine_release(struct igvm_engine *e)
{
	if (e->platform == IGVM_PLATFORM_SEV_SNP)
		snp_chain_release(&e->snp);
	else if (e->platform == IGVM_PLATFORM_TDX)
		tdx_mrtd_release(&e->tdx);
	else
		sev_stream_release(&e->sev);
}

/* DST (uninitialised) = an independent copy of SRC's digest state and statistics. */
static int engine_copy(struct igvm_engine *dst, const struct igvm_engine *src, struct ik_diag *d)
{
	memset(dst, 0, sizeof(*dst));
	dst->platform = src->platform;
	dst->sev_pages = src->sev_pages;
	dst->vmsas = src->vmsas;
	if (src->platform == IGVM_PLATFORM_SEV_SNP)
		return snp_chain_copy(&dst->snp, &src->snp, d);
	if (src->platform == IGVM_PLATFORM_TDX)
		return tdx_mrtd_copy(&dst->tdx, &src->tdx, d);
	return sev_stream_copy(&dst->sev, &src->sev, d);
}

/* The digest and statistics of E into RES (E's running hash is finalised). */
static int engine_final(struct igvm_engine *e, struct measure_result *res, struct ik_diag *d)
{
	int r = 0;

	if (e->platform == IGVM_PLATFORM_SEV_SNP) {
		memcpy(res->digest, e->snp.ld, 48);
		res->digest_len = 48;
		res->pages = e->snp.pages;
		res->measured_bytes = e->snp.bytes;
	} else if (e->platform == IGVM_PLATFORM_TDX) {
		r = tdx_mrtd_final(&e->tdx, res->digest, d);
		res->digest_len = 48;
		res->pages = e->tdx.page_adds;
		res->measured_bytes = e->tdx.extended_bytes;
	} else {
		r = sev_stream_final(&e->sev, res->digest, d);
		res->digest_len = 32;
		res->pages = e->sev_pages;
		res->measured_bytes = e->sev.bytes;
	}
	res->vmsas = e->vmsas;
	return r;
}

/* The reference value of option set O from walk M: a copy of M's digest state, O's VMSAs, final. */
static int measure_finish(const struct igvm_measure *m, const struct measure_opts *o,
			  struct measure_result *ret, struct ik_diag *d)
{
	struct measure_result res;
	struct igvm_engine e;
	int r;

	measure_result_from_opts(&res, o, MEASURE_INPUT_IGVM);
	res.loader = m->loader;
	res.compatibility_mask = m->mask;
	res.has_sev_features = m->has_sev_features;
	res.sev_features = m->sev_features;
	res.has_policy = m->has_policy;
	res.policy = m->policy;
	r = engine_copy(&e, &m->e, d);
	if (r >= 0 && has_vmsa_tail(m))
		r = qemu_vmsas(m, o, &e, &res, d);
	if (r >= 0)
		r = engine_final(&e, &res, d);
	engine_release(&e);
	if (r < 0)
		return r;
	/* VMSAs measured where the file has them, or none: the vCPU count is what was measured. */
	if (!has_vmsa_tail(m))
		res.vcpus = res.vmsas;
	*ret = res;
	return 0;
}

/*
 * One walk for OPTS[first] and every later option set not yet DONE that walks the
 * same way (same_walk), then each one's reference value into RES; marks them DONE.
 * MASK: the compatibility mask of their platform.
 */
static int measure_group(const struct igvm_file *f, const struct measure_opts *opts, size_t n,
			 size_t first, uint32_t mask, struct measure_result *res, bool *done,
			 struct ik_diag *d)
{
	const struct measure_opts *o = &opts[first];
	struct igvm_measure m = {
		.f = f,
		.platform = o->platform,
		.loader = model_of(o),
		.native_zero = o->native_zero,
		.mask = mask,
		.d = d,
	};
	int r;

	/* The walk records VMSAs for every vp_index the largest vCPU count of the group has. */
	for (size_t j = first; has_vmsa_tail(&m) && j < n; j++)
		if (!done[j] && same_walk(o, &opts[j]) && opts[j].vcpus > m.n_vmsa)
			m.n_vmsa = opts[j].vcpus;
	r = engine_init(&m.e, m.platform, d);
	if (r < 0)
		return r;
	switch (m.loader) {
	case MEASURE_LOADER_QEMU:
		r = measure_qemu(&m);
		break;
	case MEASURE_LOADER_IGVMMEASURE:
		r = measure_igvmmeasure(&m);
		break;
	default:
		r = measure_crate(&m);
		break;
	}
	for (size_t j = first; r >= 0 && j < n; j++) {
		if (done[j] || !same_walk(o, &opts[j]))
			continue;
		r = measure_finish(&m, &opts[j], &res[j], d);
		done[j] = true;
	}
	engine_release(&m.e);
	free(m.vmsa);
	return r;
}

int measure_igvm_many(const struct igvm_file *f, const struct measure_opts *opts, size_t n,
		      struct measure_result *ret, struct ik_diag *d)
{
	_cleanup_free_ struct measure_result *res = NULL;
	_cleanup_free_ uint32_t *masks = NULL;
	_cleanup_free_ bool *done = NULL;
	struct ik_diag scratch;
	/* Several option sets: a failure is reported below, as measuring the failing set alone does. */
	struct ik_diag *dd = n == 1 ? d : &scratch;
	int r = 0;

	if (n == 0)
		return 0;
	res = calloc(n, sizeof(*res));
	masks = calloc(n, sizeof(*masks));
	done = calloc(n, sizeof(*done));
	if (!res || !masks || !done)
		return ik_fail(d, -ENOMEM, "out of memory for %zu measurements", n);
	ik_diag_init(&scratch);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = check_opts(f, &opts[i], &masks[i], dd);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (!done[i])
			r = measure_group(f, opts, n, i, masks[i], res, done, dd);
	/*
	 * Which option set fails, and where, can depend on the walk a group shared (a VMSA
	 * vp_index beyond one set's vCPU count): measure one by one to report the first
	 * failing set exactly as a loop of measure_igvm calls would.
	 */
	if (r < 0 && n == 1)
		return r;
	for (size_t i = 0; r < 0 && i < n; i++) {
		int ri = measure_igvm_many(f, &opts[i], 1, &res[i], d);

		if (ri < 0)
			return ri;
	}
	memcpy(ret, res, n * sizeof(*res));
	return 0;
}

int measure_igvm(const struct igvm_file *f, const struct measure_opts *o,
		 struct measure_result *ret, struct ik_diag *d)
{
	return measure_igvm_many(f, o, 1, ret, d);
}

static const enum igvm_platform_type matrix_platforms[] = {
	IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES, IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX,
};

/* Appends every option set of M for platform PLAT to OPTS[0..*N) (capacity *CAP). */
static int matrix_add_platform(const struct measure_matrix *m, enum igvm_platform_type plat,
			       struct measure_opts **opts, size_t *n, size_t *cap, struct ik_diag *d)
{
	bool vmsas = measure_platform_has_vmsas(plat);
	size_t n_vmms = vmsas && m->n_vmms ? m->n_vmms : 1;
	size_t n_types = vmsas ? m->n_vcpu_types : 1;
	size_t n_vcpus = vmsas ? m->n_vcpus : 1;

	for (size_t ld = 0; ld < m->n_loaders; ld++) {
		if (plat == IGVM_PLATFORM_TDX && m->loaders[ld] == MEASURE_LOADER_IGVMMEASURE)
			continue;
		for (size_t v = 0; v < n_vmms; v++)
			for (size_t t = 0; t < n_types; t++)
				for (size_t c = 0; c < n_vcpus; c++) {
					struct measure_opts *o;

					if (*n == *cap) {
						size_t ncap = *cap ? 2 * *cap : 32;
						struct measure_opts *no = reallocarray(*opts, ncap, sizeof(*no));

						if (!no)
							return -ENOMEM;
						*opts = no;
						*cap = ncap;
					}
					o = &(*opts)[*n];
					measure_opts_init(o);
					o->platform = plat;
					o->loader = m->loaders[ld];
					o->native_zero = m->native_zero && o->loader == MEASURE_LOADER_IGVMMEASURE;
					o->tdx_order = m->tdx_order;
					o->vcpus = m->vcpus[c];
					if (vmsas) {
						const struct vcpu_type *vt;
						int r = vcpu_type_lookup(m->vcpu_types[t], &vt, d);

						if (r < 0)
							return r;
						o->has_vcpu_signature = true;
						o->vcpu_signature = vcpu_signature(vt->family, vt->model, vt->stepping);
						o->vcpu_type = vt->name;
						if (m->n_vmms)
							o->vmm = m->vmms[v];
					}
					(*n)++;
				}
	}
	return 0;
}

int measure_igvm_matrix(const struct igvm_file *f, const struct measure_matrix *m,
			struct measure_result **ret, size_t *ret_n, struct ik_diag *d)
{
	_cleanup_free_ struct measure_opts *opts = NULL;
	_cleanup_free_ struct measure_result *res = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (size_t k = 0; k < IK_ARRAY_SIZE(matrix_platforms); k++) {
		if (!igvm_find_platform(f, matrix_platforms[k]))
			continue;
		r = matrix_add_platform(m, matrix_platforms[k], &opts, &n, &cap, d);
		if (r < 0)
			return r;
	}
	if (n > 0) {
		res = calloc(n, sizeof(*res));
		if (!res)
			return -ENOMEM;
		r = measure_igvm_many(f, opts, n, res, d);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(res);
	*ret_n = n;
	return 0;
}
