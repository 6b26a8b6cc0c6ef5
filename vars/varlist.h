/* SPDX-License-Identifier: MIT */
/*
 * A set of UEFI variables: the model that variable-store images, QEMU
 * uefi-vars JSON and the IGVM Secure Boot data are written from and read
 * into.  One entry per (name, VendorGuid); names are held as UTF-8 and
 * stored on disk as UCS-2 with a terminating NUL.
 */
#ifndef IGVMKIT_VARS_VARLIST_H
#define IGVMKIT_VARS_VARLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "vars/efi_time.h"

/* Longest name accepted, in UCS-2 characters without the NUL. */
#define VARS_NAME_MAX_CHARS 1024
#define VARS_LIST_MAX 4096

struct vars_var {
	char *name;		 /* UTF-8 */
	struct ik_guid guid;	 /* VendorGuid */
	uint32_t attr;		 /* Attributes (never APPEND_WRITE) */
	struct vars_time time;	 /* TimeStamp (authenticated variables; zero otherwise) */
	uint64_t monotonic_count; /* MonotonicCount (carried from an input store) */
	uint32_t pubkey_index;	 /* PubKeyIndex (carried from an input store) */
	uint8_t *data;
	size_t len;
};

struct vars_list {
	struct vars_var *v;
	size_t n;
};

void vars_list_init(struct vars_list *l);
void vars_list_release(struct vars_list *l);

/* Index of (name, guid) or -1. */
ssize_t vars_list_find(const struct vars_list *l, const char *name, const struct ik_guid *guid);

/*
 * Adds a variable (copying name and data).  If it exists: replaced when
 * replace is true, otherwise -EEXIST ("duplicate variable").
 */
int vars_list_set(struct vars_list *l, const char *name, const struct ik_guid *guid,
		  uint32_t attr, const struct vars_time *time, const uint8_t *data, size_t len,
		  bool replace, struct ik_diag *d);
/* Removes (name, guid); returns 1 if removed, 0 if absent. */
int vars_list_remove(struct vars_list *l, const char *name, const struct ik_guid *guid);

/* UTF-8 name -> UCS-2LE bytes with the terminating NUL (what NameSize counts). */
int vars_name_to_ucs2(const char *name, struct ik_buf *out, struct ik_diag *d);
/* UCS-2LE bytes (NameSize bytes, NUL-terminated) -> malloc'd UTF-8. */
int vars_name_from_ucs2(const uint8_t *p, size_t len, char **ret, struct ik_diag *d);

#endif
