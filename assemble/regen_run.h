/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit regen` as one library call: a vendor IGVM file or FUKI in, the
 * same with the customer's Secure Boot seeds out, re-measured and (FUKI)
 * re-wrapped and re-signed, with the old and new reference values as data.
 *
 *   seeds     built from files and hashes (vars/seed.h), one fresh set per IGVM
 *   input     an IGVM file, or a FUKI whose '.efifw' payloads are IGVM files
 *   payloads  each: regen_igvm(), the vendor's and the new reference values
 *             (measure_igvm_matrix, of the bytes as written), measurements JSON
 *   wrap      a FUKI re-wrapped around the new payloads, signed when asked
 *   write     the new file and every measurements JSON, all or none
 *
 * Nothing is printed: the result says how far the run got and what it found,
 * so a caller reports the payloads done before a failure as well.
 */
#ifndef IGVMKIT_ASSEMBLE_REGEN_RUN_H
#define IGVMKIT_ASSEMBLE_REGEN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assemble/igvm_corim.h"
#include "assemble/regen.h"
#include "common/diag.h"
#include "common/guid.h"
#include "measure/boot_events.h"
#include "measure/measure.h"
#include "sign/authenticode.h"
#include "vars/efi.h"
#include "vars/efi_time.h"
#include "vars/seed.h"

/* One database input: a file (certificate PEM/DER, .esl, .auth, PE image to hash) or a hash. */
struct regen_seed_arg {
	enum vars_sigdb which;
	const char *file; /* or */
	const char *hash; /* an EFI_CERT_SHA256 entry: 64 hex digits */
};

/* The seeds every IGVM of the input gets (vars_seed semantics; times as vars/seed.h says). */
struct regen_seed_opts {
	const struct regen_seed_arg *args; /* borrowed */
	size_t n_args;
	struct ik_guid owner;		   /* SignatureOwner of the entries */
	enum vars_sb_state secure_boot;
	bool time_given;
	struct vars_time time;		   /* when time_given */
	struct vars_time default_time;	   /* otherwise, without .auth times (SOURCE_DATE_EPOCH: the caller's) */
};

/* How the output is signed; each choice also says which input it expects. */
enum regen_signing {
	REGEN_SIGNING_NONE,	/* an IGVM file (nothing to sign); a FUKI is refused */
	REGEN_SIGNING_UNSIGNED, /* a FUKI, written unsigned (an old signature is dropped) */
	REGEN_SIGNING_SIGN,	/* a FUKI, signed with regen_run_opts.sign */
};

struct regen_run_opts {
	const char *input;	  /* IGVM file or FUKI */
	const char *output;	  /* the new IGVM file or FUKI */
	/*
	 * Measurements JSON, one per IGVM: NULL derives it from the whole OUTPUT
	 * name + ".measurements.json" (outputs differing only in their extension
	 * get distinct files); a FUKI with several payloads adds ".FWID" before
	 * that (to MEASUREMENTS without its extension when given).
	 */
	const char *measurements;
	bool no_measurements;
	bool append;		  /* add to the store's KEK/db/dbx instead of replacing them */
	bool drop_id_block;	  /* remove an SNP_ID_BLOCK (else refused: it signs the old digest) */
	struct regen_seed_opts seed;
	const uint32_t *vcpus;	  /* vCPU counts measured; none: 1 */
	size_t n_vcpus;
	const char *const *vcpu_types; /* QEMU -cpu models measured; none: EPYC-v4 */
	size_t n_vcpu_types;
	enum measure_loader loader;
	enum regen_signing signing;
	/* REGEN_SIGNING_SIGN: loaded key and certificates (authenticode_sign_in_place()). */
	const struct authenticode_sign_opts *sign;
	/*
	 * The input's CORIM_DOCUMENT/CORIM_SIGNATURE headers (docs/corim.md): the
	 * documents are regenerated for the new image (same platforms, the vendor's
	 * SVN unless has_corim_svn).  Signatures the input carries sign the vendor's
	 * values, so one of these must say what becomes of them: CORIM_SIGN re-signs
	 * with the customer's key, CORIM_UNSIGNED keeps the documents unsigned,
	 * CORIM_DROP removes every CoRIM header.  Without any, an input with
	 * signatures is refused (-EKEYREJECTED) rather than keeping a stale one.
	 */
	const struct igvm_corim_sign_spec *corim_sign;
	bool corim_unsigned;
	bool corim_drop;
	bool has_corim_svn;
	uint64_t corim_svn;
	/*
	 * Also write standalone CoRIMs of the new image (the reference values of the
	 * measurements JSON, as `igvmkit build` writes them): CORIM_OUT-snp|tdx|vbs.cbor
	 * (launch-measurement, SVN as above), CORIM_OUT-matrix.cbor (reference-matrix), and
	 * with corim_sign each one's detached COSE_Sign1 (.cose).  A FUKI with several
	 * payloads adds ".FWID" to the prefix.  NULL = none.
	 */
	const char *corim_out;
	/*
	 * --sb-authority: the db entries that verify the images the new image boots,
	 * as `measure --sb-authority` takes them (boot_predict_authorities_load: a
	 * certificate, PE image or signature list file, or "sha256:HEX"), in boot
	 * order.  Each is an EV_EFI_VARIABLE_AUTHORITY after the separator of the new
	 * store's PCR 7 (one the new db does not hold, or a new SecureBoot of 0, is
	 * refused), and of the vendor's when its db resolves them all.
	 */
	const char *const *sb_authority;
	size_t n_sb_authority;
};

/* No seeds, Secure Boot state unchanged, the QEMU loader model, an IGVM input: fill in the rest. */
void regen_run_opts_init(struct regen_run_opts *o);

/* The stage regen_run() failed in (REGEN_STAGE_DONE: it succeeded), in the order they run. */
enum regen_stage {
	REGEN_STAGE_SEED,     /* building the seeds; bad_hash names a malformed hash */
	REGEN_STAGE_INPUT,    /* reading the input, opening a FUKI */
	REGEN_STAGE_SIGNING,  /* the signing choice does not fit the input (fuki says which it is) */
	REGEN_STAGE_PAYLOADS, /* regenerating payload n_done */
	REGEN_STAGE_WRAP,     /* re-wrapping or signing the FUKI */
	REGEN_STAGE_WRITE,    /* writing the outputs (none was written) */
	REGEN_STAGE_DONE,
};

/* One reference value (platform x option set): the vendor's and the regenerated one. */
struct regen_change {
	struct measure_result old_result, new_result; /* the same platform and options */
	bool changed;				      /* the digests differ */
};

/* One regenerated IGVM: the input, or one '.efifw' payload of a FUKI. */
struct regen_payload_report {
	char fwid[256];		      /* the payload's firmware id; "" for an IGVM input */
	struct regen_store store;     /* where the store was and what changed */
	struct regen_change *changes; /* owned; in measure_igvm_matrix() order */
	size_t n_changes;
	char *measurements_file;      /* owned; NULL with no_measurements */
	/* Boot-time Secure Boot events and PCR 7 / RTMR[0] of the vendor's and the new store. */
	struct measure_boot_prediction boot_old, boot_new; /* owned */
	bool has_boot;
	/* sb_authority given but not in boot_old: why the vendor's store does not resolve them */
	char boot_old_note[IK_DIAG_MSG_MAX];
	size_t corim_documents;	      /* CORIM_DOCUMENT headers written (regenerated) */
	size_t corim_signatures;      /* CORIM_SIGNATURE headers written (re-signed) */
	size_t corim_removed;	      /* CoRIM headers of the input not carried over */
	struct igvm_corim_files corim_files; /* owned: corim_out's files (names are paths) */
};

struct regen_result {
	enum regen_stage stage;
	size_t bad_hash; /* REGEN_STAGE_SEED: index in seed.args of a malformed hash, else SIZE_MAX */
	bool fuki;	 /* the input is a FUKI (known from REGEN_STAGE_SIGNING on) */
	bool was_signed; /* ... and it carried a signature */
	size_t n_payloads;
	size_t n_done;	 /* payloads[0 .. n_done) are complete */
	struct regen_payload_report payloads[REGEN_FUKI_PAYLOADS_MAX];
	size_t output_len;  /* bytes written to OUTPUT */
	bool signed_output; /* the FUKI written was signed */
};

/*
 * Runs the regeneration described by O.  *RET is always initialised: on failure
 * it tells the stage, the payloads done and what is known of the input; D
 * describes the failure (with the input file's name where it concerns the input)
 * and nothing was written.  Release *RET with regen_result_release() either way.
 */
int regen_run(const struct regen_run_opts *o, struct regen_result *ret, struct ik_diag *d);
void regen_result_release(struct regen_result *r);

/*
 * regen's boot-time report of REP (measure_boot_diff_text), then, when
 * authorities were given or the new PCR 7 depends on them, one line each: the
 * EV_EFI_VARIABLE_AUTHORITY events old and new (and why the old values lack
 * them), the new PCR 7's note.  LABEL starts each line.
 */
int regen_boot_report_text(const struct regen_payload_report *rep, const char *label,
			   struct ik_buf *out);

/*
 * The OVMF ROM image an IGVM file loads (or a FUKI's first payload): the
 * PAGE_DATA run ending at 4 GiB of the first platform whose ROM holds a variable
 * store, written to OUTPUT atomically.  *RET_LEN and *RET_GPA say what and where.
 * -EINVAL when no platform's ROM holds a store.  D names INPUT.
 */
int regen_extract_rom(const char *input, const char *output, size_t *ret_len, uint64_t *ret_gpa,
		      struct ik_diag *d);

#endif
