/* SPDX-License-Identifier: MIT */
/*
 * Reading COSE_Sign1 one CBOR head at a time, on libcbor's streaming
 * decoder, with every item's byte offset for messages.  (COSE is written
 * with measure/cbor_det.h's writer, the one CoRIM documents use.)
 *
 * Why this reader and not cbor_det_load() (measure/cbor_det.h), the tree
 * reader of CoRIM documents:
 *  - libcbor 0.8 refuses COSE_Sign1's tag 18 in its one-byte form (0xd2):
 *    cbor_stream_decode() returns CBOR_DECODER_ERROR and cbor_load() fails
 *    with CBOR_ERR_MALFORMATED (checked against Debian 12's libcbor 0.8.0),
 *    so cbor_det_load(), which ends in cbor_load(), cannot take a signed
 *    CoRIM; tag heads are decoded here by hand (read_tag_head()).
 *  - a COSE_Sign1 made by another signer need not be core deterministic
 *    (RFC 9052 does not ask for it): the protected header is signed as the
 *    bytes it is, so this reader accepts any well-formed definite-length
 *    encoding, where cbor_det_load() refuses every non-shortest head and
 *    unordered map, as the CoRIM profiles require of documents.
 */
#include "sign/cose_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cbor.h>

/* ---- reading ---- */

void cbr_init(struct cbr *r, const uint8_t *p, size_t len, size_t base)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->base = base;
}

const char *cbr_kind_name(enum cbr_kind k)
{
	static const char *const names[] = {
		[CBR_UINT] = "an unsigned integer", [CBR_NEGINT] = "a negative integer",
		[CBR_BYTES] = "a byte string",	    [CBR_TEXT] = "a text string",
		[CBR_ARRAY] = "an array",	    [CBR_MAP] = "a map",
		[CBR_TAG] = "a tag",		    [CBR_NULL] = "null",
		[CBR_OTHER] = "a simple value or float",
		[CBR_INDEF] = "an indefinite-length item",
	};
	return names[k];
}

/* The streaming decoder's callbacks fill the item in ctx. */
static void set_int(void *ctx, enum cbr_kind k, uint64_t v)
{
	struct cbr_item *it = ctx;

	it->kind = k;
	it->v = v;
}

#define INT_CALLBACK(name, type, kind) \
	static void name(void *ctx, type v) { set_int(ctx, kind, v); }
INT_CALLBACK(on_uint8, uint8_t, CBR_UINT)
INT_CALLBACK(on_uint16, uint16_t, CBR_UINT)
INT_CALLBACK(on_uint32, uint32_t, CBR_UINT)
INT_CALLBACK(on_uint64, uint64_t, CBR_UINT)
INT_CALLBACK(on_neg8, uint8_t, CBR_NEGINT)
INT_CALLBACK(on_neg16, uint16_t, CBR_NEGINT)
INT_CALLBACK(on_neg32, uint32_t, CBR_NEGINT)
INT_CALLBACK(on_neg64, uint64_t, CBR_NEGINT)
/* libcbor 0.8's cbor_collection_callback and cbor_string_callback take size_t counts */
INT_CALLBACK(on_array, size_t, CBR_ARRAY)
INT_CALLBACK(on_map, size_t, CBR_MAP)
INT_CALLBACK(on_tag, uint64_t, CBR_TAG)

static void on_string(struct cbr_item *it, enum cbr_kind k, cbor_data data, size_t len)
{
	it->kind = k;
	it->data = data;
	it->len = len;
}
static void on_bytes(void *ctx, cbor_data data, size_t len)
{
	on_string(ctx, CBR_BYTES, data, len);
}

static void on_text(void *ctx, cbor_data data, size_t len)
{
	on_string(ctx, CBR_TEXT, data, len);
}
static void on_null(void *ctx) { set_int(ctx, CBR_NULL, 0); }
static void on_simple(void *ctx) { set_int(ctx, CBR_OTHER, 0); }
static void on_bool(void *ctx, bool v) { set_int(ctx, CBR_OTHER, v); }
static void on_float(void *ctx, float v) { (void)v; set_int(ctx, CBR_OTHER, 0); }
static void on_double(void *ctx, double v) { (void)v; set_int(ctx, CBR_OTHER, 0); }
static void on_indef(void *ctx) { set_int(ctx, CBR_INDEF, 0); }

/*
 * libcbor 0.8 names the callbacks crosswise to their comments: byte_string
 * and string receive definite strings with their content, byte_string_start
 * and string_start an indefinite start; array_start and map_start a definite
 * count, indef_array_start and indef_map_start an indefinite one.
 */
static const struct cbor_callbacks callbacks = {
	.uint8 = on_uint8, .uint16 = on_uint16, .uint32 = on_uint32, .uint64 = on_uint64,
	.negint8 = on_neg8, .negint16 = on_neg16, .negint32 = on_neg32, .negint64 = on_neg64,
	.byte_string = on_bytes, .byte_string_start = on_indef,
	.string = on_text, .string_start = on_indef,
	.array_start = on_array, .indef_array_start = on_indef,
	.map_start = on_map, .indef_map_start = on_indef,
	.tag = on_tag,
	.float2 = on_float, .float4 = on_float, .float8 = on_double,
	.undefined = on_simple, .null = on_null, .boolean = on_bool,
	.indef_break = on_indef,
};

