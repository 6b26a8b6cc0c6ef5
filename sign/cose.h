/* SPDX-License-Identifier: MIT */
/*
 * COSE_Sign1 (RFC 9052 §4.2) signatures over CoRIM documents
 * (draft-ietf-rats-corim §4.2 "signed-corim"), in two forms:
 *
 *  - attached: #6.18([protected, {}, payload, signature]), a standalone
 *    signed CoRIM whose payload is the CoRIM document itself;
 *  - detached: the same with payload nil, the form IGVM v2 carries in an
 *    IGVM_VHT_CORIM_SIGNATURE (0x105) header next to the document in its
 *    IGVM_VHT_CORIM_DOCUMENT (0x104), as OpenVMM's igvmfilegen verifies it
 *    (vm/loader/igvmfilegen/src/corim_signature/envelope.rs: tag 18 required,
 *    payload nil, content-type "application/rim+cbor", signer certificate in
 *    x5chain (33); it accepts only PS384 today).
 *
 * The protected header igvmkit writes (core deterministic CBOR, RFC 8949
 * §4.2.1: shortest heads, definite lengths, map keys in bytewise order):
 *
 *   {  1 (alg)          => COSE algorithm id (enum cose_alg),
 *      3 (content-type) => "application/rim+cbor",
 *      4 (kid)          => bstr                      only when opts.kid is set,
 *      8 (corim-meta)   => bstr .cbor { 0 (signer) => { 0 (signer-name) => tstr },
 *                                       ? 1 (signature-validity) =>
 *                                           { ? 0 (not-before) => #6.1(int),
 *                                               1 (not-after)  => #6.1(int) } },
 *     15 (CWT-Claims)   => { 1 (iss) => tstr, ? 4 (exp) => int, ? 5 (nbf) => int },
 *     33 (x5chain)      => bstr (the signer certificate, DER) }
 *
 * The draft needs corim-meta or CWT-Claims and, when both are present, the
 * same signer and validity in each: igvmkit writes both from one source
 * (signer-name = iss = the certificate subject's commonName, else its whole
 * RFC 2253 subject).  The unprotected header is the empty map.
 *
 * What is signed is the Sig_structure (RFC 9052 §4.4):
 *   ["Signature1", protected (bstr), external_aad (h'' here), payload (bstr)]
 * with the payload the document bytes in both forms.
 *
 * Algorithms (IANA COSE registry; RFC 9053, RFC 8230):
 *   ES256 (-7)  ECDSA P-256 SHA-256, signature r||s 64 bytes
 *   ES384 (-35) ECDSA P-384 SHA-384, signature r||s 96 bytes
 *   EdDSA (-8)  Ed25519 (pure), 64 bytes, deterministic
 *   PS256 (-37) RSASSA-PSS SHA-256, MGF1-SHA-256, salt 32
 *   PS384 (-38) RSASSA-PSS SHA-384, MGF1-SHA-384, salt 48 (what OpenVMM accepts)
 * Determinism: EdDSA signatures are deterministic, so a COSE_Sign1 made twice
 * is the same bytes.  ECDSA is randomised: Debian 12's OpenSSL 3.0 has no
 * RFC 6979 nonces.  PSS is randomised by its salt.  Everything but the
 * signature bytes is deterministic for every algorithm.
 *
 * Errors: -EBADMSG malformed COSE/CBOR (place: "offset N (what)"), -EBADE a
 * signature that does not verify or no trusted certificate, -EKEYREJECTED a
 * key or certificate that does not fit the algorithm, -EINVAL bad options.
 */
#ifndef IGVMKIT_SIGN_COSE_H
#define IGVMKIT_SIGN_COSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/diag.h"

/* COSE algorithm identifiers igvmkit signs and verifies with (IANA values). */
enum cose_alg {
	COSE_ALG_ES256 = -7,
	COSE_ALG_EDDSA = -8,
	COSE_ALG_ES384 = -35,
	COSE_ALG_PS256 = -37,
	COSE_ALG_PS384 = -38,
};

/* CBOR tag of COSE_Sign1 (RFC 9052 §2) and the CoRIM content type (draft-ietf-rats-corim §4.2). */
#define COSE_SIGN1_TAG 18
#define COSE_CORIM_CONTENT_TYPE "application/rim+cbor"
/* Longest signer name igvmkit writes or reads back. */
#define COSE_SIGNER_MAX 256
/* Longest kid. */
#define COSE_KID_MAX 64

