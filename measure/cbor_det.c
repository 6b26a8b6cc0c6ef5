/* SPDX-License-Identifier: MIT */
/*
 * Core deterministic CBOR (RFC 8949 §4.2.1) through libcbor: see cbor_det.h.
 */
#include "measure/cbor_det.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CBOR head is at most 9 bytes (initial byte and an 8-byte argument). */
#define CBOR_HEAD_MAX 9u

/* ---- Writer ---- */

void cbor_w_init(struct cbor_w *w, struct ik_buf *out)
{
	w->out = out;
	w->err = 0;
}

/* Appends the head libcbor's encoder wrote into HEAD (N bytes; 0 = it failed). */
static void put_head(struct cbor_w *w, const unsigned char *head, size_t n)
{
	int r;

	if (w->err)
		return;
	if (n == 0) {
		w->err = -EINVAL;
		return;
	}
	r = ik_buf_append(w->out, head, n);
	if (r < 0)
		w->err = r;
}

void cbor_w_uint(struct cbor_w *w, uint64_t v)
{
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_uint(v, h, sizeof(h)));
}

void cbor_w_int(struct cbor_w *w, int64_t v)
{
	unsigned char h[CBOR_HEAD_MAX];

	if (v >= 0)
		put_head(w, h, cbor_encode_uint((uint64_t)v, h, sizeof(h)));
	else /* major type 1 carries -1 - v */
		put_head(w, h, cbor_encode_negint((uint64_t)(-(v + 1)), h, sizeof(h)));
}

void cbor_w_bytes(struct cbor_w *w, const void *p, size_t n)
{
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_bytestring_start(n, h, sizeof(h)));
	if (!w->err && n) {
		int r = ik_buf_append(w->out, p, n);

		if (r < 0)
			w->err = r;
	}
}

void cbor_w_text(struct cbor_w *w, const char *s)
{
	size_t n = strlen(s);
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_string_start(n, h, sizeof(h)));
	if (!w->err && n) {
		int r = ik_buf_append(w->out, s, n);

		if (r < 0)
			w->err = r;
	}
}

void cbor_w_array(struct cbor_w *w, size_t n)
{
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_array_start(n, h, sizeof(h)));
}

void cbor_w_map(struct cbor_w *w, size_t n)
{
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_map_start(n, h, sizeof(h)));
}

void cbor_w_tag(struct cbor_w *w, uint64_t tag)
{
	unsigned char h[CBOR_HEAD_MAX];

	put_head(w, h, cbor_encode_tag(tag, h, sizeof(h)));
}

void cbor_w_null(struct cbor_w *w)
{
	unsigned char h[1];

	put_head(w, h, cbor_encode_null(h, sizeof(h)));
}

bool cbor_w_key_before(int64_t a, int64_t b)
{
	if ((a >= 0) != (b >= 0))
		return a >= 0; /* major type 0 (0x00..) before major type 1 (0x20..) */
	return a >= 0 ? a < b : a > b;
}

/* ---- Reader: the streaming pass ---- */

enum ev_kind { EV_UINT, EV_NEGINT, EV_BYTES, EV_TEXT, EV_ARRAY, EV_MAP, EV_TAG, EV_INDEF, EV_OTHER };

/* What the one callback of a cbor_stream_decode() call reported. */
struct ev {
	enum ev_kind kind;
	uint64_t arg; /* integer argument, element count or tag */
	size_t slen;  /* string length (the data follows the head) */
	const char *what; /* EV_INDEF / EV_OTHER: for the message */
};

