/* SPDX-License-Identifier: MIT */
/*
 * INTERNAL to measure/: never included outside this folder (tests/arch/check_deps.py refuses
 * it) and not part of any installed API.  measure.c defines the three digest engines every
 * platform reduces to; measure_rom.c and measure_igvm.c drive them.
 *
 *   snp_chain   LD = SHA-384(PAGE_INFO) per 4 KiB page (SNP)
 *   sev_stream  running SHA-256 over launch-update bytes (SEV, SEV-ES)
 *   tdx_mrtd    running SHA-384 over PAGE.ADD / MR.EXTEND records (TDX)
 */
#ifndef IGVMKIT_MEASURE_MEASURE_PRIV_H
#define IGVMKIT_MEASURE_MEASURE_PRIV_H

#include <openssl/evp.h>

#include "common/cleanup.h"
#include "measure/measure.h"

#define MEASURE_PAGE 4096u
/*
 * Largest single region (TDVF section, parameter area) igvmkit measures: far beyond any real
 * firmware, small enough that a hostile size cannot keep a measurement running for hours.
 */
#define MEASURE_REGION_MAX (1ull << 32)

struct snp_chain {
	uint8_t ld[48];
	EVP_MD *sha384;
	EVP_MD_CTX *ctx;
	uint64_t pages;
	uint64_t bytes;
	uint32_t vmsas;
};

int snp_chain_init(struct snp_chain *c, struct ik_diag *d);
void snp_chain_release(struct snp_chain *c);
/*
 * DST (uninitialised) = an independent chain at SRC's state: reference values that
 * share a prefix of pages continue from one computation of it.  Same for the others.
 */
int snp_chain_copy(struct snp_chain *dst, const struct snp_chain *src, struct ik_diag *d);
/* One PAGE_INFO: NORMAL and VMSA hash PAGE (4096 bytes; NULL = zeros); other types hash nothing. */
int snp_chain_page(struct snp_chain *c, enum snp_page_type type, const uint8_t *page, uint64_t gpa,
		   struct ik_diag *d);
/* The same type for every 4 KiB page of [gpa, gpa+len); DATA (len bytes) or NULL = zeros. */
int snp_chain_range(struct snp_chain *c, enum snp_page_type type, const uint8_t *data, uint64_t gpa,
		    uint64_t len, struct ik_diag *d);

struct sev_stream {
	EVP_MD_CTX *ctx;
	uint64_t bytes;
	uint32_t vmsas;
};

int sev_stream_init(struct sev_stream *s, struct ik_diag *d);
void sev_stream_release(struct sev_stream *s);
int sev_stream_copy(struct sev_stream *dst, const struct sev_stream *src, struct ik_diag *d);
int sev_stream_update(struct sev_stream *s, const uint8_t *p, size_t n, struct ik_diag *d);
/* N zero bytes. */
int sev_stream_zeros(struct sev_stream *s, uint64_t n, struct ik_diag *d);
int sev_stream_final(struct sev_stream *s, uint8_t out[32], struct ik_diag *d);

struct tdx_mrtd {
	EVP_MD_CTX *ctx;
	uint64_t page_adds;
	uint64_t extended_bytes;
};

int tdx_mrtd_init(struct tdx_mrtd *t, struct ik_diag *d);
void tdx_mrtd_release(struct tdx_mrtd *t);
int tdx_mrtd_copy(struct tdx_mrtd *dst, const struct tdx_mrtd *src, struct ik_diag *d);
/* TDH.MEM.PAGE.ADD record for the 4 KiB page at GPA. */
int tdx_mrtd_page_add(struct tdx_mrtd *t, uint64_t gpa, struct ik_diag *d);
/* 16 TDH.MR.EXTEND records for the page at GPA; PAGE NULL = zeros. */
int tdx_mrtd_extend_page(struct tdx_mrtd *t, uint64_t gpa, const uint8_t *page, struct ik_diag *d);
int tdx_mrtd_final(struct tdx_mrtd *t, uint8_t out[48], struct ik_diag *d);

extern const uint8_t measure_zero_page[MEASURE_PAGE];

/* Copies the options that describe the result into R (digest fields left alone). */
void measure_result_from_opts(struct measure_result *r, const struct measure_opts *o,
			      enum measure_input input);
/* -EINVAL unless vcpus is in range. */
int measure_check_vcpus(const struct measure_opts *o, struct ik_diag *d);

#endif
