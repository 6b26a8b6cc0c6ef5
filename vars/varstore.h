/* SPDX-License-Identifier: MIT */
/*
 * edk2/OVMF non-volatile variable store images (OVMF_VARS*.fd; vars.md §5):
 * one firmware volume holding the authenticated variable store, the event
 * log area and the fault-tolerant-write working and spare blocks.  OVMF
 * erases a store whose geometry is not exactly that of its own build, so
 * only the geometries in the table below are written or accepted.
 */
#ifndef IGVMKIT_VARS_VARSTORE_H
#define IGVMKIT_VARS_VARSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "vars/varlist.h"

struct vars_store_geometry {
	const char *name;	    /* "2m", "4m": what --size accepts besides the byte count */
	const char *description;    /* "OVMF_VARS.fd (OVMF 1 MiB and 2 MiB builds)" */
	uint32_t fv_length;	    /* FvLength = whole image */
	uint32_t live_size;	    /* FV header + variable store */
	uint32_t event_log_size;    /* NV_EVENT_LOG */
	uint32_t ftw_working_size;  /* NV_FTW_WORKING */
	uint32_t ftw_spare_size;    /* NV_FTW_SPARE */
};

/* EFI_FIRMWARE_VOLUME_HEADER + VARIABLE_STORE_HEADER sizes; variables start here. */
#define VARS_FV_HEADER_SIZE 0x48
#define VARS_STORE_HEADER_SIZE 0x1c
#define VARS_FIRST_VARIABLE_OFFSET (VARS_FV_HEADER_SIZE + VARS_STORE_HEADER_SIZE)
/* AUTHENTICATED_VARIABLE_HEADER. */
#define VARS_AUTH_VAR_HEADER_SIZE 60

const struct vars_store_geometry *vars_store_geometry_at(size_t i); /* NULL past the end */
/* By FvLength (0x20000, 0x84000) or name ("2m", "4m"); error names the accepted sizes. */
int vars_store_geometry_find(uint64_t size, const char *name,
			     const struct vars_store_geometry **ret, struct ik_diag *d);

/* By what a user writes: a name ("2m", "4m") or a byte count ("0x20000", "540672"). */
int vars_store_geometry_parse(const char *size, const struct vars_store_geometry **ret,
			      struct ik_diag *d);

/* Bytes a variable takes in the store, header and 4-byte alignment included. */
int vars_store_entry_size(const struct vars_var *v, size_t *ret, struct ik_diag *d);

/*
 * Writes a complete store image of geometry G holding VARS (in order, State
 * VAR_ADDED, 0xFF padding).  An empty list gives exactly Debian's empty
 * OVMF_VARS.fd / OVMF_VARS_4M.fd.  -E2BIG when the variables do not fit.
 */
int vars_store_build(const struct vars_store_geometry *g, const struct vars_list *vars,
		     struct ik_buf *out, struct ik_diag *d);

/* Per-entry facts the parser reports (inspect). */
struct vars_store_entry_info {
	size_t offset; /* of the AUTHENTICATED_VARIABLE_HEADER, in the input */
	uint8_t state;
};

struct vars_store_info {
	const struct vars_store_geometry *geometry;
	size_t fv_offset;   /* where the variable FV starts in the input (0) */
	bool embedded;	    /* the input is larger: a unified OVMF.fd whose first FV is the store */
	size_t used_end;    /* offset just after the last entry */
	size_t live_end;    /* end of the variable store area */
	size_t n_entries;   /* headers seen, deleted ones included */
	size_t n_deleted;
	bool ftw_valid;	    /* FTW working block header signature and CRC intact */
	bool ftw_queue_empty;
	struct vars_store_entry_info *valid; /* one per variable returned, same order; owned */
};

void vars_store_info_release(struct vars_store_info *info);

/* True when the bytes start with an NvData firmware volume (cheap check, no validation). */
bool vars_store_sniff(const uint8_t *p, size_t len);

/*
 * Parses and validates a store image (or a unified OVMF.fd that begins with
 * one) and returns its live variables: VAR_ADDED entries, plus
 * IN_DELETED_TRANSITION ones that have no VAR_ADDED copy.  info may be NULL.
 */
int vars_store_parse(const uint8_t *p, size_t len, struct vars_list *ret,
		     struct vars_store_info *info, struct ik_diag *d);

/*
 * Replaces, in place, the variable store at the start of a firmware image
 * (a unified OVMF.fd, whose first FV is the store; for TDX this region is
 * the CFV) by one holding VARS in the same geometry.  The rest of the image
 * is left as it is.
 */
int vars_store_replace_in_image(uint8_t *img, size_t len, const struct vars_list *vars,
				struct ik_diag *d);

#endif
