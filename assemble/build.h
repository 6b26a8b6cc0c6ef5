/* SPDX-License-Identifier: MIT */
/*
 * The build pipeline behind `igvmkit build` (docs/cmd/build.md): a layout, or
 * each of its variants, becomes an IGVM file with the measurements JSON of
 * every platform and option set the layout measures (measure_igvm_matrix),
 * the SNP ID block the layout asks for, its FUKI add-on (Authenticode-signed
 * per outputs.sign) and its QEMU firmware descriptor; and optionally one more
 * FUKI add-on packing the IGVM of every variant ("fuki-all", with '.hwids').
 *
 * Outputs are committed all or none.  Each IGVM and FUKI is streamed into a
 * temporary file in the output directory while it is built (common/fileio
 * ik_out_*, so a fatal signal handler calling ik_out_remove_temps cleans up),
 * the small outputs are held in memory, and only when every requested variant
 * has built are all of them renamed into place together (ik_out_commit_all).
 * A failure leaves every target as it was and removes the temporaries and the
 * output directories the run created.  In check mode nothing is written: the
 * outputs are built in memory and compared with the files already there.
 *
 * The library never prints.  What a front end shows comes back as data: the
 * products with their file names, sizes, SHA-256s and measurements, the
 * layout warnings, the check verdicts with their explanations
 * (struct build_result), and, while the build runs, the steps it takes
 * (build_opts.on_step), so progress and warnings can be shown as they happen.
 */
#ifndef IGVMKIT_ASSEMBLE_BUILD_H
#define IGVMKIT_ASSEMBLE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assemble/layout_build.h"
#include "common/diag.h"
#include "common/digest.h"
#include "layout/layout.h"
#include "measure/measure.h"

/* The files one product may have, in the order they are written and listed. */
enum build_file_kind {
	BUILD_FILE_IGVM,	 /* outputs.igvm */
	BUILD_FILE_MEASUREMENTS, /* outputs.measurements: the measurements JSON */
	BUILD_FILE_FUKI,	 /* outputs.fuki, or the fuki-all add-on */
	BUILD_FILE_DESCRIPTOR,	 /* outputs.descriptor / build_opts.descriptor_dir */
	BUILD_FILE_KIND_COUNT,
};

/* One output file of a product. */
struct build_file {
	char *name;		       /* inside the output directory; NULL = the product has none */
	size_t len;		       /* bytes written (or, in check mode, rebuilt) */
	bool has_sha256;	       /* false only when hashing failed */
	uint8_t sha256[IK_SHA256_LEN]; /* of those bytes */
};

/* One CoRIM output (outputs.corim): a document, a signature or a signed document. */
struct build_corim_file {
	struct build_file file;
	char *what; /* "launch-measurement CoRIM (SEV_SNP)", "detached COSE_Sign1 ES384 of NAME", ... */
};

/*
 * One variant's results (the base layout's when no variant applies), or the
 * fuki-all add-on, which has only files[BUILD_FILE_FUKI].
 */
struct build_product {
	char *variant; /* variant applied, or NULL */
	struct build_file files[BUILD_FILE_KIND_COUNT];
	bool fuki_signed; /* files[BUILD_FILE_FUKI] carries an Authenticode signature */
	/* The reference values of the measurements JSON, in its order (none without it). */
	struct measure_result *results;
	size_t n_results;
	/* The layout builder's warnings for this variant (layout_build). */
	struct layout_warnings warnings;
	/* outputs.corim: the CoRIM files, in the order written (after the files above) */
	struct build_corim_file *corim;
	size_t n_corim;
	size_t n_corim_embedded; /* CORIM_DOCUMENT/CORIM_SIGNATURE headers put into the IGVM */
	/* The measurements JSON's boot object (a store: rom seed): its PCR 7, for the summary. */
	bool has_boot;
	bool pcr7_complete; /* false: the authorities of the images booted are not in it */
	uint8_t pcr7_sha256[IK_SHA256_LEN];
};

/* Check mode: how an existing output compares with its rebuild. */
enum build_verdict {
	BUILD_IDENTICAL,  /* byte for byte */
	BUILD_MISSING,	  /* no such file */
	BUILD_UNREADABLE, /* differs, and the diff library cannot read the existing file */
	BUILD_DIFFERS,	  /* differs; explanation holds the diff report */
};

