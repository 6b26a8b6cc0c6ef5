/* SPDX-License-Identifier: MIT */
/*
 * Authenticated variable updates from files, in one call each: what
 * `igvmkit vars auth` builds (signed, unsigned, the bytes to be signed, or
 * around a detached signature) and what `vars verify` checks.  The wire
 * format and the signing itself are vars/auth.h's.
 */
#ifndef IGVMKIT_VARS_AUTHGEN_H
#define IGVMKIT_VARS_AUTHGEN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "sign/key.h"
#include "vars/seed_input.h"

/* Where the signer of an update comes from; borrowed. */
struct vars_signer_files {
	const char *key;			 /* PEM/DER file or pkcs11: URI */
	struct sign_secret_source secret;	 /* passphrase or PIN */
	const char *cert;			 /* the signing certificate: first of the file */
	const char *chain;			 /* intermediates to carry (PEM), or NULL */
};

/* A loaded signer; owns everything (vars_signer_keys_release). */
struct vars_signer_keys {
	EVP_PKEY *key;
	STACK_OF(X509) *certs; /* of the cert file; the first signs */
	STACK_OF(X509) *chain; /* NULL without a chain file */
};

/*
 * Loads key, certificate and chain.  A key failure is *fail_step
 * VARS_STEP_KEY (sign_key_load's diag); a certificate or chain file failure
 * VARS_STEP_INPUT with the diag naming the file.  On failure nothing stays
 * allocated.
 */
int vars_signer_keys_load(const struct vars_signer_files *f, struct vars_signer_keys *ret,
			  enum vars_step *fail_step, struct ik_diag *d);
void vars_signer_keys_release(struct vars_signer_keys *k);

enum vars_auth_mode {
	VARS_AUTH_SIGN,	    /* sign with signer below */
	VARS_AUTH_UNSIGNED, /* dwLength 24, no signature (setup or custom mode) */
	VARS_AUTH_TBS,	    /* the bytes to be signed, for a signer elsewhere */
	VARS_AUTH_ATTACH,   /* around the detached PKCS#7 in signature */
};

/* One update; every pointer borrowed for the call. */
struct vars_auth_request {
	const char *name;		/* VariableName */
	const struct ik_guid *guid;	/* VendorGuid; NULL: NAME's well-known namespace */
	bool append;			/* APPEND_WRITE (0x67) */
	const char *time;		/* TimeStamp text (vars_time_parse); NULL: the default */
	const char *source_date_epoch;	/* the default (NULL or empty: none) */
	const char *input;		/* the new value's file; NULL: empty (deletes) */
	struct ik_guid owner;		/* SignatureOwner of certificates/PEs given as input */
	enum vars_auth_mode mode;
	struct vars_signer_files signer; /* VARS_AUTH_SIGN */
	bool signed_attrs;		/* PKCS#9 signed attributes, signingTime = TimeStamp */
	bool content_info;		/* ContentInfo instead of bare SignedData */
	const char *signature;		/* VARS_AUTH_ATTACH: DER PKCS#7 file */
};

/*
 * Appends the update (or, VARS_AUTH_TBS, the signed bytes) to out.  A
 * non-append update needs a time (explicit or SOURCE_DATE_EPOCH): without
 * one it is -EINVAL, VARS_STEP_NEEDS_TIME, since the firmware refuses a
 * TimeStamp not later than the stored one.  The input file's failures name
 * it (VARS_STEP_INPUT); the signature file's too (VARS_STEP_SIGNATURE).
 */
int vars_auth_build(const struct vars_auth_request *req, struct ik_buf *out,
		    struct vars_failure *fail, struct ik_diag *d);

/* What vars_auth_verify_file checks; borrowed. */
struct vars_verify_request {
	const char *auth;		     /* the .auth file */
	const char *name;		     /* the variable it updates */
	const struct ik_guid *guid;	     /* NULL: NAME's well-known namespace */
	bool append;
	const struct vars_seed_input *anchors; /* VARS_SEED_IN_ANCHOR inputs */
	size_t n_anchors;
};

/*
 * Verifies the .auth file against the trust anchors the inputs name
 * (vars_auth_verify).  0 verified; -EBADE when the signature does not
 * verify (VARS_STEP_BUILD, the diag naming the file); no anchor is
 * -ENODATA, VARS_STEP_NO_ENTRIES.
 */
int vars_auth_verify_file(const struct vars_verify_request *req, struct vars_failure *fail,
			  struct ik_diag *d);

#endif
