/* SPDX-License-Identifier: MIT */
/*
 * The inputs a user names to build signature lists and variable stores, in
 * the order given: certificate, PE, .esl/.auth files, hashes written as
 * text, variables to set or drop.  The textual forms are part of the data
 * language, so every program that reads them builds the same lists and
 * stores as `igvmkit vars`:
 *
 *   hash   ALG:HEX          ALG sha256, sha384, sha512, sha224 or sha1
 *   set    NAME:GUID:ATTR:FILE   GUID or alias (global, ...), ATTR "NV,BS,RT" or 0x7
 *   drop   NAME[:GUID]      GUID defaults to NAME's well-known namespace
 *
 * Failures come back as -errno and a struct ik_diag; struct vars_failure
 * says which input failed and whether its text was malformed (a caller's
 * usage error) or its data (file contents, limits).
 */
#ifndef IGVMKIT_VARS_SEED_INPUT_H
#define IGVMKIT_VARS_SEED_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/diag.h"
#include "common/guid.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/seed.h"

/* ---- textual specs ------------------------------------------------------------------------ */

/*
 * Spec parsers: LABEL is how the caller's user named the spec (an option
 * such as "--set", a layout key); it begins the message.  A malformed spec
 * is -EINVAL with d->place naming the field ("ALG", "HEX", "GUID", "ATTR",
 * "FILE") and d->msg the label and the text found.
 */

/* A hash entry: its signature type and the hash (type->data_size bytes of it). */
struct vars_hash_spec {
	const struct vars_sig_type *type;
	uint8_t hash[64];
};

/* "ALG:HEX". */
int vars_hash_spec_parse(const char *spec, const char *label, struct vars_hash_spec *ret,
			 struct ik_diag *d);
/* ALG and HEX given apart (e.g. a --sha256 option). */
int vars_hash_parse(const char *alg, const char *hex, const char *label,
		    struct vars_hash_spec *ret, struct ik_diag *d);

/* A variable to set: NAME and PATH are owned (vars_set_spec_release). */
struct vars_set_spec {
	char *name;
	struct ik_guid guid;
	uint32_t attr; /* NV and only NV, BS, RT, HR, AT bits */
	char *path;    /* file whose bytes are the value */
};

/*
 * "NAME:GUID:ATTR:FILE" (FILE may hold ':').  NAME may be a signature
 * database too: vars_seed_input_take refuses that (VARS_STEP_SET_SIGDB).
 */
int vars_set_spec_parse(const char *spec, const char *label, struct vars_set_spec *ret,
			struct ik_diag *d);
void vars_set_spec_release(struct vars_set_spec *s);

/* A variable to drop: NAME owned (vars_drop_spec_release). */
struct vars_drop_spec {
	char *name;
	bool has_guid;	     /* else NAME's well-known namespace */
	struct ik_guid guid; /* has_guid */
};

/* "NAME[:GUID]"; a NAME without GUID must have a well-known namespace. */
int vars_drop_spec_parse(const char *spec, const char *label, struct vars_drop_spec *ret,
			 struct ik_diag *d);
void vars_drop_spec_release(struct vars_drop_spec *s);

/* ---- ordered inputs ----------------------------------------------------------------------- */

enum vars_seed_input_kind {
	VARS_SEED_IN_CERT,   /* certificate file: each certificate as its own X.509 list */
	VARS_SEED_IN_REVOKE, /* certificate file: EFI_CERT_X509_SHA256 (tbs hash) of each, for dbx */
	VARS_SEED_IN_HASH,   /* "ALG:HEX" */
	VARS_SEED_IN_SHA256, /* "HEX", a SHA-256 */
	VARS_SEED_IN_PE,     /* PE image file: its Authenticode SHA-256 */
	VARS_SEED_IN_ANY,    /* .esl, .auth, certificate or PE file */
	VARS_SEED_IN_ANCHOR, /* trust anchors: certificate file or the X.509 entries of an .esl */
	VARS_SEED_IN_SIGDB,  /* a database input of a seed (.esl, .auth, certificate, PE) */
	VARS_SEED_IN_SET,    /* "NAME:GUID:ATTR:FILE" */
	VARS_SEED_IN_DROP,   /* "NAME[:GUID]" */
};

/* One input; arg is borrowed (a path or a spec, by kind). */
struct vars_seed_input {
	enum vars_seed_input_kind kind;
	enum vars_sigdb which;	/* VARS_SEED_IN_SIGDB */
	const char *arg;
	struct ik_guid owner;	/* SignatureOwner of the certificates, hashes and PEs it adds */
	const char *label;	/* how specs are named in messages; NULL: "hash", "set", "drop" */
};

/* Where inputs go; each kind needs its target (else -EINVAL). Borrowed. */
struct vars_input_target {
	struct esl_db *db;	  /* CERT, REVOKE, HASH, SHA256, PE, ANY */
	bool allow_non_rsa;	  /* CERT: accept non-RSA certificates (edk2 rejects them) */
	STACK_OF(X509) *anchors;  /* ANCHOR: certificates pushed, owned by the stack */
	struct vars_seed *seed;	  /* SIGDB, SET, DROP */
};

/* The step of a build that failed; the caller words the request steps as its usage errors. */
enum vars_step {
	VARS_STEP_NONE,
	VARS_STEP_INPUT_SPEC,	 /* input's text is malformed; d->msg says so, with its label */
	VARS_STEP_SET_SIGDB,	 /* a set input names a signature database (failure.sigdb) */
	VARS_STEP_INPUT,	 /* an input's file or data, or adding it */
	VARS_STEP_NO_ENTRIES,	 /* nothing to build from */
	VARS_STEP_TIME,		 /* the explicit time does not parse */
	VARS_STEP_SOURCE_DATE_EPOCH, /* SOURCE_DATE_EPOCH is not a number of seconds */
	VARS_STEP_NEEDS_TIME,	 /* a non-append .auth without any time */
	VARS_STEP_NEEDS_BASE,	 /* the whole image is wanted but no input image is given */
	VARS_STEP_BASE,		 /* loading the store to start from */
	VARS_STEP_SIZE,		 /* the store size does not parse or match a build */
	VARS_STEP_SIZE_MISMATCH, /* the size given differs from the input store's */
	VARS_STEP_KEY,		 /* the signing key */
	VARS_STEP_SIGNATURE,	 /* a detached signature file */
	VARS_STEP_BUILD,	 /* building the output from valid inputs */
};

struct vars_failure {
	enum vars_step step;
	size_t input;	      /* index of the input (INPUT_SPEC, SET_SIGDB, INPUT) */
	enum vars_sigdb sigdb; /* SET_SIGDB */
};

/*
 * Adds one input to its target: reads the file it names (the diag names
 * it), or parses its spec.  On failure *fail (if not NULL) gets the step;
 * its input index is left to the caller.
 */
int vars_seed_input_take(const struct vars_seed_input *in, const struct vars_input_target *t,
			 struct vars_failure *fail, struct ik_diag *d);

/* Takes INPUTS in order; stops at the first failure (fail->input its index). */
int vars_seed_inputs_take(const struct vars_seed_input *inputs, size_t n,
			  const struct vars_input_target *t, struct vars_failure *fail,
			  struct ik_diag *d);

/*
 * An EFI signature list file from INPUTS (CERT, REVOKE, HASH, SHA256, PE,
 * ANY), appended to out.  No entries: -ENODATA (VARS_STEP_NO_ENTRIES).
 */
int vars_esl_build(const struct vars_seed_input *inputs, size_t n, bool allow_non_rsa,
		   struct ik_buf *out, struct vars_failure *fail, struct ik_diag *d);

#endif