int cbr_fail(struct ik_diag *d, size_t off, const char *what, const char *fmt, ...)
{
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ik_diag_place(d, -EBADMSG, "offset %zu (%s)", off, what);
	return ik_fail(d, -EBADMSG, "%s", msg);
}

/*
 * libcbor 0.8's streaming decoder refuses the one-byte tags 6 to 20
 * (0xc6-0xd4) as "unassigned", COSE_Sign1's tag 18 (0xd2) among them
 * (later libcbor releases accept them), so tag heads (major type 6) are read
 * here: the initial byte's low 5 bits are the number or say how many bytes
 * follow (24: 1, 25: 2, 26: 4, 27: 8; 28-31 are not well-formed).
 */
#define CBOR_MAJOR_TAG 6
static int read_tag_head(struct cbr *r, struct cbr_item *it, const char *what, struct ik_diag *d)
{
	uint8_t info = r->p[r->pos] & 0x1f;
	size_t n = info < 24 ? 0 : info <= 27 ? (size_t)1 << (info - 24) : SIZE_MAX;
	uint64_t v = info;

	if (n == SIZE_MAX)
		return cbr_fail(d, it->off, what, "not well-formed CBOR (initial byte 0x%02x)", r->p[r->pos]);
	if (r->len - r->pos < 1 + n)
		return cbr_fail(d, it->off, what, "truncated: the item needs %zu bytes, %zu are left",
				1 + n, r->len - r->pos);
	if (n) {
		v = 0;
		for (size_t i = 0; i < n; i++)
			v = v << 8 | r->p[r->pos + 1 + i];
	}
	it->kind = CBR_TAG;
	it->v = v;
	r->pos += 1 + n;
	return 0;
}

int cbr_next(struct cbr *r, struct cbr_item *it, const char *what, struct ik_diag *d)
{
	struct cbor_decoder_result res;
	size_t off = r->base + r->pos;

	memset(it, 0, sizeof(*it));
	it->off = off;
	if (r->pos >= r->len)
		return cbr_fail(d, off, what, "truncated: the input ends here");
	if (r->p[r->pos] >> 5 == CBOR_MAJOR_TAG)
		return read_tag_head(r, it, what, d);
	res = cbor_stream_decode(r->p + r->pos, r->len - r->pos, &callbacks, it);
	if (res.status == CBOR_DECODER_NEDATA)
		return cbr_fail(d, off, what, "truncated: the item needs %zu bytes, %zu are left",
				res.required, r->len - r->pos);
	if (res.status != CBOR_DECODER_FINISHED || res.read == 0)
		return cbr_fail(d, off, what, "not well-formed CBOR (initial byte 0x%02x)", r->p[r->pos]);
	r->pos += res.read;
	if (it->kind == CBR_BYTES || it->kind == CBR_TEXT)
		it->data_off = off + res.read - it->len;
	if (it->kind == CBR_INDEF)
		return cbr_fail(d, off, what, "indefinite-length items are not accepted (COSE_Sign1 is"
				" written with definite lengths)");
	return 0;
}

static int skip_depth(struct cbr *r, const struct cbr_item *it, int depth, struct ik_diag *d)
{
	uint64_t n;
	int rr;

	if (depth > 16)
		return cbr_fail(d, it->off, "nested item", "nested more than 16 deep");
	switch (it->kind) {
	case CBR_ARRAY:
	case CBR_MAP:
		n = it->kind == CBR_MAP ? it->v * 2 : it->v;
		if (it->kind == CBR_MAP && it->v > UINT64_MAX / 2)
			return cbr_fail(d, it->off, "map", "map of %llu pairs", (unsigned long long)it->v);
		for (uint64_t i = 0; i < n; i++) {
			struct cbr_item sub;
			rr = cbr_next(r, &sub, "element", d);
			if (rr < 0)
				return rr;
			rr = skip_depth(r, &sub, depth + 1, d);
			if (rr < 0)
				return rr;
		}
		return 0;
	case CBR_TAG: {
		struct cbr_item sub;
		rr = cbr_next(r, &sub, "tagged item", d);
		return rr < 0 ? rr : skip_depth(r, &sub, depth + 1, d);
	}
	default:
		return 0;
	}
}

int cbr_skip(struct cbr *r, const struct cbr_item *it, struct ik_diag *d)
{
	return skip_depth(r, it, 0, d);
}

int cbr_expected(const struct cbr_item *it, const char *what, const char *expected, struct ik_diag *d)
{
	return cbr_fail(d, it->off, what, "expected %s, found %s", expected, cbr_kind_name(it->kind));
}

int cbr_next_of(struct cbr *r, struct cbr_item *it, enum cbr_kind kind, const char *what,
		const char *expected, struct ik_diag *d)
{
	int rr = cbr_next(r, it, what, d);

	if (rr >= 0 && it->kind != kind)
		rr = cbr_expected(it, what, expected, d);
	return rr;
}
