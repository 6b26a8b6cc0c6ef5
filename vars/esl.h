/* SPDX-License-Identifier: MIT */
/*
 * EFI signature databases: a concatenation of EFI_SIGNATURE_LIST records,
 * each holding EFI_SIGNATURE_DATA entries of one SignatureType and size
 * (UEFI 2.10 §32.4.1; vars.md §2).  This is the value of PK, KEK, db, dbx
 * and dbt, and what an ".esl" file holds.
 *
 * Builders follow what edk2 expects: every X.509 certificate in a list of
 * its own, hashes of one type grouped into one list, no SignatureHeader.
 * The parser accepts any well-formed database (unknown types too) and
 * rejects broken framing and wrong sizes for the types it knows.
 */
#ifndef IGVMKIT_VARS_ESL_H
#define IGVMKIT_VARS_ESL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"

/* sizeof(EFI_SIGNATURE_LIST) without the header and entries. */
#define ESL_LIST_HEADER_SIZE 28
/* SignatureOwner before each entry's data. */
#define ESL_OWNER_SIZE 16
/* Caps applied before allocating while parsing or building. */
#define ESL_LISTS_MAX 4096
#define ESL_ENTRIES_MAX 65536

struct esl_entry {
	struct ik_guid owner; /* SignatureOwner */
	uint8_t *data;	      /* SignatureData */
	size_t len;
};

struct esl_list {
	struct ik_guid type;   /* SignatureType */
	uint8_t *header;       /* SignatureHeader (SignatureHeaderSize bytes, usually none) */
	uint32_t header_size;
	uint32_t sig_size;     /* SignatureSize = 16 + data length */
	struct esl_entry *entries;
	size_t n_entries;
};

struct esl_db {
	struct esl_list *lists;
	size_t n_lists;
};

void esl_db_init(struct esl_db *db);
void esl_db_release(struct esl_db *db);

/* Total EFI_SIGNATURE_DATA entries over all lists. */
size_t esl_db_count(const struct esl_db *db);

/*
 * True when the bytes are framed as a signature database: the first
 * SignatureType is one igvmkit knows and the lists' headers tile the bytes
 * exactly.  Nothing is allocated and no cap applies, so a database that is
 * well framed but too large is still recognised (and esl_db_parse then
 * says which cap it exceeds, -E2BIG/-EFBIG).
 */
bool esl_db_sniff(const uint8_t *p, size_t len);

/*
 * Parses a whole signature database; lists must tile the bytes exactly.
 * Caps: ESL_LISTS_MAX lists, ESL_ENTRIES_MAX entries per list, one
 * certificate of at most VARS_CERT_DER_MAX bytes per X.509 list (-E2BIG /
 * -EFBIG, placed at the list's byte offset).
 */
int esl_db_parse(const uint8_t *p, size_t len, struct esl_db *ret, struct ik_diag *d);
/* The same for a database found at byte offset BASE of a file: messages give file offsets. */
int esl_db_parse_at(const uint8_t *p, size_t len, size_t base, struct esl_db *ret,
		    struct ik_diag *d);
/* Serialises the lists in order. */
int esl_db_serialize(const struct esl_db *db, struct ik_buf *out, struct ik_diag *d);

/*
 * Adds one DER certificate as its own EFI_CERT_X509 list.  edk2 accepts only
 * RSA keys there, so other keys are refused unless allow_non_rsa.
 * A certificate already in the database is an error (-EEXIST).
 */
int esl_db_add_x509(struct esl_db *db, const struct ik_guid *owner, const uint8_t *der,
		    size_t len, bool allow_non_rsa, struct ik_diag *d);

/*
 * Adds a hash entry of TYPE (EFI_CERT_SHA256_GUID, ...) to the first list of
 * that type, creating it if needed.  len must be the type's data size; for
 * EFI_CERT_X509_SHAxxx the data is hash || EFI_TIME.  Duplicates: -EEXIST.
 */
int esl_db_add_hash(struct esl_db *db, const struct ik_guid *type, const struct ik_guid *owner,
		    const uint8_t *data, size_t len, struct ik_diag *d);

/*
 * Adds the Authenticode SHA-256 of a PE/COFF image as an EFI_CERT_SHA256
 * entry (the db entry that lets this exact binary run).
 */
int esl_db_add_pe(struct esl_db *db, const struct ik_guid *owner, const uint8_t *pe, size_t len,
		  struct ik_diag *d);

/*
 * Adds an EFI_CERT_X509_SHA256 revocation entry for a certificate (hash of
 * its DER tbsCertificate, TimeOfRevocation all zero = "always revoked").
 */
int esl_db_add_x509_tbs_sha256(struct esl_db *db, const struct ik_guid *owner,
			       const uint8_t *der, size_t len, struct ik_diag *d);

/*
 * Appends every entry of SRC: X.509 lists are copied as they are, hash
 * entries join the first list of their type.  Duplicates: -EEXIST.
 */
int esl_db_merge(struct esl_db *db, const struct esl_db *src, struct ik_diag *d);

#endif
