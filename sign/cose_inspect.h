/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for a COSE_Sign1 file (a signed CoRIM, sign/cose.h):
 * the protected header decoded (algorithm, content type, kid, corim-meta
 * signer and validity, CWT claims, the x5chain certificate's subject,
 * issuer and SHA-256 fingerprint), whether the signature verifies with that
 * certificate (no trust anchor: `igvmkit verify` checks trust), and the
 * payload: an attached CoRIM decoded and validated (measure/corim_inspect.h),
 * a detached one named as such.  Text, or JSON {"format": "cose-sign1", ...}
 * (docs/inspect-json.md).
 */
#ifndef IGVMKIT_SIGN_COSE_INSPECT_H
#define IGVMKIT_SIGN_COSE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define COSE_INSPECT_SCHEMA_VERSION 1

/* True when P starts with COSE_Sign1's tag and array: #6.18([...4 items]), d2 84. */
bool cose_sniff(const uint8_t *p, size_t len);

/*
 * Describes the COSE_Sign1 P[0..LEN) into OUT.  cose_sign1_parse() errors
 * (-EBADMSG, D's place "offset N (what)"); an attached payload that is not a
 * valid CoRIM fails as corim_decode() does, the place prefixed with the
 * payload's offset in P.  A signature that does not verify with its own
 * certificate is reported in the output, not as an error.
 */
int cose_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d);

#endif
