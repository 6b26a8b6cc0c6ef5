/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the COSE_Sign1 reader behind 'igvmkit verify' on a
 * signed CoRIM (sign/cose_verify.c, on libcbor's streaming decoder).
 * Invariants beyond "no crash, no leak, no UB":
 *  - a failure explains itself (negative errno, a message, and for malformed
 *    input a place "offset N (...)" inside the input);
 *  - an accepted input has every borrowed slice inside the input and a
 *    supported algorithm, and verification with no trusted certificate never
 *    succeeds (whatever its x5chain holds);
 *  - inspect (sign/cose_inspect.h), text and JSON, either describes an
 *    accepted input or fails with a message; cose_payload_check, the gate of
 *    signing, fails with a message or accepts.
 * Seeds: tests/fuzz/corpus/cose (Ed25519 attached, Ed25519 attached over a
 * launch-measurement CoRIM (inspect decodes it), Ed25519 detached with kid
 * and validity, ES384 attached, and the upstream igvm crate's test signature
 * bytes, a truncated COSE_Sign1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign/cose.h"
#include "sign/cose_inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *data, size_t size, const uint8_t *p, size_t len)
{
	if (p && (p < data || p > data + size || len > (size_t)(data + size - p)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t payload[] = { 0xd9, 0x01, 0xf5, 0xa0 };
	STACK_OF(X509) *none;
	struct cose_sign1 s;
	struct ik_diag d;
	unsigned long off;
	int r;

	ik_diag_init(&d);
	r = cose_sign1_parse(data, size, &s, &d);
	if (r < 0) {
		if (r != -EBADMSG || !d.msg[0] || sscanf(d.place, "offset %lu", &off) != 1 || off > size)
			abort();
		return 0;
	}
	inside(data, size, s.protected_hdr, s.protected_len);
	inside(data, size, s.payload, s.payload_len);
	inside(data, size, s.signature, s.signature_len);
	inside(data, size, s.kid, s.kid_len);
	inside(data, size, s.x5chain_leaf, s.x5chain_leaf_len);
	if (!cose_alg_name(s.alg) || (s.detached != (s.payload == NULL)))
		abort();
	none = sk_X509_new_null();
	if (!none)
		abort();
	ik_diag_init(&d);
	r = cose_sign1_verify(&s, s.detached ? payload : NULL, sizeof(payload), none, NULL, &d);
	if (r == 0 || !d.msg[0])
		abort();
	sk_X509_free(none);
	for (int json = 0; json < 2; json++) {
		struct ik_buf out;

		ik_buf_init(&out, 0);
		ik_diag_init(&d);
		r = cose_inspect(data, size, json, &out, &d);
		if ((r < 0 && !d.msg[0]) || (r >= 0 && out.len == 0))
			abort();
		ik_buf_release(&out);
	}
	ik_diag_init(&d);
	if (cose_payload_check(data, size, &d) < 0 && !d.msg[0])
		abort();
	return 0;
}