/* The algorithm named NAME ("ES384", any case) into *ret; -EINVAL if none. */
int cose_alg_from_name(const char *name, enum cose_alg *ret);
/* "ES384" ...; NULL for an id igvmkit does not support. */
const char *cose_alg_name(int64_t alg);
/* "ES256, ES384, EdDSA, PS256, PS384": for help texts and messages. */
const char *cose_alg_names(void);
/*
 * The default algorithm for KEY: EC P-384 -> ES384, EC P-256 -> ES256,
 * Ed25519 -> EdDSA, RSA -> PS256.  -EKEYREJECTED for other keys.
 */
int cose_alg_for_key(EVP_PKEY *key, enum cose_alg *ret, struct ik_diag *d);
/* -EKEYREJECTED unless KEY (WHAT in messages) suits ALG (type, curve). */
int cose_alg_check_key(enum cose_alg alg, EVP_PKEY *key, const char *what, struct ik_diag *d);

/* What goes into the protected header; the same options give the same bytes. */
struct cose_sign_opts {
	enum cose_alg alg;
	X509 *cert;		/* signer certificate: signer name and x5chain (required) */
	bool detached;		/* write payload nil (IGVM CORIM_SIGNATURE form) */
	bool has_not_after;	/* signature validity (corim-meta / CWT exp, nbf) */
	int64_t not_after;	/* seconds since the epoch */
	bool has_not_before;	/* only together with has_not_after */
	int64_t not_before;
	const uint8_t *kid;	/* optional key id (kid, label 4); NULL = none */
	size_t kid_len;		/* at most COSE_KID_MAX */
};

/* The protected header map's encoded bytes (the bstr's content) for O into OUT. */
int cose_protected_header(const struct cose_sign_opts *o, struct ik_buf *out, struct ik_diag *d);

/*
 * The Sig_structure ["Signature1", PROTECTED, h'' (or AAD), PAYLOAD] (RFC 9052
 * §4.4), core deterministic encoding, appended to OUT.  AAD may be NULL.
 */
int cose_sig_structure(const uint8_t *protected_hdr, size_t protected_len, const uint8_t *aad,
		       size_t aad_len, const uint8_t *payload, size_t payload_len,
		       struct ik_buf *out);

/*
 * What cose_tbs(), cose_attach() and cose_sign1() sign must be a CoRIM: the
 * draft's payload is `bstr .cbor tagged-unsigned-corim-map`, so one
 * well-formed #6.501 item of at most CORIM_SIZE_MAX bytes (1 MiB), nested at
 * most 16 deep, and nothing after it (its profile is not checked: documents
 * of other profiles are signed too).  -E2BIG when larger, else -EBADMSG with
 * the place "offset N (what)".  They check it first; a caller may too, to
 * name the document's file.
 */
int cose_payload_check(const uint8_t *payload, size_t len, struct ik_diag *d);

/*
 * Step 1 of two-step signing: the to-be-signed bytes (the Sig_structure) for
 * the document PAYLOAD under O, appended to OUT.  A signing service signs them
 * as it would any message with the algorithm's hash (ECDSA over SHA-384 of
 * these bytes for ES384, and so on; EdDSA signs them as they are).
 */
int cose_tbs(const struct cose_sign_opts *o, const uint8_t *payload, size_t payload_len,
	     struct ik_buf *out, struct ik_diag *d);

/* How a signature made elsewhere is given to cose_attach(). */
enum cose_sig_format {
	COSE_SIG_RAW = 0, /* the COSE form: r||s for ECDSA, as is for EdDSA and PSS */
	COSE_SIG_DER,	  /* ECDSA as a DER Ecdsa-Sig-Value (OpenSSL, PKCS#11 services); converted */
};

/*
 * Step 2: the COSE_Sign1 (tagged #6.18) for PAYLOAD under O with the signature
 * SIG made elsewhere over cose_tbs()'s bytes, appended to OUT.  The signature
 * is checked against O->cert's public key first (-EBADE when it does not
 * verify, -EBADMSG when its length does not fit the algorithm), so a wrong
 * signature is never attached.  With the same O and document the result is
 * byte for byte what cose_sign1() writes with the same signature bytes.
 */
int cose_attach(const struct cose_sign_opts *o, const uint8_t *payload, size_t payload_len,
		const uint8_t *sig, size_t sig_len, enum cose_sig_format format,
		struct ik_buf *out, struct ik_diag *d);

/*
 * One step: signs PAYLOAD with KEY (a file key or a token key from
 * sign_key_load(); it must match O->cert) and appends the tagged COSE_Sign1
 * to OUT.  The signature is verified with the certificate before returning.
 */
