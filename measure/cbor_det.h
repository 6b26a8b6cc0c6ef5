/* SPDX-License-Identifier: MIT */
/*
 * Core deterministic CBOR (RFC 8949 §4.2.1) on top of libcbor 0.8.
 *
 * Writing: struct cbor_w appends items to an ik_buf through libcbor's
 * encoding primitives (cbor_encode_uint, cbor_encode_array_start, ...), which
 * always choose the shortest head.  Definite lengths only.  The caller emits
 * map keys in deterministic order (CoRIM's integer keys: 0, 1, 2, ... then
 * -1, -2, ...; cbor_w_key_before() states the rule).  The first failure
 * sticks in w->err, so a sequence of calls is checked once at the end.
 *
 * Reading: cbor_det_load() accepts exactly one item that is core
 * deterministic and bounded, then hands libcbor's tree back with the byte
 * span of every item (for messages and for comparing encodings).  libcbor 0.8
 * itself accepts non-shortest heads, indefinite lengths and unordered or
 * repeated map keys, and builds trees of any depth (freeing them recurses), so
 * a first pass with its streaming decoder (cbor_stream_decode) checks every
 * head against its shortest form, the key order and the depth before
 * cbor_load() runs.
 *
 * COSE_Sign1 (sign/cose_cbor.c) is written with this writer but read with a
 * streaming reader of its own: cbor_load() in libcbor 0.8 refuses the
 * one-byte tag 18 (0xd2) that begins every COSE_Sign1, and a signature made
 * elsewhere may be well-formed without being deterministic, which this
 * reader refuses by design (see the comment at the top of cose_cbor.c).
 */
#ifndef IGVMKIT_MEASURE_CBOR_DET_H
#define IGVMKIT_MEASURE_CBOR_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "common/buf.h"
#include "common/diag.h"

/* ---- Writer ---- */

struct cbor_w {
	struct ik_buf *out;
	int err; /* first failure (-ENOMEM, -E2BIG), 0 if none */
};

void cbor_w_init(struct cbor_w *w, struct ik_buf *out);
void cbor_w_uint(struct cbor_w *w, uint64_t v);
void cbor_w_int(struct cbor_w *w, int64_t v); /* major type 0 or 1 */
void cbor_w_bytes(struct cbor_w *w, const void *p, size_t n);
void cbor_w_text(struct cbor_w *w, const char *s);
void cbor_w_array(struct cbor_w *w, size_t n); /* then N items */
void cbor_w_map(struct cbor_w *w, size_t n);   /* then N key, value pairs */
void cbor_w_tag(struct cbor_w *w, uint64_t tag); /* then one item */
void cbor_w_null(struct cbor_w *w);		 /* simple value 22 (COSE's detached payload) */

/*
 * True when integer key A sorts before B in deterministic order (bytewise
 * order of the encodings: every uint before every negative int; uints
 * ascending, negatives descending, -1 first).
 */
bool cbor_w_key_before(int64_t a, int64_t b);

/* ---- Reader ---- */

struct cbor_det_limits {
	size_t max_len;	  /* bytes */
	unsigned max_depth; /* nesting of arrays, maps and tags */
	size_t max_items;
};

/* One decoded document: libcbor's tree and, in pre-order, each item's byte span. */
struct cbor_det_doc {
	cbor_item_t *root;
	const uint8_t *bytes; /* the input (borrowed) */
	size_t base;	      /* offset of bytes[0] in the outermost document, for messages */
	size_t n;
	const cbor_item_t **items; /* pre-order */
	size_t *start, *end;	   /* spans in bytes[] */
};

/*
 * Decodes P[0..LEN) as one deterministic CBOR item followed by nothing.  BASE
 * is added to offsets in messages (an embedded document's place in the outer
 * one).  Failures: -E2BIG (LEN, depth or item count over LIM), -EBADMSG
 * (malformed, truncated, trailing bytes, indefinite length, non-shortest head,
 * map keys out of order or repeated, floats and simple values); D's place is
 * "offset 0x..".  *RET is written only on success; release with
 * cbor_det_free().
 */
int cbor_det_load(const uint8_t *p, size_t len, size_t base, const struct cbor_det_limits *lim,
		  struct cbor_det_doc *ret, struct ik_diag *d);
void cbor_det_free(struct cbor_det_doc *doc);

/* Offset of ITEM (one of DOC's) in the outermost document; base when unknown. */
size_t cbor_det_offset(const struct cbor_det_doc *doc, const cbor_item_t *item);
/* ITEM's encoding inside DOC (deterministic: equal values have equal encodings). */
bool cbor_det_span(const struct cbor_det_doc *doc, const cbor_item_t *item, const uint8_t **p,
		   size_t *n);

/* Integer value of a uint or negint item into *V; false for other items or out of range. */
bool cbor_det_int(const cbor_item_t *item, int64_t *v);
bool cbor_det_uint(const cbor_item_t *item, uint64_t *v);

#endif
