/* SPDX-License-Identifier: MIT */
#include "assemble/regen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/varlist.h"
#include "vars/varstore.h"

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

int regen_rom_store(const struct igvm_file *f, uint32_t mask, struct regen_store_desc *ret,
		    uint8_t **ret_rom, struct ik_diag *d)
{
	_cleanup_free_ uint8_t *rom = NULL;
	struct vars_store_info info;
	struct vars_list vars;
	size_t len = 0;
	uint64_t gpa = 0;
	int r = regen_rom_image(f, mask, &rom, &len, &gpa, d);

	if (r < 0)
		return r;
	if (len == 0 || !vars_store_sniff(rom, len))
		return 0;
	memset(&info, 0, sizeof(info));
	vars_list_init(&vars);
	r = vars_store_parse(rom, len, &vars, &info, d);
	if (r >= 0) {
		memset(ret, 0, sizeof(*ret));
		ret->rom_gpa = gpa;
		ret->rom_len = len;
		ret->fv_length = info.geometry->fv_length;
		ret->geometry = info.geometry->name;
		ret->description = info.geometry->description;
		ret->n_vars = vars.n;
		ret->used = info.used_end - VARS_FIRST_VARIABLE_OFFSET;
		ret->capacity = info.live_end - VARS_FIRST_VARIABLE_OFFSET;
		if (ret_rom)
			*ret_rom = TAKE_PTR(rom);
		r = 1;
	}
	vars_list_release(&vars);
	vars_store_info_release(&info);
	return r < 0 ? ik_diag_place(d, r, "variable store at gpa 0x%" PRIx64, gpa) : r;
}

int regen_store_text(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
		     struct ik_buf *out)
{
	struct igvm_file *f = NULL;
	bool title = false;
	int r = igvm_read(p, len, opts, &f, NULL);

	if (r < 0)
		return 0; /* described (or refused) by igvm_inspect already */
	for (size_t i = 0; r >= 0 && i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		struct regen_store_desc s;

		/* a run regen cannot read (2 MiB pages, a damaged store) is described above only */
		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM ||
		    regen_rom_store(f, h->u.supported_platform.compatibility_mask, &s, NULL, NULL) <= 0)
			continue;
		if (!title)
			r = ik_buf_printf(out, "\nVariable store (the OVMF ROM pages ending at 4 GiB start with it):\n");
		title = true;
		if (r >= 0)
			r = ik_buf_printf(out,
					  "  %-14s ROM 0x%" PRIx64 "-0xffffffff (0x%zx bytes): vars 0x%" PRIx64 "+0x%" PRIx32 " (%s: %s), code from 0x%" PRIx64 "; %zu variables, %zu of %zu bytes used\n",
					  igvm_platform_name(h->u.supported_platform.platform_type),
					  s.rom_gpa, s.rom_len, s.rom_gpa, s.fv_length, s.geometry,
					  s.description, s.rom_gpa + s.fv_length, s.n_vars, s.used,
					  s.capacity);
	}
	igvm_file_free(f);
	return r;
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
	vars_list_secure_boot_state(&vars, &st->secure_boot.enabled, &st->secure_boot.pk_present);
	st->setup_mode_warning = !st->secure_boot.pk_present && vars_seed_touches_secure_boot(o->seed);
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
			       "no variable store in the ROM pages: no platform's PAGE_DATA run ending at 4 GiB starts with an NvData firmware volume (an IGVM built from an OVMF_CODE file alone, without its OVMF_VARS, or without OVMF)");
	*ret = st;
	return 0;
}

/* ---- FUKI ---- */

bool regen_is_pe(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 'M' && p[1] == 'Z';
}

/*
 * Re-wrapping splits the image at its first '.efifw' section.  The sections
 * before it (igvmkit's stub, a systemd stub, a UKI's .linux and .initrd, an
 * add-on's .cmdline ...) stay byte for byte where they are; from the first
 * '.efifw' on, every section is appended again in the same order with
 * pe_append_sections(), the code 'igvmkit fuki' and 'fuki --into' wrote them
 * with, each '.efifw' around its new payload.  The certificate table goes:
 * its signature no longer matches.  An add-on on igvmkit's own stub is the
 * stub plus appended sections, so it comes out as 'igvmkit fuki' writes it.
 */

/* The bytes of S carried over: VirtualSize of them (all raw data when VirtualSize is 0). */
static size_t section_len(const struct pe_section *s)
{
	return s->VirtualSize && s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;
}

static size_t first_efifw(const struct pe_image *pe)
{
	size_t i = 0;

	while (i < pe->NumberOfSections && strcmp(pe->sections[i].Name, ".efifw") != 0)
		i++;
	return i;
}