#define EV_CTX(c) ((struct ev *)(c))
static void on_u8(void *c, uint8_t v) { EV_CTX(c)->kind = EV_UINT; EV_CTX(c)->arg = v; }
static void on_u16(void *c, uint16_t v) { EV_CTX(c)->kind = EV_UINT; EV_CTX(c)->arg = v; }
static void on_u32(void *c, uint32_t v) { EV_CTX(c)->kind = EV_UINT; EV_CTX(c)->arg = v; }
static void on_u64(void *c, uint64_t v) { EV_CTX(c)->kind = EV_UINT; EV_CTX(c)->arg = v; }
static void on_n8(void *c, uint8_t v) { EV_CTX(c)->kind = EV_NEGINT; EV_CTX(c)->arg = v; }
static void on_n16(void *c, uint16_t v) { EV_CTX(c)->kind = EV_NEGINT; EV_CTX(c)->arg = v; }
static void on_n32(void *c, uint32_t v) { EV_CTX(c)->kind = EV_NEGINT; EV_CTX(c)->arg = v; }
static void on_n64(void *c, uint64_t v) { EV_CTX(c)->kind = EV_NEGINT; EV_CTX(c)->arg = v; }
static void on_bytes(void *c, cbor_data p, size_t n)
{
	(void)p;
	EV_CTX(c)->kind = EV_BYTES;
	EV_CTX(c)->slen = n;
}
static void on_text(void *c, cbor_data p, size_t n)
{
	(void)p;
	EV_CTX(c)->kind = EV_TEXT;
	EV_CTX(c)->slen = n;
}
static void on_array(void *c, size_t n) { EV_CTX(c)->kind = EV_ARRAY; EV_CTX(c)->arg = n; }
static void on_map(void *c, size_t n) { EV_CTX(c)->kind = EV_MAP; EV_CTX(c)->arg = n; }
static void on_tag(void *c, uint64_t t) { EV_CTX(c)->kind = EV_TAG; EV_CTX(c)->arg = t; }
static void on_indef(void *c) { EV_CTX(c)->kind = EV_INDEF; EV_CTX(c)->what = "an indefinite length"; }
static void on_break(void *c) { EV_CTX(c)->kind = EV_INDEF; EV_CTX(c)->what = "a break (0xff)"; }
static void on_half(void *c, float f) { (void)f; EV_CTX(c)->kind = EV_OTHER; EV_CTX(c)->what = "a float"; }
static void on_double(void *c, double f) { (void)f; EV_CTX(c)->kind = EV_OTHER; EV_CTX(c)->what = "a float"; }
static void on_simple(void *c) { EV_CTX(c)->kind = EV_OTHER; EV_CTX(c)->what = "a simple value"; }
static void on_bool(void *c, bool b) { (void)b; EV_CTX(c)->kind = EV_OTHER; EV_CTX(c)->what = "a boolean"; }

static const struct cbor_callbacks scan_callbacks = {
	.uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
	.negint8 = on_n8, .negint16 = on_n16, .negint32 = on_n32, .negint64 = on_n64,
	.byte_string_start = on_indef, .byte_string = on_bytes,
	.string = on_text, .string_start = on_indef,
	.indef_array_start = on_indef, .array_start = on_array,
	.indef_map_start = on_indef, .map_start = on_map,
	.tag = on_tag,
	.float2 = on_half, .float4 = on_half, .float8 = on_double,
	.undefined = on_simple, .null = on_simple, .boolean = on_bool,
	.indef_break = on_break,
};

/* An open array, map or tag: how many items it still expects. */
struct frame {
	uint64_t remaining;
	bool is_map;
	uint64_t done;		  /* items completed (map: keys and values) */
	size_t item;		  /* pre-order index of the container */
	size_t key_start;	  /* map: the key being read */
	size_t prev_start, prev_end; /* map: the previous key's encoding */
	bool has_prev;
};

struct scan {
	const uint8_t *p;
	size_t len, base;
	const struct cbor_det_limits *lim;
	struct frame *stack;
	unsigned depth;
	size_t n, cap;
	size_t *start, *end;
	struct ik_diag *d;
};

static int scan_fail(struct scan *s, size_t off, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int scan_fail(struct scan *s, size_t off, int err, const char *fmt, ...)
{
	char place[40], msg[IK_DIAG_MSG_MAX];
	va_list ap;

	snprintf(place, sizeof(place), "offset 0x%zx", s->base + off);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ik_fail_at(s->d, err, place, "%s", msg);
}

/* The shortest head for what EV describes, into H; its length. */
static size_t canonical_head(const struct ev *ev, unsigned char *h)
{
	switch (ev->kind) {
	case EV_UINT: return cbor_encode_uint(ev->arg, h, CBOR_HEAD_MAX);
	case EV_NEGINT: return cbor_encode_negint(ev->arg, h, CBOR_HEAD_MAX);
	case EV_BYTES: return cbor_encode_bytestring_start(ev->slen, h, CBOR_HEAD_MAX);
	case EV_TEXT: return cbor_encode_string_start(ev->slen, h, CBOR_HEAD_MAX);
	case EV_ARRAY: return cbor_encode_array_start((size_t)ev->arg, h, CBOR_HEAD_MAX);
	case EV_MAP: return cbor_encode_map_start((size_t)ev->arg, h, CBOR_HEAD_MAX);
	case EV_TAG: return cbor_encode_tag(ev->arg, h, CBOR_HEAD_MAX);
	default: return 0;
	}
}

/* Bytewise lexicographic order of two encodings (RFC 8949 §4.2.1). */
static int encoding_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}

