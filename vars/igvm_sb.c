/* SPDX-License-Identifier: MIT */
#include "vars/igvm_sb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "vars/efi.h"

/* Blob order and data types; OVMF itself enrols dbx, db, KEK, PK. */
static const struct {
	enum vars_sigdb which;
	uint32_t data_type;
} blob_table[] = {
	{ VARS_SIGDB_PK, EFI_IGVM_DATA_TYPE_PK },
	{ VARS_SIGDB_KEK, EFI_IGVM_DATA_TYPE_KEK },
	{ VARS_SIGDB_DB, EFI_IGVM_DATA_TYPE_DB },
	{ VARS_SIGDB_DBX, EFI_IGVM_DATA_TYPE_DBX },
};

void vars_igvm_sb_release(struct vars_igvm_sb *sb)
{
	if (!sb)
		return;
	for (size_t i = 0; i < sb->n_blobs; i++)
		free(sb->blobs[i].data);
	sb->n_blobs = 0;
}

static void put_hob(uint8_t *h, const struct vars_igvm_blob *b)
{
	ik_put_le16(h + 0, EFI_HOB_TYPE_GUID_EXTENSION); /* Header.HobType */
	ik_put_le16(h + 2, VARS_IGVM_DATA_HOB_SIZE);	  /* Header.HobLength */
	ik_put_le32(h + 4, 0);				  /* Header.Reserved */
	memcpy(h + 8, vars_guid_igvm_data_hob.b, 16);	  /* Name */
	ik_put_le64(h + 24, b->gpa);			  /* Address */
	ik_put_le64(h + 32, b->len);			  /* Length */
	ik_put_le32(h + 40, b->data_type);		  /* DataType */
	ik_put_le32(h + 44, 0);				  /* DataFlags */
}

int vars_igvm_sb_build(const struct vars_list *vars, uint64_t blob_gpa,
		       const struct vars_signer *pk_signer, struct vars_igvm_sb *ret,
		       struct ik_diag *d)
{
	struct vars_igvm_sb sb;
	uint64_t gpa = blob_gpa;
	uint8_t *h;
	int r = 0;

	if (!ik_is_aligned(blob_gpa, VARS_IGVM_PAGE_SIZE))
		return ik_fail(d, -EINVAL, "blob address 0x%" PRIx64 " is not 4 KiB aligned",
			       blob_gpa);
	memset(&sb, 0, sizeof(sb));
	for (size_t i = 0; i < IK_ARRAY_SIZE(blob_table) && r >= 0; i++) {
		enum vars_sigdb which = blob_table[i].which;
		const char *name = vars_sigdb_name(which);
		ssize_t at = vars_list_find(vars, name, vars_sigdb_guid(which));
		struct vars_auth_target t;
		struct ik_buf out;
		uint64_t pages;

		if (at < 0) {
			r = ik_fail(d, -EINVAL,
				    "IGVM Secure Boot data needs PK, KEK, db and dbx; '%s' is "
				    "missing (OVMF enrols only when all four are present)",
				    name);
			break;
		}
		r = vars_auth_target_for(name, NULL, false, &vars->v[at].time, &t, d);
		if (r < 0)
			break;
		ik_buf_init(&out, 0);
		r = vars_auth_create(&t, vars->v[at].data, vars->v[at].len,
				     which == VARS_SIGDB_PK ? pk_signer : NULL, &out, d);
		if (r < 0) {
			ik_buf_release(&out);
			break;
		}
		sb.blobs[i].gpa = gpa;
		sb.blobs[i].data_type = blob_table[i].data_type;
		sb.blobs[i].len = out.len;
		sb.blobs[i].data = ik_buf_take(&out, NULL);
		sb.n_blobs++;
		pages = ik_align_up(sb.blobs[i].len, VARS_IGVM_PAGE_SIZE);
		if (ik_add_overflow_u64(gpa, pages, &gpa))
			r = ik_fail(d, -ERANGE, "blobs run past the end of the address space");
	}
	if (r < 0) {
		vars_igvm_sb_release(&sb);
		return r;
	}
	h = sb.hob_page;
	for (size_t i = 0; i < sb.n_blobs; i++, h += VARS_IGVM_DATA_HOB_SIZE)
		put_hob(h, &sb.blobs[i]);
	ik_put_le16(h + 0, EFI_HOB_TYPE_END_OF_HOB_LIST);
	ik_put_le16(h + 2, 8);
	ik_put_le32(h + 4, 0);
	sb.end_gpa = gpa;
	*ret = sb;
	return 0;
}