/* File offset where the raw data of the sections before FIRST (or the headers) ends. */
static size_t kept_end(const struct pe_image *pe, size_t first)
{
	size_t end = pe->SizeOfHeaders;

	for (size_t i = 0; i < first; i++) {
		const struct pe_section *s = &pe->sections[i];

		if (s->SizeOfRawData && (size_t)s->PointerToRawData + s->SizeOfRawData > end)
			end = (size_t)s->PointerToRawData + s->SizeOfRawData;
	}
	return end;
}

/*
 * The sections from FIRST on get new addresses, so each must be initialized
 * data held in the file after the kept sections, with neither the entry point
 * nor a data directory (other than the certificate table) pointing into it.
 * Everything igvmkit, ukify and 'fuki --into' write is.
 */
static int check_movable(const struct pe_image *pe, size_t first, struct ik_diag *d)
{
	size_t end = kept_end(pe, first);

	if (first == 0) {
		ik_diag_place(d, -ENOTSUP, "section 0 (.efifw)");
		return ik_fail(d, -ENOTSUP, "the image starts with '.efifw': there is no EFI application to wrap the firmware on");
	}
	for (size_t i = first; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint64_t va_end = (uint64_t)s->VirtualAddress +
				  (s->VirtualSize > s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData);

		if (s->Characteristics & (PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_CNT_UNINITIALIZED_DATA)) {
			ik_diag_place(d, -ENOTSUP, "section %zu (%s)", i, s->Name);
			return ik_fail(d, -ENOTSUP,
				       "characteristics 0x%08" PRIx32 " say code or uninitialized data; after the first '.efifw' section re-wrapping moves sections and expects initialized data only",
				       s->Characteristics);
		}
		if (s->SizeOfRawData == 0 || s->VirtualSize > s->SizeOfRawData) {
			ik_diag_place(d, -ENOTSUP, "section %zu (%s)", i, s->Name);
			return ik_fail(d, -ENOTSUP,
				       "VirtualSize 0x%" PRIx32 " exceeds SizeOfRawData 0x%" PRIx32 "; after the first '.efifw' section re-wrapping expects every byte in the file",
				       s->VirtualSize, s->SizeOfRawData);
		}
		if (s->PointerToRawData < end) {
			ik_diag_place(d, -ENOTSUP, "section %zu (%s)", i, s->Name);
			return ik_fail(d, -ENOTSUP,
				       "its data at file offset 0x%" PRIx32 " lies before the end of the sections ahead of the first '.efifw' (0x%zx); re-wrapping expects the file in section order",
				       s->PointerToRawData, end);
		}
		if (pe->AddressOfEntryPoint >= s->VirtualAddress && pe->AddressOfEntryPoint < va_end) {
			ik_diag_place(d, -ENOTSUP, "section %zu (%s)", i, s->Name);
			return ik_fail(d, -ENOTSUP,
				       "the entry point 0x%" PRIx32 " lies in it; re-wrapping moves the sections after the first '.efifw'",
				       pe->AddressOfEntryPoint);
		}
		for (uint32_t k = 0; k < pe->NumberOfRvaAndSizes; k++) {
			const uint8_t *dir = pe->data + pe->dirs_offset + 8 * (size_t)k;
			uint32_t rva = ik_get_le32(dir), size = ik_get_le32(dir + 4);

			if (k == PE_DIR_SECURITY || size == 0)
				continue;
			if (rva < va_end && s->VirtualAddress < (uint64_t)rva + size) {
				ik_diag_place(d, -ENOTSUP, "section %zu (%s)", i, s->Name);
				return ik_fail(d, -ENOTSUP,
					       "data directory %" PRIu32 " (rva 0x%" PRIx32 ", 0x%" PRIx32 " bytes) points into it; re-wrapping moves the sections after the first '.efifw'",
					       k, rva, size);
			}
		}
	}
	return 0;
}

int regen_fuki_open(const uint8_t *data, size_t len, const char *file, struct regen_fuki *ret,
		    struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *pe = calloc(1, sizeof(*pe));
	_cleanup_free_ struct regen_fuki *fk = calloc(1, sizeof(*fk));
	int r;

	if (!pe || !fk)
		return -ENOMEM;
	r = pe_parse(data, len, file, pe, d);
	if (r < 0)
		return r;
	fk->pe = data;
	fk->len = len;
	fk->file = file;
	fk->was_signed = pe->n_certs > 0;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct regen_fuki_payload *pl;
		struct efifw_view v;

		if (strcmp(s->Name, ".efifw") != 0)
			continue;
		if (fk->n_payloads == REGEN_FUKI_PAYLOADS_MAX)
			return ik_diag_file(d, file, ik_fail(d, -E2BIG, "more than %u '.efifw' sections", REGEN_FUKI_PAYLOADS_MAX));
		r = efifw_parse(data + s->PointerToRawData, section_len(s), &v, d);
		if (r < 0)
			return ik_diag_file(d, file, ik_diag_place(d, r, "section %zu (.efifw)", i));
		pl = &fk->payloads[fk->n_payloads++];
		snprintf(pl->fwid, sizeof(pl->fwid), "%s", v.fwid);
		pl->data = v.payload;
		pl->len = v.payload_len;
	}
	if (fk->n_payloads == 0)
		return ik_diag_file(d, file, ik_fail(d, -EINVAL, "the PE image has no '.efifw' section, so it is not a FUKI (IGVM files wrapped by 'igvmkit fuki')"));
	r = check_movable(pe, first_efifw(pe), d);
	if (r < 0)
		return ik_diag_file(d, file, r);
	*ret = *fk;
	return 0;
}

