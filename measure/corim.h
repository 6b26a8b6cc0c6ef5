/* SPDX-License-Identifier: MIT */
/*
 * CoRIM reference-value documents (docs/corim.md; draft-ietf-rats-corim-10).
 *
 * Two profiles, both as an unsigned `tagged-unsigned-corim-map` (#6.501) in
 * core deterministic CBOR (RFC 8949 §4.2.1: shortest heads, definite lengths,
 * map keys in bytewise order of their encoding):
 *
 *   launch-measurement  tag:microsoft.com,2026:launch-measurement/v1
 *       The microsoft/igvm crate's profile (igvm/src/corim/launch_measurement/),
 *       byte for byte what its builder emits: one document per platform, one
 *       CoMID (#6.506) with class vendor/model, a reference triple carrying the
 *       launch digest under mkey MEASUREMENT / MRTD, and a conditional-
 *       endorsement-series triple endorsing an exact SVN (#6.552).  The digest
 *       is the igvm-crate (Hyper-V/OpenVMM) loader model's.
 *
 *   reference-matrix    tag:igvmkit.org,2026:reference-matrix/v1
 *       igvmkit's own profile: every reference value of the measurements JSON
 *       (platform x loader x VMM x vCPU type x vCPU count), one reference
 *       triple each, the launch parameters as profile-defined
 *       measurement-values-map keys (negative integers, CORIM_MX_*).
 *
 * Signing (COSE_Sign1, #6.18) is sign/'s business: these functions take and
 * give the unsigned payload only.
 *
 * Library code: no printing; errors through struct ik_diag, whose place names
 * the CBOR path ("corim 501 / tags[0] / comid 506 / triples / ...") or the
 * byte offset ("offset 0x1f").
 */
#ifndef IGVMKIT_MEASURE_CORIM_H
#define IGVMKIT_MEASURE_CORIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "igvm/igvm.h"
#include "measure/measure.h"

#define CORIM_PROFILE_LAUNCH_URI "tag:microsoft.com,2026:launch-measurement/v1"
#define CORIM_PROFILE_MATRIX_URI "tag:igvmkit.org,2026:reference-matrix/v1"

/* CBOR tags (draft-ietf-rats-corim-10 §4, §5; RFC 8949 §3.4.5.3 for 32). */
#define CORIM_TAG_URI 32u
#define CORIM_TAG_UNSIGNED_CORIM 501u
#define CORIM_TAG_COMID 506u
#define CORIM_TAG_SVN 552u
#define CORIM_TAG_MIN_SVN 553u

/* Named Information Hash Algorithm Registry ids (RFC 6920), as the crate uses. */
#define CORIM_ALG_SHA256 1
#define CORIM_ALG_SHA384 7

/* Reader limits: larger documents or deeper nesting are refused (-E2BIG). */
#define CORIM_SIZE_MAX (1u << 20)
#define CORIM_DEPTH_MAX 16u
/* Reference values one matrix document may carry. */
#define CORIM_REFS_MAX 4096u

/*
 * reference-matrix: the launch parameters, measurement-values-map extension
 * keys ($$measurement-values-map-extension; docs/corim.md lists them).
 */
enum corim_matrix_key {
	CORIM_MX_LOADER = -1,		 /* tstr: measure_loader_name() */
	CORIM_MX_VMM = -2,		 /* tstr: vmm_type_name() (SEV-ES/SNP) */
	CORIM_MX_VCPUS = -3,		 /* uint: VMSAs measured (SEV-ES/SNP) */
	CORIM_MX_VCPU_TYPE = -4,	 /* tstr: QEMU -cpu model (SEV-ES/SNP, when named) */
	CORIM_MX_VCPU_SIGNATURE = -5,	 /* uint: CPUID(1).EAX (SEV-ES/SNP, when used) */
	CORIM_MX_GUEST_FEATURES = -6,	 /* uint: SEV_FEATURES (SEV-ES/SNP) */
	CORIM_MX_TDX_ORDER = -7,	 /* tstr: tdx_order_name() (TDX) */
	CORIM_MX_COMPATIBILITY_MASK = -8, /* uint: the platform's IGVM mask */
	CORIM_MX_POLICY = -9,		 /* uint: GUEST_POLICY (when the IGVM has one) */
};

