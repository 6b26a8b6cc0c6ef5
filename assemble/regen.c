/* SPDX-License-Identifier: MIT */
#include "regen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../fuki/efifw.h"
#include "../fuki/pe.h"
#include "../fuki/pe_build.h"
#include "../vars/efi.h"
#include "../vars/esl.h"
#include "../vars/varlist.h"
#include "../vars/varstore.h"

/* The ROM of a guest is at most 1 GiB below 4 GiB (QEMU's flash limit is far lower). */
#define REGEN_ROM_MAX_PAGES (((size_t)1 << 30) / IGVM_PAGE_SIZE_4K)

/*
 * For platform MASK: IDX[k] = 1 + index of the PAGE_DATA header of the page
 * at 4 GiB - (k + 1) * 4 KiB, for the run of consecutive pages ending at
 * 4 GiB; returns the run length in pages through *RET_N.
 */
static int rom_run(const struct igvm_file *f, uint32_t mask, size_t **ret_idx, size_t *ret_n,
		   struct ik_diag *d)
{
	size_t *idx = calloc(REGEN_ROM_MAX_PAGES, sizeof(*idx));
	size_t n = 0;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_vhs_page_data *pd = &h->u.page_data;

		if (h->type != IGVM_VHT_PAGE_DATA || !(pd->compatibility_mask & mask))
			continue;
		if (pd->gpa >= REGEN_ROM_TOP || pd->gpa < REGEN_ROM_TOP - ((uint64_t)REGEN_ROM_MAX_PAGES << 12))
			continue;
		size_t k = (size_t)((REGEN_ROM_TOP - pd->gpa) >> 12) - 1;
		if (pd->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE) {
			free(idx);
			ik_diag_place(d, -ENOTSUP, "header %zu (PAGE_DATA)", i);
			return ik_fail(d, -ENOTSUP,
				       "the ROM pages below 4 GiB use 2 MiB pages at gpa 0x%" PRIx64 "; regen handles 4 KiB ROM pages",
				       pd->gpa);
		}
		if (!idx[k])
			idx[k] = i + 1;
	}
	while (n < REGEN_ROM_MAX_PAGES && idx[n])
		n++;
	*ret_idx = idx;
	*ret_n = n;
	return 0;
}

/* ROM bytes of the run; IDS (NULL = the headers' own) gives each header's blob id. */
static int rom_from_run(const struct igvm_file *f, const igvm_blob_id *ids, const size_t *idx,
			size_t n, uint8_t **ret)
{
	uint8_t *rom = calloc(n ? n : 1, IGVM_PAGE_SIZE_4K);

	if (!rom)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		size_t h = idx[k] - 1;
		const struct igvm_blob *b = igvm_blob_get(f, ids ? ids[h] : f->headers[h].data);
		uint8_t *page = rom + (n - 1 - k) * IGVM_PAGE_SIZE_4K;
		if (b)
			memcpy(page, b->bytes, b->len < IGVM_PAGE_SIZE_4K ? b->len : IGVM_PAGE_SIZE_4K);
	}
	*ret = rom;
	return 0;
}

int regen_rom_image(const struct igvm_file *f, uint32_t mask, uint8_t **ret, size_t *ret_len,
		    uint64_t *ret_gpa, struct ik_diag *d)
{
	_cleanup_free_ size_t *idx = NULL;
	size_t n;
	uint8_t *rom;
	int r = rom_run(f, mask, &idx, &n, d);

	if (r < 0)
		return r;
	r = rom_from_run(f, NULL, idx, n, &rom);
	if (r < 0)
		return r;
	*ret = rom;
	*ret_len = n * IGVM_PAGE_SIZE_4K;
	*ret_gpa = REGEN_ROM_TOP - (uint64_t)n * IGVM_PAGE_SIZE_4K;
	return 0;
}

