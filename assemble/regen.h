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
 * A FUKI (UKI add-on with '.efifw' sections) is unwrapped into its IGVM
 * payloads and re-wrapped with the same sections, in order, around new
 * payloads (regen_fuki_*); signing is the caller's (sign/).
 */
#ifndef IGVMKIT_ASSEMBLE_REGEN_H
#define IGVMKIT_ASSEMBLE_REGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../common/diag.h"
#include "../vars/seed.h"
#include "igvm.h"

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
 * Parses a FUKI add-on and lists its '.efifw' payloads.  Only add-ons on
 * igvmkit's own stub can be re-wrapped byte for byte; others are refused
 * (-ENOTSUP) naming the section that differs.
 */
int regen_fuki_open(const uint8_t *pe, size_t len, const char *file, struct regen_fuki *ret,
		    struct ik_diag *d);

/*
 * Writes a new unsigned add-on into OUT: the same stub (machine,
 * TimeDateStamp), the same sections in the same order with the same
 * characteristics, each '.efifw' holding its fwid and NEW_IGVM[i].
 */
int regen_fuki_rewrap(const struct regen_fuki *fk, const struct ik_buf *new_igvm, size_t n,
		      struct ik_buf *out, struct ik_diag *d);

#endif
