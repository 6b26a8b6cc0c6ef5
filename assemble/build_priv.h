/* SPDX-License-Identifier: MIT */
/*
 * Shared between build.c (building each product) and build_outputs.c
 * (listing, committing or checking the outputs, the output directory and the
 * result): the working state of one product.  Not installed.
 */
#ifndef IGVMKIT_ASSEMBLE_BUILD_PRIV_H
#define IGVMKIT_ASSEMBLE_BUILD_PRIV_H

#include "assemble/build.h"
#include "assemble/igvm_corim.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "fuki/pe_layout.h"

/*
 * One variant (or the fuki-all add-on) while it is built.  REC is its record
 * in the result (names, measurements, warnings: owned there); the bytes and
 * temporary files live here until the outputs are committed or compared.
 */
struct build_work {
	struct build_product *rec;
	/* The IGVM: a read-only mapping of the file streamed into igvm_out, or (check
	 * mode) the bytes built in memory. */
	struct ik_file_bytes igvm;
	struct ik_out igvm_out; /* temporary file in the output directory; committed with the rest */
	struct ik_buf json;
	struct pe_layout fuki_pe;	/* the FUKI being built and signed: borrows the IGVM and fuki_into */
	struct ik_file_bytes fuki_into; /* outputs.fuki-into, mapped while fuki_pe needs it */
	struct ik_out fuki_out;		/* the FUKI streamed into a temporary file */
	uint8_t fuki_sha256[IK_SHA256_LEN]; /* of what was streamed */
	size_t fuki_len;
	struct ik_buf fuki; /* check mode: its bytes */
	struct ik_buf desc;
	char *hwids; /* outputs.hwids of this variant (for the fuki-all add-on), or NULL */
	/* outputs.corim (build_corim.c): the signer, the launch-measurement documents with their
	 * detached signatures, and the bytes of each CoRIM output (rec->corim[i]) */
	struct igvm_corim_signer signer;
	bool has_signer;
	struct igvm_corim_set launch;
	struct ik_buf *corim_bytes;
};

/*
 * outputs.corim, before the IGVM is written: loads the signer, builds the
 * launch-measurement document of each SNP/TDX/VBS platform of F from the
 * product's results (measured already) or F, signs them and, with 'embed',
 * puts them into F's CORIM headers.  In check mode CHECK_DIR is the output
 * directory: a signature there that still verifies over the rebuilt document
 * with the same protected header is reused, since ECDSA and PSS signatures
 * differ at every signing.
 */
int build_corim_prepare(const struct layout *l, struct igvm_file *f, const char *check_dir,
			struct build_work *w, struct ik_diag *d);

/*
 * outputs.corim, after the IGVM is written (IMG describes it): the
 * reference-matrix document from the product's results, its signature, and
 * the list of CoRIM outputs with their bytes (rec->corim, corim_bytes).
 */
int build_corim_finish(const struct layout *l, const struct measure_image *img, const char *check_dir,
		       struct build_work *w, struct ik_diag *d);

/* Releases W's bytes and removes its uncommitted temporary files (not REC). */
void build_work_release(struct build_work *w);

/* "DIR/NAME" as a new string, or NULL. */
char *build_join(const char *dir, const char *name);

/* One file a build writes (or compares), borrowed from a build_work. */
struct build_output {
	const char *name;
	const uint8_t *data; /* its bytes, unless already streamed into WRITTEN */
	size_t len;
	struct ik_out *written; /* the temporary file holding it, or NULL */
};

/*
 * Lists the outputs of the N products W, in the order they are written, into
 * *RET (malloc'd, the caller frees it) and their names into R->outputs;
 * refuses two outputs of one name.
 */
int build_list_outputs(struct build_work *w, size_t n, struct build_result *r,
		       struct build_output **ret, struct ik_diag *d);

/* Writes and commits the N outputs into OUTDIR together: all or none. */
int build_write_all(const char *outdir, const struct build_output *outs, size_t n,
		    struct ik_diag *d);

/*
 * Check mode: compares each output with its file in OUTDIR, appending the
 * verdicts to R->checks.  -errno when an existing file cannot be read.
 */
int build_check_all(const char *outdir, const struct build_output *outs, size_t n,
		    struct build_result *r, struct ik_diag *d);

/* Fills the sizes and SHA-256s of the product records from W. */
void build_record_files(const struct build_work *w, size_t n);

/* The first directory of PATH that does not exist (new string), or NULL when PATH exists. */
char *build_first_missing_dir(const char *path);

/* Removes OUTDIR and its parents down to CREATED (build_first_missing_dir), if empty. */
void build_remove_created_dirs(const char *outdir, const char *created);

#endif