/* With o->append: each given KEK/db/dbx/dbt keeps the store's entries and adds the seed's. */
static int merge_existing(struct vars_seed *seed, const struct vars_list *vars, struct ik_diag *d)
{
	for (int i = VARS_SIGDB_KEK; i < VARS_SIGDB_MAX; i++) {
		struct vars_seed_db *sd = &seed->sigdb[i];
		ssize_t at = vars_list_find(vars, vars_sigdb_name((enum vars_sigdb)i),
					    vars_sigdb_guid((enum vars_sigdb)i));
		struct esl_db have;
		int r;

		if (!sd->given || at < 0)
			continue;
		esl_db_init(&have);
		r = esl_db_parse(vars->v[at].data, vars->v[at].len, &have, d);
		if (r >= 0)
			r = esl_db_merge(&have, &sd->db, d);
		if (r < 0) {
			esl_db_release(&have);
			return ik_diag_place(d, r, "%s of the store", vars_sigdb_name((enum vars_sigdb)i));
		}
		esl_db_release(&sd->db);
		sd->db = have;
	}
	return 0;
}

/* Builds the new store FV (G->fv_length bytes) from the old ROM image. */
static int new_store(const uint8_t *rom, size_t len, const struct regen_opts *o,
		     struct regen_store *st, uint8_t **ret, struct ik_diag *d)
{
	struct vars_list vars;
	struct vars_store_info info;
	uint8_t *img = NULL;
	int r;

	vars_list_init(&vars);
	memset(&info, 0, sizeof(info));
	r = vars_store_parse(rom, len, &vars, &info, d);
	if (r < 0)
		goto out;
	st->fv_length = info.geometry->fv_length;
	st->geometry = info.geometry->name;
	st->old_vars = vars.n;
	if (o->append)
		r = merge_existing(o->seed, &vars, d);
	if (r >= 0)
		r = vars_seed_apply(o->seed, &vars, d);
	if (r < 0)
		goto out;
	st->new_vars = vars.n;
	img = malloc(len);
	if (!img) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(img, rom, len);
	r = vars_store_replace_in_image(img, len, &vars, d);
	if (r < 0) {
		free(img);
		goto out;
	}
	*ret = img;
out:
	vars_store_info_release(&info);
	vars_list_release(&vars);
	return r;
}

static int check_id_blocks(struct igvm_file *f, const struct regen_opts *o, struct regen_store *st,
			   struct ik_diag *d)
{
	size_t w = 0;

	for (size_t i = 0; i < f->n_headers; i++) {
		if (f->headers[i].type == IGVM_VHT_SNP_ID_BLOCK) {
			if (!o->drop_id_block) {
				ik_diag_place(d, -EINVAL, "header %zu (SNP_ID_BLOCK)", i);
				return ik_fail(d, -EINVAL,
					       "the SNP ID block signs the old launch digest; pass --drop-id-block and sign the new one with 'igvmkit sign-id-block'");
			}
			st->dropped_id_block = true;
			continue;
		}
		f->headers[w++] = f->headers[i];
	}
	f->n_headers = w;
	return 0;
}

/* Whether blobs A and B hold the same bytes (IGVM_NO_BLOB holds none). */
static bool same_blob_bytes(const struct igvm_file *f, igvm_blob_id a, igvm_blob_id b)
{
	const struct igvm_blob *x = igvm_blob_get(f, a), *y = igvm_blob_get(f, b);

	if (a == b)
		return true;
	if (!x || !y)
		return false;
	return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
}

int regen_igvm(struct igvm_file *f, const struct regen_opts *o, struct regen_store *ret,
	       struct ik_diag *d)
{
	struct regen_store st;
	_cleanup_free_ uint8_t *first_old = NULL;
	_cleanup_free_ uint8_t *store = NULL;
	_cleanup_free_ igvm_blob_id *assigned = NULL;
	_cleanup_free_ igvm_blob_id *orig = NULL;
	int r;