/*
 * Appends to OUT the image up to the end of the sections before FIRST as an
 * image of its own: FIRST sections (the other headers zeroed, room for
 * appending them again), no certificate or COFF symbol table, and SizeOfCode
 * and SizeOfInitializedData without the dropped sections, which
 * pe_append_sections() counts again.
 */
static int kept_image(const struct pe_image *pe, size_t first, struct ik_buf *out, struct ik_diag *d)
{
	size_t end = kept_end(pe, first);
	uint32_t size_of_code = pe->SizeOfCode, size_of_init = pe->SizeOfInitializedData;
	uint8_t *h;
	int r;

	r = ik_buf_append(out, pe->data, end);
	if (r < 0)
		return ik_fail(d, r, "cannot allocate a copy of the image's first %zu bytes", end);
	h = out->data + out->len - end;
	for (size_t i = first; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint32_t *sum = (s->Characteristics & PE_SCN_CNT_CODE)		   ? &size_of_code
				: (s->Characteristics & PE_SCN_CNT_INITIALIZED_DATA) ? &size_of_init
										      : NULL;

		if (sum) /* saturating: another writer may have counted differently */
			*sum = *sum > s->SizeOfRawData ? *sum - s->SizeOfRawData : 0;
		memset(h + s->header_offset, 0, PE_SECTION_HEADER_SIZE);
	}
	ik_put_le16(h + pe->coff_offset + 2, (uint16_t)first); /* NumberOfSections */
	if (pe->PointerToSymbolTable) {
		ik_put_le32(h + pe->coff_offset + 8, 0);  /* PointerToSymbolTable */
		ik_put_le32(h + pe->coff_offset + 12, 0); /* NumberOfSymbols */
		ik_put_le16(h + pe->coff_offset + 18, (uint16_t)(pe->Characteristics | PE_FILE_LOCAL_SYMS_STRIPPED));
	}
	ik_put_le32(h + pe->opt_offset + 4, size_of_code);
	ik_put_le32(h + pe->opt_offset + 8, size_of_init);
	if (pe->security_dir_offset)
		memset(h + pe->security_dir_offset, 0, 8);
	return 0;
}

int regen_fuki_rewrap(const struct regen_fuki *fk, const struct ik_buf *new_igvm, size_t n,
		      struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *pe = calloc(1, sizeof(*pe));
	struct pe_new_section secs[PE_SECTIONS_MAX];
	struct ik_buf heads[REGEN_FUKI_PAYLOADS_MAX];
	struct ik_buf kept;
	size_t first, n_secs = 0, k = 0;
	int r;

	if (!pe)
		return -ENOMEM;
	if (n != fk->n_payloads)
		return ik_fail(d, -EINVAL, "%zu payloads given for %zu '.efifw' sections", n, fk->n_payloads);
	r = pe_parse(fk->pe, fk->len, fk->file, pe, d);
	if (r < 0)
		return r;
	first = first_efifw(pe);
	r = check_movable(pe, first, d); /* regen_fuki_open() checked; FK is the caller's */
	if (r < 0)
		return ik_diag_file(d, fk->file, r);
	ik_buf_init(&kept, IK_BUF_DEFAULT_MAX);
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++)
		ik_buf_init(&heads[i], 0);
	r = kept_image(pe, first, &kept, d);
	for (size_t i = first; r >= 0 && i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct pe_new_section *ns = &secs[n_secs++];

		memset(ns, 0, sizeof(*ns));
		ns->name = s->Name;
		ns->Characteristics = s->Characteristics;
		if (strcmp(s->Name, ".efifw") != 0) {
			ns->data = fk->pe + s->PointerToRawData;
			ns->len = section_len(s);
			continue;
		}
		if (k == n) {
			r = ik_fail(d, -EINVAL, "more '.efifw' sections than the %zu payloads given", n);
			break;
		}
		r = efifw_header(fk->payloads[k].fwid, new_igvm[k].len, &heads[k], d);
		ns->prefix = heads[k].data;
		ns->prefix_len = heads[k].len;
		ns->data = new_igvm[k].data;
		ns->len = new_igvm[k].len;
		k++;
	}
	if (r >= 0)
		r = pe_append_sections(kept.data, kept.len, fk->file, secs, n_secs, NULL, out, d);
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++)
		ik_buf_release(&heads[i]);
	ik_buf_release(&kept);
	return r;
}
