/* SPDX-License-Identifier: MIT */
/* igvmkit measure --corim: the CoRIM outputs (cli/measure_corim.c, docs/cmd/measure.md). */
#ifndef IGVMKIT_CLI_MEASURE_CORIM_H
#define IGVMKIT_CLI_MEASURE_CORIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/diag.h"
#include "igvm/igvm.h"
#include "assemble/igvm_corim.h"
#include "measure/measure.h"

#define MEASURE_CORIM_FILES_MAX 6u /* -snp, -tdx, -matrix: .cbor, and .cose when signed */

struct measure_corim_req {
	const char *prefix;	     /* PREFIX of PREFIX-snp.cbor ... */
	bool launch, matrix;	     /* --corim-profile */
	uint64_t svn;		     /* --svn (launch-measurement) */
	const struct measure_opts *o; /* the command's options: loader, VMM, vCPU count and type */
	bool has_vcpus;		     /* --vcpus given: the matrix has that count only */
	bool has_profile, has_svn;   /* --corim-profile, --svn given */
	struct igvm_corim_sign_spec sign; /* --corim-key/--corim-cert/--corim-alg; key NULL: unsigned */
};

/*
 * The checks of the --corim options once all are read (2 with the message, else 0); fills in
 * the default profile (all).  HAS_VCPU_SIGNATURE without VCPU_TYPE is refused: the matrix names
 * vCPU types.
 */
int measure_corim_args_check(struct measure_corim_req *q, bool has_vcpu_signature, const char *vcpu_type);

struct measure_corim_file {
	char *path;
	struct ik_buf bytes;
};

struct measure_corim_files {
	struct measure_corim_file file[MEASURE_CORIM_FILES_MAX];
	size_t n;
};

/*
 * Encodes the documents Q asks for from F (IMG: F's bytes described), into *RET (empty before);
 * with Q->sign.key each document also gets its detached COSE_Sign1 as PREFIX-*.cose, as
 * `igvmkit build` writes them for outputs.corim.sign (assemble/igvm_corim.h).
 */
int measure_corim_prepare(const struct measure_corim_req *q, const struct igvm_file *f,
			  const struct measure_image *img, struct measure_corim_files *ret,
			  struct ik_diag *d);
void measure_corim_files_release(struct measure_corim_files *f);

/*
 * Writes JSON to JSON_PATH (if not NULL) and FILES, committing all of them or none (a device
 * target is then refused, as by every command committing several outputs); JSON alone is
 * written as ik_write_file_atomic() writes one file (through a device).
 */
int measure_outputs_commit(const char *json_path, const struct ik_buf *json,
			   const struct measure_corim_files *files, struct ik_diag *d);

/* -v: what was measured (cli/measure_help.c; kept apart so that cmd_measure.c stays short). */
void measure_print_summary(FILE *out, const char *path, const struct measure_result *res);
/* --list-vcpu-types: the table of vCPU types (cli/measure_help.c); returns IK_EXIT_OK. */
int measure_list_vcpu_types(void);
/* --expect: 0, or 1 (with the message) unless the digest is EXPECT; 2 for a malformed EXPECT. */
int measure_cli_expect(const char *expect, const struct measure_result *res);
/* Prints why the SNP ID block check refused the launch (cli/measure_help.c); returns 1. */
int measure_cli_id_block_refused(const struct measure_id_block_failure *fail, const struct ik_diag *d);

#endif