	if (!f || !o || !o->seed)
		return ik_fail(d, -EINVAL, "no IGVM or seed given");
	memset(&st, 0, sizeof(st));
	r = check_id_blocks(f, o, &st, d);
	if (r < 0)
		return r;
	assigned = calloc(f->n_headers ? f->n_headers : 1, sizeof(*assigned));
	orig = calloc(f->n_headers ? f->n_headers : 1, sizeof(*orig));
	if (!assigned || !orig)
		return -ENOMEM;
	/* every platform's ROM is read as the vendor wrote it, whatever was rewritten already */
	for (size_t i = 0; i < f->n_headers; i++)
		orig[i] = f->headers[i].data;
	for (size_t p = 0; p < f->n_headers; p++) {
		const struct igvm_header *ph = &f->headers[p];
		_cleanup_free_ size_t *idx = NULL;
		_cleanup_free_ uint8_t *rom = NULL;
		size_t n;

		if (ph->type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		uint32_t mask = ph->u.supported_platform.compatibility_mask;
		r = rom_run(f, mask, &idx, &n, d);
		if (r < 0)
			return r;
		if (n == 0)
			continue;
		r = rom_from_run(f, orig, idx, n, &rom);
		if (r < 0)
			return r;
		size_t len = n * IGVM_PAGE_SIZE_4K;
		if (!vars_store_sniff(rom, len))
			continue;
		if (!store) {
			r = new_store(rom, len, o, &st, &store, d);
			if (r < 0)
				return ik_diag_place(d, r, "variable store of %s at gpa 0x%" PRIx64,
						     igvm_platform_name(ph->u.supported_platform.platform_type),
						     REGEN_ROM_TOP - len);
			first_old = malloc(st.fv_length);
			if (!first_old)
				return -ENOMEM;
			memcpy(first_old, rom, st.fv_length);
			st.gpa = REGEN_ROM_TOP - len;
		} else if (len < st.fv_length || memcmp(first_old, rom, st.fv_length) != 0 ||
			   REGEN_ROM_TOP - len != st.gpa) {
			return ik_fail(d, -ENOTSUP,
				       "platforms hold different variable stores in their ROM pages (%s at 0x%" PRIx64 " differs); regen needs one store",
				       igvm_platform_name(ph->u.supported_platform.platform_type),
				       REGEN_ROM_TOP - len);
		}
		st.masks |= mask;
		for (size_t off = 0; off < st.fv_length; off += IGVM_PAGE_SIZE_4K) {
			size_t k = n - 1 - off / IGVM_PAGE_SIZE_4K;
			size_t h = idx[k] - 1;
			igvm_blob_id id;

			r = igvm_blob_add(f, store + off, IGVM_PAGE_SIZE_4K, &id);
			if (r < 0)
				return r;
			if (assigned[h] && assigned[h] != id)
				return ik_fail(d, -ENOTSUP, "header %zu (PAGE_DATA) is shared by platforms whose stores lie differently",
					       h);
			/* by contents: a model read from a file shares blobs by file offset only */
			if (!assigned[h] && !same_blob_bytes(f, orig[h], id))
				st.pages_changed++;
			assigned[h] = id;
			f->headers[h].data = id;
		}
	}
	if (!store)
		return ik_fail(d, -EINVAL,
			       "no variable store in the ROM pages: no platform's PAGE_DATA run ending at 4 GiB starts with an NvData firmware volume (an IGVM of a split OVMF_CODE build, or without OVMF)");
	*ret = st;
	return 0;
}

/* ---- FUKI ---- */

bool regen_is_pe(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 'M' && p[1] == 'Z';
}

static size_t section_len(const struct pe_section *s)
{
	return s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;
}

int regen_fuki_open(const uint8_t *data, size_t len, const char *file, struct regen_fuki *ret,
		    struct ik_diag *d)
{
	struct pe_image *pe = calloc(1, sizeof(*pe));
	struct pe_image *stub_pe = calloc(1, sizeof(*stub_pe));
	struct ik_buf stub;
	int r;

	ik_buf_init(&stub, 0);
	memset(ret, 0, sizeof(*ret));
	if (!pe || !stub_pe) {
		r = -ENOMEM;
		goto out;
	}
	r = pe_parse(data, len, file, pe, d);
	if (r < 0)
		goto out;
	ret->pe = data;
	ret->len = len;
	ret->file = file;
	ret->was_signed = pe->n_certs > 0;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct efifw_view v;