int cose_sign1(const struct cose_sign_opts *o, EVP_PKEY *key, const uint8_t *payload,
	       size_t payload_len, struct ik_buf *out, struct ik_diag *d);

/* ECDSA signature forms: DER Ecdsa-Sig-Value <-> r||s of 2*COORD bytes (COORD 32 or 48). */
int cose_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord, uint8_t *raw,
			  struct ik_diag *d);
int cose_ecdsa_raw_to_der(const uint8_t *raw, size_t coord, struct ik_buf *out, struct ik_diag *d);

/*
 * A parsed COSE_Sign1.  Pointers borrow from the input given to
 * cose_sign1_parse(); offsets are from its start, for messages.
 */
struct cose_sign1 {
	bool tagged;			/* #6.18 present (igvmkit writes it; untagged is read too) */
	const uint8_t *protected_hdr;	/* the protected bstr's content */
	size_t protected_len, protected_off;
	bool detached;			/* payload nil */
	const uint8_t *payload;		/* attached payload, NULL when detached */
	size_t payload_len, payload_off;
	const uint8_t *signature;
	size_t signature_len, signature_off;
	/* From the protected header: */
	int64_t alg;			/* label 1; always one of enum cose_alg after a parse */
	bool has_content_type;
	char content_type[64];		/* label 3 (a text form; "" when absent) */
	char signer[COSE_SIGNER_MAX];	/* corim-meta signer-name, else CWT iss; "" if neither */
	bool has_not_after, has_not_before;
	int64_t not_after, not_before;
	const uint8_t *kid;		/* label 4, NULL if absent */
	size_t kid_len;
	const uint8_t *x5chain_leaf;	/* label 33: the (first) certificate, DER, else label 32's */
	size_t x5chain_leaf_len;	/* (x5bag, RFC 9360); NULL if neither */
	bool x5chain_is_chain;		/* x5chain_leaf is from x5chain (33), not x5bag (32) */
	bool has_corim_meta;		/* label 8 present (signer, validity above are its) */
	bool has_cwt_claims;		/* label 15 present; its claims as read: */
	char cwt_iss[COSE_SIGNER_MAX];	/* iss (1), "" if absent */
	bool cwt_has_exp, cwt_has_nbf;
	int64_t cwt_exp, cwt_nbf;	/* exp (4), nbf (5) */
};

/*
 * Parses DATA as a COSE_Sign1 (tagged #6.18 or untagged): a 4-element array
 * of bstr protected (whose content decodes to a map with alg (1) an int and a
 * supported algorithm, content-type (3) if present a text "application/rim+cbor"
 * or a uint, corim-meta (8) if present a bstr holding a corim-meta-map,
 * CWT-Claims (15) if present a map; with corim-meta, its iss, exp and nbf must
 * be corim-meta's signer and validity, as draft-ietf-rats-corim §4.2.2 asks),
 * a map unprotected, bstr or nil payload, a bstr signature, and nothing after it.  Indefinite lengths, other tags and
 * trailing bytes are refused.  -EBADMSG with the place ("offset N (what)")
 * and what was expected and found.
 */
int cose_sign1_parse(const uint8_t *data, size_t len, struct cose_sign1 *ret, struct ik_diag *d);

/* What cose_sign1_verify() found. */
struct cose_verify_result {
	char signer_subject[COSE_SIGNER_MAX]; /* subject of the certificate that verified */
	bool via_x5chain;		      /* that was the x5chain certificate, chaining to a trusted one */
};

/*
 * Verifies S: rebuilds the Sig_structure from S's protected header and the
 * payload (S's own when attached; DETACHED_PAYLOAD, which must then be given,
 * when detached: -EINVAL otherwise; given with an attached S it must equal
 * S's payload: -EBADE otherwise) and checks the signature under S->alg with
 * a TRUSTED certificate's public key, or with the x5chain certificate when it
 * is one of TRUSTED or chains up to one (no validity-period check, as for
 * Authenticode).  The signature length must fit the algorithm (-EBADMSG,
 * naming its offset).  -EBADE when no trusted key verifies it: the message
 * says whether the x5chain certificate verifies it but is not trusted
 * (untrusted signer) or nothing does (altered payload or signature).
 */
int cose_sign1_verify(const struct cose_sign1 *s, const uint8_t *detached_payload,
		      size_t detached_len, STACK_OF(X509) *trusted, struct cose_verify_result *ret,
		      struct ik_diag *d);

#endif