/* Item N ended at END: close it in its parents, as far as they are complete. */
static int complete(struct scan *s, size_t item, size_t end)
{
	for (;;) {
		s->end[item] = end;
		if (s->depth == 0)
			return 0;
		struct frame *f = &s->stack[s->depth - 1];

		if (f->is_map && f->done % 2 == 0) { /* ITEM was a key */
			if (f->has_prev) {
				int c = encoding_cmp(s->p + f->prev_start, f->prev_end - f->prev_start,
						     s->p + f->key_start, end - f->key_start);

				if (c >= 0)
					return scan_fail(s, f->key_start, -EBADMSG,
							 "map key %s (core deterministic encoding orders keys "
							 "bytewise, each once)",
							 c == 0 ? "repeated" : "out of order");
			}
			f->prev_start = f->key_start;
			f->prev_end = end;
			f->has_prev = true;
		}
		f->done++;
		if (--f->remaining > 0)
			return 0;
		item = f->item; /* the container is complete too */
		s->depth--;
	}
}

static int record(struct scan *s, size_t off)
{
	if (s->n >= s->lim->max_items)
		return scan_fail(s, off, -E2BIG, "more CBOR items than %s", "the reader's limit");
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		size_t *st, *en;

		st = realloc(s->start, cap * sizeof(*st));
		if (!st)
			return -ENOMEM;
		s->start = st;
		en = realloc(s->end, cap * sizeof(*en));
		if (!en)
			return -ENOMEM;
		s->end = en;
		s->cap = cap;
	}
	s->start[s->n] = off;
	s->end[s->n] = off;
	s->n++;
	return 0;
}

/* One head at OFF; *OFF advances past it (and past string data). */
static int scan_one(struct scan *s, size_t *off)
{
	struct ev ev = { .kind = EV_OTHER, .what = "an unknown item" };
	unsigned char h[CBOR_HEAD_MAX];
	struct cbor_decoder_result res;
	size_t at = *off, head_len, canon, item;
	int r;

	res = cbor_stream_decode(s->p + at, s->len - at, &scan_callbacks, &ev);
	if (res.status == CBOR_DECODER_NEDATA)
		return scan_fail(s, at, -EBADMSG, "truncated CBOR: %s", "the item runs past the end");
	/* libcbor 0.8 refuses tags 6..20 in their one-byte form (0xc6..0xd4) as "unassigned" */
	if (res.status == CBOR_DECODER_ERROR && s->p[at] >= 0xc6 && s->p[at] <= 0xd4)
		return scan_fail(s, at, -EBADMSG, "tag %u: libcbor 0.8 does not decode tags 6 to 20",
				 (unsigned)(s->p[at] - 0xc0));
	if (res.status != CBOR_DECODER_FINISHED || res.read == 0)
		return scan_fail(s, at, -EBADMSG, "malformed CBOR (reserved or invalid initial byte 0x%02x)",
				 s->p[at]);
	if (ev.kind == EV_INDEF)
		return scan_fail(s, at, -EBADMSG,
				 "%s: core deterministic encoding uses definite lengths only", ev.what);
	if (ev.kind == EV_OTHER)
		return scan_fail(s, at, -EBADMSG, "%s: CoRIM documents here carry none", ev.what);
	head_len = res.read - ((ev.kind == EV_BYTES || ev.kind == EV_TEXT) ? ev.slen : 0);
	canon = canonical_head(&ev, h);
	if (canon != head_len || memcmp(h, s->p + at, head_len) != 0)
		return scan_fail(s, at, -EBADMSG,
				 "%s: the argument is not in its shortest form (RFC 8949 §4.2.1)",
				 "non-deterministic CBOR head");
	r = record(s, at);
	if (r < 0)
		return r;
	item = s->n - 1;
	if (s->depth && s->stack[s->depth - 1].is_map && s->stack[s->depth - 1].done % 2 == 0)
		s->stack[s->depth - 1].key_start = at;
	*off = at + res.read;
	if ((ev.kind == EV_ARRAY || ev.kind == EV_MAP || ev.kind == EV_TAG) &&
	    (ev.kind == EV_TAG || ev.arg > 0)) {
		if (s->depth >= s->lim->max_depth)
			return scan_fail(s, at, -E2BIG, "CBOR nested deeper than %s",
					 "the reader's limit");
		s->stack[s->depth++] = (struct frame){
			.remaining = ev.kind == EV_MAP ? 2 * ev.arg : ev.kind == EV_TAG ? 1 : ev.arg,
			.is_map = ev.kind == EV_MAP,
			.item = item,
		};
		return 0;
	}
	return complete(s, item, *off);
}

/* ---- Reader: the tree ---- */