enum corim_profile {
	CORIM_PROFILE_LAUNCH = 0, /* tag:microsoft.com,2026:launch-measurement/v1 */
	CORIM_PROFILE_MATRIX = 1, /* tag:igvmkit.org,2026:reference-matrix/v1 */
};

/* "launch-measurement", "reference-matrix". */
const char *corim_profile_name(enum corim_profile p);
int corim_profile_from_name(const char *name, enum corim_profile *ret);

/* ---- launch-measurement (the igvm crate's profile) ---- */

/*
 * The class the crate registers for platform P: SEV_SNP -> AMD / SEV-SNP /
 * MEASUREMENT / SHA-384 / 48, TDX -> Intel / TDX / MRTD / SHA-384 / 48,
 * VSM_ISOLATION -> Microsoft / VBS / MEASUREMENT / SHA-256 / 32 (igvm
 * src/corim/launch_measurement/mod.rs, known_platforms()).  NULL for others.
 */
struct corim_platform_class {
	enum igvm_platform_type platform;
	const char *vendor;
	const char *model;
	const char *mkey;
	int64_t digest_alg;
	size_t digest_len;
};
const struct corim_platform_class *corim_launch_class(enum igvm_platform_type p);

/*
 * The CoMID tag-id: lowercase hyphenated UUIDv5(85f3f1c2-22a8-441e-a1b9-
 * bccfb63ed5f7, "{vendor}/{model}") (RFC 9562 §5.5; the crate's
 * TAG_ID_NAMESPACE).  OUT gets 36 characters and a NUL.  -EINVAL for a
 * platform without a class.
 */
int corim_launch_tag_id(enum igvm_platform_type p, char out[37], struct ik_diag *d);

struct corim_launch_input {
	enum igvm_platform_type platform; /* SEV_SNP, TDX or VSM_ISOLATION */
	uint64_t svn;			  /* endorsed as #6.552(svn) */
	const uint8_t *digest;		  /* the class's digest_len bytes */
	size_t digest_len;
};

/*
 * Appends to OUT the document the crate's build_corim_bytes() emits for IN:
 * #6.501({0: "{vendor}/{model}/launch-measurement", 1: [#6.506(<<comid>>)],
 * 3: #6.32(PROFILE)}).  -EINVAL (nothing appended) for a platform without a
 * class or a digest of the wrong length.
 */
int corim_launch_build(const struct corim_launch_input *in, struct ik_buf *out, struct ik_diag *d);

/*
 * Measures platform P of F with the igvm-crate loader model (what the crate
 * puts in the document) and appends corim_launch_build()'s document for it.
 * Errors as measure_igvm(); -EINVAL for a platform without a class.
 */
int corim_launch_from_igvm(const struct igvm_file *f, enum igvm_platform_type p, uint64_t svn,
			   struct ik_buf *out, struct ik_diag *d);

/* ---- reference-matrix (igvmkit's profile) ---- */

/*
 * Appends the reference-matrix document for RESULTS[0..N) (the array
 * measure_json_document() writes the measurements JSON from, any order):
 * corim-id "igvmkit/reference-matrix/{image sha256 hex}", one CoMID per
 * platform in order of first appearance (class vendor/model as
 * corim_matrix_class(); tag-id UUIDv5 of the matrix namespace and
 * "{vendor}/{model}/{image sha256 hex}"), one reference triple per result in
 * the given order.  IMG supplies the image digest.  Results of raw ROMs and
 * of snp_ovmf_hash_only are refused with -EINVAL (they are not launch
 * digests of IMG), as is N == 0 or N > CORIM_REFS_MAX.
 */
