/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CoRIM reader (measure/corim.h: corim_decode over
 * measure/cbor_det.c's deterministic-CBOR pass and libcbor's cbor_load) and
 * `igvmkit inspect` of a CoRIM (measure/corim_inspect.h).
 * Invariants beyond "no crash, no leak, no UB":
 *  - a rejection explains itself (negative errno, a message and a place);
 *  - an accepted document describes itself in text and JSON;
 *  - an accepted launch-measurement document with the builder's corim-id and
 *    the lowercase tag-id (the profile compares tag-ids case-insensitively) is
 *    byte for byte what corim_launch_build() writes for what was decoded (the
 *    profile and deterministic encoding leave no other valid form).
 * Seeds: tests/fuzz/corpus/corim.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "measure/corim.h"
#include "measure/corim_inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rebuilds_exactly(const struct corim_doc *doc, const uint8_t *data, size_t size)
{
	const struct corim_ref *r = &doc->refs[0];
	char id[128], tag_id[37];
	struct ik_buf b;

	snprintf(id, sizeof(id), "%s/%s/launch-measurement", r->cls->vendor, r->cls->model);
	if (strcmp(id, doc->id) != 0 || corim_launch_tag_id(r->platform, tag_id, NULL) < 0 ||
	    strcmp(tag_id, r->tag_id) != 0)
		return;
	ik_buf_init(&b, 0);
	if (corim_launch_build(&(struct corim_launch_input){ r->platform, r->svn, r->digest, r->digest_len },
			       &b, NULL) < 0 ||
	    b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	ik_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corim_doc doc;
	struct ik_diag d;
	struct ik_buf out;
	int r;

	ik_diag_init(&d);
	r = corim_decode(data, size, &doc, &d);
	if (r < 0) {
		if (r != -ENOMEM && (d.msg[0] == '\0' || (d.place[0] == '\0' && r != -E2BIG)))
			abort(); /* every rejection says why and where */
		return 0;
	}
	if (doc.n_refs == 0 || (doc.profile == CORIM_PROFILE_LAUNCH && doc.n_refs != 1))
		abort();
	if (doc.profile == CORIM_PROFILE_LAUNCH)
		rebuilds_exactly(&doc, data, size);
	corim_doc_free(&doc);
	for (int json = 0; json < 2; json++) {
		ik_buf_init(&out, 0);
		if (corim_inspect(data, size, json, &out, NULL) < 0 || out.len == 0)
			abort();
		ik_buf_release(&out);
	}
	return 0;
}
