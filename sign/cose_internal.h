/* SPDX-License-Identifier: MIT */
/*
 * Internal to sign/: the CBOR reader COSE_Sign1 is read with
 * (sign/cose_cbor.c, on libcbor's streaming decoder; it is written with
 * measure/cbor_det.h's writer), and the algorithm helpers cose.c shares
 * with cose_verify.c.  Calls run one way:
 * cose_verify.c -> cose.c -> cose_cbor.c.
 */
#ifndef IGVMKIT_SIGN_COSE_INTERNAL_H
#define IGVMKIT_SIGN_COSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/diag.h"
#include "measure/cbor_det.h"
#include "sign/cose.h"

/* ---- reading: one data item head at a time, with its offset ---- */
enum cbr_kind {
	CBR_UINT,
	CBR_NEGINT, /* value v means -1 - v */
	CBR_BYTES,
	CBR_TEXT,
	CBR_ARRAY,
	CBR_MAP,
	CBR_TAG,
	CBR_NULL,
	CBR_OTHER,  /* bool, undefined, float */
	CBR_INDEF,  /* any indefinite-length start or break: refused */
};

struct cbr_item {
	enum cbr_kind kind;
	uint64_t v;	    /* integer value, tag number, or element/pair count */
	const uint8_t *data; /* string content (BYTES, TEXT) */
	size_t len;	    /* string length */
	size_t off;	    /* offset of the head in the outermost input */
	size_t data_off;    /* offset of a string's content there */
};

struct cbr {
	const uint8_t *p; /* the bytes read */
	size_t len, pos;
	size_t base;	  /* offset of p[0] in the outermost input (nested bstr .cbor) */
};

void cbr_init(struct cbr *r, const uint8_t *p, size_t len, size_t base);
/* Fails with -EBADMSG, place "offset OFF (WHAT)". */
int cbr_fail(struct ik_diag *d, size_t off, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reads the next head (with a string's content); -EBADMSG naming WHAT and the offset. */
int cbr_next(struct cbr *r, struct cbr_item *it, const char *what, struct ik_diag *d);
/* cbr_next() for an item of kind KIND; another kind fails as cbr_expected(IT, WHAT, EXPECTED). */
int cbr_next_of(struct cbr *r, struct cbr_item *it, enum cbr_kind kind, const char *what,
		const char *expected, struct ik_diag *d);
/* Skips the rest of item IT (its elements, pairs, tagged item), nested at most 16 deep. */
int cbr_skip(struct cbr *r, const struct cbr_item *it, struct ik_diag *d);
/* "a byte string", "a map" ... for messages. */
const char *cbr_kind_name(enum cbr_kind k);
/* Fails with -EBADMSG at IT's offset: "WHAT: expected EXPECTED, found <kind>". */
int cbr_expected(const struct cbr_item *it, const char *what, const char *expected, struct ik_diag *d);

/* ---- algorithms ---- */
struct cose_alg_info {
	enum cose_alg alg;
	const char *name;
	const char *md;	 /* digest name, NULL for EdDSA (pure) */
	size_t coord;	 /* ECDSA coordinate size (32/48), 0 otherwise */
	int salt;	 /* PSS salt length, 0 otherwise */
};
/* The table row of ALG, NULL when igvmkit does not support it. */
const struct cose_alg_info *cose_alg_info(int64_t alg);
/* Verifies SIG (COSE form) over MSG with KEY under ALG: 1 verifies, 0 not, <0 error. */
int cose_verify_raw(const struct cose_alg_info *a, EVP_PKEY *key, const uint8_t *msg, size_t msg_len,
		    const uint8_t *sig, size_t sig_len, struct ik_diag *d);
/* Signature length ALG's signatures have with KEY (RSA: its modulus size). */
size_t cose_sig_len(const struct cose_alg_info *a, EVP_PKEY *key);

#endif