int corim_matrix_build(const struct measure_image *img, const struct measure_result *results,
		       size_t n, struct ik_buf *out, struct ik_diag *d);

/*
 * Classes of the matrix profile: the launch profile's for SNP and TDX, and
 * AMD / SEV-ES, AMD / SEV with mkey "GCTX.LD" and SHA-256 (1).
 */
const struct corim_platform_class *corim_matrix_class(enum igvm_platform_type p);

/* UUIDv5 namespace of matrix tag-ids: UUIDv5(NameSpace_URL, CORIM_PROFILE_MATRIX_URI). */
void corim_matrix_namespace(uint8_t out[16]);

/* ---- Reading ---- */

/* One reference value of a decoded document. */
struct corim_ref {
	enum igvm_platform_type platform;
	const struct corim_platform_class *cls; /* the class it names (static) */
	char tag_id[40];			/* of the CoMID holding it */
	int64_t digest_alg;			/* CORIM_ALG_* */
	uint8_t digest[MEASURE_DIGEST_MAX];
	size_t digest_len;
	bool has_svn; /* launch-measurement: the CES triple's exact SVN */
	uint64_t svn;
	/* reference-matrix: the launch parameters (launch-measurement: the crate's model) */
	enum measure_loader loader;
	bool has_vmm;
	enum vmm_type vmm;
	uint32_t vcpus; /* 0 when not recorded */
	char vcpu_type[32];
	bool has_vcpu_signature;
	uint32_t vcpu_signature;
	bool has_guest_features;
	uint64_t guest_features;
	bool has_tdx_order;
	enum tdx_order tdx_order;
	bool has_compatibility_mask;
	uint32_t compatibility_mask;
	bool has_policy;
	uint64_t policy;
};

struct corim_doc {
	enum corim_profile profile;
	char id[128];	  /* corim-id (text) */
	struct corim_ref *refs; /* owned */
	size_t n_refs;
};

/*
 * Decodes and validates the tagged-unsigned-corim-map in P[0..LEN) against
 * its profile (recognised by corim-map key 3).  Refused, with -EBADMSG unless
 * said otherwise and D naming the CBOR path or byte offset:
 *   LEN > CORIM_SIZE_MAX (-E2BIG), nesting deeper than CORIM_DEPTH_MAX
 *   (-E2BIG), malformed or truncated CBOR, bytes after the item, indefinite
 *   lengths, any encoding that is not core deterministic (non-shortest head,
 *   map keys out of order or repeated), floats and simple values other than
 *   those the profile uses, a missing or unknown profile, keys or tags the
 *   profile does not define, a wrong number of tags/triples/measurements, a
 *   class vendor/model the profile does not register, a tag-id other than the
 *   derived one (compared case-insensitively, as the profile says), a digest
 *   algorithm or length other than the class's, an SVN that is not #6.552,
 *   the CES selection differing from the reference value, and more reference
 *   values than CORIM_REFS_MAX.
 * *RET is written only on success; release with corim_doc_free().
 */
int corim_decode(const uint8_t *p, size_t len, struct corim_doc *ret, struct ik_diag *d);
void corim_doc_free(struct corim_doc *doc);

/*
 * Recomputes every reference value of DOC from F with the measure code (the
 * loader model, VMM, vCPUs and type it records; the igvm-crate model for
 * launch-measurement) and compares digests.  0 when all are equal.  -EBADE
 * when one differs: D's place is "reference value I (platform, params)" and
 * its message gives both digests; the first that differs is reported.
 * Measuring errors as measure_igvm() (e.g. -EINVAL when F lacks a platform).
 */
int corim_check_igvm(const struct corim_doc *doc, const struct igvm_file *f, struct ik_diag *d);

/* "sev-snp, igvm-crate" / "sev-snp, qemu, vmm qemu, 4 vCPUs, EPYC-v4": for messages. */
void corim_ref_describe(const struct corim_ref *r, char *out, size_t out_len);

#endif