struct build_check {
	char *path; /* OUTPUT_DIR/NAME, as the output directory was given */
	enum build_verdict verdict;
	size_t rebuilt_len; /* size of the rebuilt output */
	/*
	 * BUILD_UNREADABLE: why the existing file cannot be compared ("place: message");
	 * BUILD_DIFFERS: the report naming the headers, pages or sections that differ
	 * (diff_report_text, 20 differences at most; lines end in '\n'); otherwise NULL.
	 */
	char *explanation;
};

/*
 * What a build did.  Owned by the caller (build_result_free), everything in
 * it owned by it.  After a failure it holds what was done before (the
 * products begun, their warnings, the verdicts given so far).
 */
struct build_result {
	/* One per variant built, in build order, then the fuki-all add-on if any. */
	struct build_product *products;
	size_t n_products;
	/* Every output's name, in the order written (or compared); point into products. */
	const char **outputs;
	size_t n_outputs;
	/* Check mode: one verdict per output compared, in the order of outputs. */
	struct build_check *checks;
	size_t n_checks;
	size_t n_mismatches; /* verdicts other than BUILD_IDENTICAL */
};

void build_result_free(struct build_result *r);

/* Steps reported while the build runs (build_opts.on_step), in order. */
enum build_step_kind {
	BUILD_STEP_VARIANT,	 /* variant INDEX of COUNT is about to be assembled and measured */
	BUILD_STEP_VARIANT_DONE, /* it has built, or failed: PRODUCT holds its warnings */
	BUILD_STEP_FUKI_ALL,	 /* COUNT IGVM files are about to be packed into FUKI_ALL */
};

struct build_step {
	enum build_step_kind kind;
	size_t index, count;
	const char *variant;	 /* the variant of this step, or NULL for the base layout */
	const char *layout_path; /* build_opts.load.path */
	bool describing;	 /* build_opts.descriptor_dir is set */
	const char *fuki_all;	 /* BUILD_STEP_FUKI_ALL: the add-on's name */
	bool signing;		 /* BUILD_STEP_FUKI_ALL: the add-on gets signed */
	const struct build_product *product; /* BUILD_STEP_VARIANT_DONE; valid during the call */
};

struct build_opts {
	/*
	 * The layout: a file or an embedded one, -D values, environment and
	 * SOURCE_DATE_EPOCH (which also becomes the FUKI add-ons' PE
	 * TimeDateStamp; NULL = 0).  load.variant: the one variant to build, or
	 * NULL for the base layout.
	 */
	struct layout_load_opts load;
	bool all_variants; /* build every variant instead (load.variant must be NULL) */
	/* The layout as layout_load(&load) returns it, when the caller has it already
	 * (borrowed; saves loading it again), or NULL. */
	const struct layout *base;
	const char *output_dir; /* where outputs go (created if missing); NULL = "." */
	bool no_measurements;	/* compute and write no measurements JSON */
	/* Also pack every IGVM built into this FUKI add-on (a plain file name), or
	 * NULL for the layout's outputs.fuki-all; HWIDS: its CHID files or directories. */
	const char *fuki_all;
	const char *const *hwids;
	size_t n_hwids;
	/* Write a QEMU firmware descriptor beside each IGVM naming DESCRIPTOR_DIR/IGVM
	 * (absolute), or NULL for what the layout's outputs.descriptor says. */
	const char *descriptor_dir;
	bool check; /* compare with the outputs in output_dir instead of writing */
	/* Called at each step (build_step), or NULL. */
	void (*on_step)(const struct build_step *s, void *userdata);
	void *userdata;
};

/*
 * Checks that O fits BASE, the layout O loads (build_run does this first):
 * -EINVAL with D's message when all_variants meets a layout without variants,
 * hwids come without a fuki-all add-on, variant and all_variants are both
 * given, fuki_all is not a plain file name or descriptor_dir not absolute.
 */
int build_opts_validate(const struct build_opts *o, const struct layout *base, struct ik_diag *d);

/*
 * Builds what O asks for (see above), commits all outputs or none, or in
 * check mode compares them with the output directory's files.  Returns 0 on
 * success (check mode: also when outputs differ; see n_mismatches), or
 * -errno with D naming the layout place, input or output concerned.  *RET
 * receives the result either way (NULL only when it could not be allocated);
 * the caller frees it with build_result_free.
 */
int build_run(const struct build_opts *o, struct build_result **ret, struct ik_diag *d);

#endif
