/* SPDX-License-Identifier: MIT */
/*
 * A PE image as a list of spans instead of one buffer, so that wrapping and
 * signing a payload of hundreds of MiB costs a few KiB of memory on top of
 * the (read-only, mapped) inputs.
 *
 * A layout is the file's bytes in order: span 0 is the headers (an owned,
 * writable copy in a layout built here, so CheckSum, section headers and the
 * Certificate Table entry can be patched), the others point into inputs
 * (borrowed), into blocks the layout owns, or stand for zero padding.
 * Readers (CheckSum, Authenticode digest, writing, comparing) walk the spans.
 *
 * Lifetime: borrowed bytes (payloads, a base image, or the spans of another
 * layout a function says it borrows from) must outlive the layout.
 */
#ifndef IGVMKIT_FUKI_PE_LAYOUT_H
#define IGVMKIT_FUKI_PE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/fileio.h"

struct pe_span {
	const uint8_t *data; /* NULL: LEN zero bytes */
	size_t len;
};

struct pe_layout {
	struct pe_span *spans;
	size_t n_spans;
	size_t cap_spans; /* 0: SPANS is the caller's storage (a view) */
	size_t len;	  /* file size: the sum of the spans */
	uint8_t *head;	  /* writable span 0 (owned), or NULL for a view */
	void **owned;	  /* blocks freed by pe_layout_release() */
	size_t n_owned;
	size_t cap_owned;
};

void pe_layout_init(struct pe_layout *l);
void pe_layout_release(struct pe_layout *l);

/*
 * Makes L a read-only view of LEN contiguous bytes at DATA, using *STORAGE as
 * its one span: no allocation, release is optional.
 */
void pe_layout_view(struct pe_layout *l, struct pe_span *storage, const uint8_t *data, size_t len);

/* Sets span 0 of an empty layout: HEAD (LEN bytes, malloc'd) is taken over, even on failure. */
int pe_layout_set_head(struct pe_layout *l, uint8_t *head, size_t len);
/* Appends LEN borrowed bytes at DATA (nothing when LEN is 0). */
int pe_layout_add(struct pe_layout *l, const void *data, size_t len);
/* Appends LEN zero bytes. */
int pe_layout_add_zero(struct pe_layout *l, size_t len);
/* Appends LEN bytes at DATA (malloc'd), taken over even on failure. */
int pe_layout_add_owned(struct pe_layout *l, void *data, size_t len);
/* Keeps the malloc'd block P alive until L is released (freed at once on failure). */
int pe_layout_adopt(struct pe_layout *l, void *p);
/* Appends bytes [OFF, OFF+N) of SRC, borrowed from whatever SRC's spans point to. */
int pe_layout_add_range(struct pe_layout *l, const struct pe_layout *src, size_t off, size_t n);

/* Copies bytes [OFF, OFF+N) into BUF; -EINVAL when the range is outside the file. */
int pe_layout_read(const struct pe_layout *l, size_t off, void *buf, size_t n);
/*
 * Points *RET at bytes [OFF, OFF+N) when one data span holds all of them;
 * -EINVAL otherwise (outside the file, split between spans, or padding).
 */
int pe_layout_contiguous(const struct pe_layout *l, size_t off, size_t n, const uint8_t **ret);

/*
 * Calls FN for the bytes [OFF, OFF+N) in order, in pieces (padding comes
 * from a static block of zeros).  Stops at, and returns, FN's first negative
 * return value; -EINVAL when the range is outside the file.
 */
typedef int (*pe_layout_visit_fn)(void *ctx, const uint8_t *p, size_t n);
int pe_layout_visit(const struct pe_layout *l, size_t off, size_t n, pe_layout_visit_fn fn, void *ctx);

/* The PE CheckSum of the file, the 4 bytes at CHECKSUM_OFFSET taken as zero (see pe_checksum()). */
uint32_t pe_layout_checksum(const struct pe_layout *l, size_t checksum_offset);

/* Digest with MD of the whole file into OUT (EVP_MD_get_size(md) bytes). */
int pe_layout_digest(const struct pe_layout *l, const EVP_MD *md, uint8_t *out, struct ik_diag *d);

/* 1 when the file equals the N bytes at P, else 0. */
int pe_layout_equal(const struct pe_layout *l, const uint8_t *p, size_t n);

/* Appends the file to OUT (on failure OUT is as it was). */
int pe_layout_to_buf(const struct pe_layout *l, struct ik_buf *out, struct ik_diag *d);

/* Streams the file into O (common/fileio.h), span by span. */
int pe_layout_write(const struct pe_layout *l, struct ik_out *o, struct ik_diag *d);
/* The same, also hashing the file with MD into DIGEST (one pass for writing and e.g. a summary). */
int pe_layout_write_hashed(const struct pe_layout *l, struct ik_out *o, const EVP_MD *md,
			   uint8_t *digest, struct ik_diag *d);
/* Writes the file to PATH atomically (ik_out_open/ik_out_commit). */
int pe_layout_write_file(const struct pe_layout *l, const char *path, struct ik_diag *d);

#endif