/* Pre-order walk of libcbor's tree, in step with the scan's spans. */
static void index_items(struct cbor_det_doc *doc, const cbor_item_t *it, size_t *i)
{
	if (*i >= doc->n)
		return;
	doc->items[(*i)++] = it;
	switch (cbor_typeof(it)) {
	case CBOR_TYPE_ARRAY:
		for (size_t k = 0; k < cbor_array_size(it); k++)
			index_items(doc, cbor_array_handle(it)[k], i);
		break;
	case CBOR_TYPE_MAP:
		for (size_t k = 0; k < cbor_map_size(it); k++) {
			index_items(doc, cbor_map_handle(it)[k].key, i);
			index_items(doc, cbor_map_handle(it)[k].value, i);
		}
		break;
	case CBOR_TYPE_TAG: {
		cbor_item_t *t = cbor_tag_item(it);

		index_items(doc, t, i);
		cbor_decref(&t); /* cbor_tag_item took a reference */
		break;
	}
	default:
		break;
	}
}

int cbor_det_load(const uint8_t *p, size_t len, size_t base, const struct cbor_det_limits *lim,
		  struct cbor_det_doc *ret, struct ik_diag *d)
{
	struct scan s = { .p = p, .len = len, .base = base, .lim = lim, .d = d };
	struct cbor_load_result lr;
	struct cbor_det_doc doc = { .bytes = p, .base = base };
	size_t off = 0, i = 0;
	int r = 0;

	if (len > lim->max_len)
		return ik_fail(d, -E2BIG, "CBOR document of %zu bytes exceeds the limit of %zu", len,
			       lim->max_len);
	if (len == 0)
		return scan_fail(&s, 0, -EBADMSG, "empty %s", "CBOR document");
	s.stack = calloc(lim->max_depth + 1, sizeof(*s.stack));
	if (!s.stack)
		return -ENOMEM;
	do
		r = scan_one(&s, &off);
	while (r >= 0 && s.depth > 0);
	free(s.stack);
	if (r >= 0 && off != len)
		r = scan_fail(&s, off, -EBADMSG, "%s after the CBOR item", "trailing bytes");
	if (r < 0)
		goto fail;

	doc.root = cbor_load(p, len, &lr);
	if (!doc.root || lr.error.code != CBOR_ERR_NONE || lr.read != len) {
		r = lr.error.code == CBOR_ERR_MEMERROR ? -ENOMEM
			: scan_fail(&s, lr.error.position, -EBADMSG, "libcbor refused the %s",
				    "document");
		goto fail;
	}
	doc.n = s.n;
	doc.start = s.start;
	doc.end = s.end;
	s.start = s.end = NULL;
	doc.items = calloc(doc.n, sizeof(*doc.items));
	if (!doc.items) {
		cbor_det_free(&doc);
		return -ENOMEM;
	}
	index_items(&doc, doc.root, &i);
	*ret = doc;
	return 0;
fail:
	if (doc.root)
		cbor_decref(&doc.root);
	free(s.start);
	free(s.end);
	return r;
}

void cbor_det_free(struct cbor_det_doc *doc)
{
	if (doc->root)
		cbor_decref(&doc->root);
	free(doc->items);
	free(doc->start);
	free(doc->end);
	*doc = (struct cbor_det_doc){ 0 };
}

static bool find(const struct cbor_det_doc *doc, const cbor_item_t *item, size_t *i)
{
	for (size_t k = 0; k < doc->n; k++)
		if (doc->items[k] == item) {
			*i = k;
			return true;
		}
	return false;
}

size_t cbor_det_offset(const struct cbor_det_doc *doc, const cbor_item_t *item)
{
	size_t i;

	return find(doc, item, &i) ? doc->base + doc->start[i] : doc->base;
}

bool cbor_det_span(const struct cbor_det_doc *doc, const cbor_item_t *item, const uint8_t **p,
		   size_t *n)
{
	size_t i;

	if (!find(doc, item, &i))
		return false;
	*p = doc->bytes + doc->start[i];
	*n = doc->end[i] - doc->start[i];
	return true;
}

bool cbor_det_uint(const cbor_item_t *item, uint64_t *v)
{
	if (!cbor_isa_uint(item))
		return false;
	*v = cbor_get_int(item);
	return true;
}

bool cbor_det_int(const cbor_item_t *item, int64_t *v)
{
	uint64_t u = 0;

	if (!cbor_is_int(item))
		return false;
	u = cbor_get_int(item);
	if (u > (uint64_t)INT64_MAX)
		return false;
	*v = cbor_isa_uint(item) ? (int64_t)u : -1 - (int64_t)u;
	return true;
}
