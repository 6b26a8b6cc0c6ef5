/* SPDX-License-Identifier: MIT */
/*
 * Customer regeneration (issue 7 item 3, `igvmkit regen`): new Secure Boot
 * seeds in a vendor's IGVM without the vendor's sources.
 *
 * The OVMF ROM of an IGVM is the run of 4 KiB PAGE_DATA that ends at 4 GiB
 * (for each platform mask); a unified OVMF.fd starts with its variable store
 * FV (for TDX the CFV), which vars_store_sniff()/vars_store_parse() recognise.
 * regen_igvm() rebuilds that store with the seeds applied, in the same
 * geometry, and points the affected PAGE_DATA headers of every platform at
 * the new page contents; headers, order, flags and everything else stay as
 * they are, so the file is re-measured like any other IGVM.
 *
 * A FUKI (a UKI add-on or a UKI with '.efifw' sections, on igvmkit's stub,
 * a systemd stub or any other EFI application) is unwrapped into its IGVM
 * payloads and re-wrapped around new payloads: every other section byte for
 * byte and in order, the '.efifw' sections where they were with the same
 * firmware ids (regen_fuki_*); the old signature is dropped, signing is the
 * caller's (sign/).
 */
#ifndef IGVMKIT_ASSEMBLE_REGEN_H
#define IGVMKIT_ASSEMBLE_REGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "vars/seed.h"
#include "igvm/igvm.h"
#include "measure/measure.h"

#define REGEN_ROM_TOP ((uint64_t)1 << 32) /* the ROM run ends here */
#define REGEN_FUKI_PAYLOADS_MAX 64u

/* Where the store was found, for the report. */
struct regen_store {
	uint64_t gpa;		    /* first page of the store FV */
	uint32_t fv_length;	    /* store FV size (geometry) */
	const char *geometry;	    /* "2m", "4m" */
	uint32_t masks;		    /* platform masks whose ROM pages hold it */
	size_t old_vars, new_vars;  /* live variables before and after */
	size_t pages_changed;	    /* PAGE_DATA headers given new contents */
	bool dropped_id_block;	    /* an SNP_ID_BLOCK was removed (its digest is stale) */
	struct measure_secure_boot secure_boot; /* the state the new store leaves */
	bool setup_mode_warning;    /* the seed touches Secure Boot but leaves no PK */
};

struct regen_opts {
	struct vars_seed *seed;	  /* what to write (vars_seed_apply semantics) */
	bool append;		  /* db/dbx/KEK entries join the store's instead of replacing them */
	bool drop_id_block;	  /* remove SNP_ID_BLOCK headers instead of refusing them */
};

/*
 * Replaces the seeds of the variable store in F's ROM pages (see above).
 * New page contents are added to F's blob store.  Fails with -EINVAL when no
 * platform's ROM run starts with a variable store, -ENOTSUP for 2 MiB ROM
 * pages or platforms whose stores differ, -EINVAL for an SNP_ID_BLOCK unless
 * drop_id_block.  F is unchanged on failure only as far as the headers go
 * (blobs may have been added); callers discard it.
 */
int regen_igvm(struct igvm_file *f, const struct regen_opts *o, struct regen_store *ret,
	       struct ik_diag *d);

/* The ROM image of platform MASK (the PAGE_DATA run ending at 4 GiB), malloc'd. */
int regen_rom_image(const struct igvm_file *f, uint32_t mask, uint8_t **ret, size_t *ret_len,
		    uint64_t *ret_gpa, struct ik_diag *d);

/* Where the variable store at the start of a platform's ROM run lies. */
struct regen_store_desc {
	uint64_t rom_gpa;	 /* the ROM run: rom_gpa .. 4 GiB */
	size_t rom_len;
	uint32_t fv_length;	 /* store FV (the vars part): rom_gpa .. rom_gpa + fv_length */
	const char *geometry;	 /* "2m", "4m" */
	const char *description; /* "OVMF_VARS.fd (OVMF 1 MiB and 2 MiB builds)" */
	size_t n_vars;		 /* live variables */
	size_t used, capacity;	 /* bytes of the variable area in use, and its size */
};

/*
 * The variable store at the start of platform MASK's ROM run, as `inspect`
 * describes it and the boot-time prediction reads it: 1 with *RET filled (and,
 * when RET_ROM is not NULL, the run's rom_len bytes in *RET_ROM, malloc'd; the
 * store is their first fv_length), 0 when the run does not start with a store;
 * a damaged store fails with its place ("variable store at gpa 0x...").
 */
int regen_rom_store(const struct igvm_file *f, uint32_t mask, struct regen_store_desc *ret,
		    uint8_t **ret_rom, struct ik_diag *d);

/*
 * `inspect` text for the IGVM file P: per platform whose ROM run starts with a
 * variable store, where the store (the vars part) and the code above it lie —
 * a unified OVMF.fd and a split build's vars + code give the same pages.
 * Appends nothing when no platform has one; fails only when OUT cannot grow.
 */
int regen_store_text(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
		     struct ik_buf *out);

/* ---- FUKI ---- */

/* True when the bytes start like a PE image ("MZ"). */
bool regen_is_pe(const uint8_t *p, size_t len);

struct regen_fuki_payload {
	char fwid[256];
	const uint8_t *data; /* IGVM bytes, borrowed from the input */
	size_t len;
};

struct regen_fuki {
	const uint8_t *pe; /* the input (borrowed) */
	size_t len;
	const char *file;
	bool was_signed;
	struct regen_fuki_payload payloads[REGEN_FUKI_PAYLOADS_MAX];
	size_t n_payloads;
};

/*
 * Parses a FUKI and lists its '.efifw' payloads into *RET (written only on
 * success).  -EINVAL for a PE image without '.efifw'.  Re-wrapping moves the
 * sections from the first '.efifw' on, so -ENOTSUP names one of them that
 * cannot move: code, uninitialized data, data outside the file or before the
 * sections ahead, or the target of the entry point or a data directory.
 */
int regen_fuki_open(const uint8_t *pe, size_t len, const char *file, struct regen_fuki *ret,
		    struct ik_diag *d);

/*
 * Appends the new unsigned FUKI to OUT: the input up to its first '.efifw'
 * section as it was (headers patched: section count, sizes, no certificate
 * table), then that and every later section appended again in the same order
 * with the same names and characteristics as 'igvmkit fuki' appends them,
 * each '.efifw' holding its fwid and NEW_IGVM[i] (N must be fk->n_payloads).
 * On an add-on from 'igvmkit fuki' this equals wrapping NEW_IGVM with it.
 */
int regen_fuki_rewrap(const struct regen_fuki *fk, const struct ik_buf *new_igvm, size_t n,
		      struct ik_buf *out, struct ik_diag *d);

#endif