		if (strcmp(s->Name, ".efifw") != 0)
			continue;
		if (ret->n_payloads == REGEN_FUKI_PAYLOADS_MAX) {
			r = ik_fail(d, -E2BIG, "more than %u '.efifw' sections", REGEN_FUKI_PAYLOADS_MAX);
			goto out;
		}
		r = efifw_parse(data + s->PointerToRawData, section_len(s), &v, d);
		if (r < 0) {
			ik_diag_place(d, r, "section %zu (.efifw)", i);
			goto out;
		}
		struct regen_fuki_payload *pl = &ret->payloads[ret->n_payloads++];
		snprintf(pl->fwid, sizeof(pl->fwid), "%s", v.fwid);
		pl->data = v.payload;
		pl->len = v.payload_len;
	}
	if (ret->n_payloads == 0) {
		r = ik_fail(d, -EINVAL, "the PE has no '.efifw' section (not a FUKI)");
		goto out;
	}
	/* Re-wrapping rebuilds igvmkit's stub: the input's first section must be that stub's code. */
	r = pe_build_stub(pe->Machine, pe->TimeDateStamp, 0, &stub, d);
	if (r >= 0)
		r = pe_parse(stub.data, stub.len, "stub", stub_pe, d);
	if (r < 0)
		goto out;
	if (pe->NumberOfSections < 1 || strcmp(pe->sections[0].Name, stub_pe->sections[0].Name) != 0 ||
	    section_len(&pe->sections[0]) != section_len(&stub_pe->sections[0]) ||
	    memcmp(data + pe->sections[0].PointerToRawData, stub.data + stub_pe->sections[0].PointerToRawData,
		   section_len(&stub_pe->sections[0])) != 0 ||
	    pe->Subsystem != stub_pe->Subsystem) {
		ik_diag_place(d, -ENOTSUP, "section 0 (%s)", pe->sections[0].Name);
		r = ik_fail(d, -ENOTSUP,
			    "the FUKI is not an add-on on igvmkit's stub (e.g. '.efifw' added to a UKI); regenerate its IGVM and wrap it again with 'igvmkit fuki --into'");
	}
out:
	ik_buf_release(&stub);
	free(pe);
	free(stub_pe);
	return r;
}

int regen_fuki_rewrap(const struct regen_fuki *fk, const struct ik_buf *new_igvm, size_t n,
		      struct ik_buf *out, struct ik_diag *d)
{
	struct pe_image *pe = calloc(1, sizeof(*pe));
	struct pe_new_section *secs = NULL;
	struct ik_buf *heads = NULL;
	struct ik_buf stub;
	size_t n_secs = 0, k = 0;
	int r;

	ik_buf_init(&stub, 0);
	if (!pe)
		return -ENOMEM;
	r = pe_parse(fk->pe, fk->len, fk->file, pe, d);
	if (r < 0)
		goto out;
	if (n != fk->n_payloads) {
		r = ik_fail(d, -EINVAL, "%zu payloads given for %zu '.efifw' sections", n, fk->n_payloads);
		goto out;
	}
	secs = calloc(pe->NumberOfSections, sizeof(*secs));
	heads = calloc(fk->n_payloads, sizeof(*heads));
	if (!secs || !heads) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < fk->n_payloads; i++)
		ik_buf_init(&heads[i], 0);
	for (size_t i = 1; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct pe_new_section *ns = &secs[n_secs++];

		ns->name = s->Name;
		ns->Characteristics = s->Characteristics;
		if (strcmp(s->Name, ".efifw") == 0) {
			r = efifw_header(fk->payloads[k].fwid, new_igvm[k].len, &heads[k], d);
			if (r < 0)
				goto out;
			ns->prefix = heads[k].data;
			ns->prefix_len = heads[k].len;
			ns->data = new_igvm[k].data;
			ns->len = new_igvm[k].len;
			k++;
		} else {
			ns->data = fk->pe + s->PointerToRawData;
			ns->len = section_len(s);
		}
	}
	r = pe_build_stub(pe->Machine, pe->TimeDateStamp, n_secs, &stub, d);
	if (r >= 0)
		r = pe_append_sections(stub.data, stub.len, "stub", secs, n_secs, NULL, out, d);
out:
	for (size_t i = 0; heads && i < fk->n_payloads; i++)
		ik_buf_release(&heads[i]);
	free(heads);
	free(secs);
	ik_buf_release(&stub);
	free(pe);
	return r;
}
