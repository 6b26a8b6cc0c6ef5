/* SPDX-License-Identifier: MIT */
/*
 * The layout's `variables:` section (issue 5 item 4): Secure Boot seeds for
 * the OVMF component, through the vars/ library.
 *
 *   store: rom               the seeded store replaces the variable store FV at
 *                            the start of the ROM (unified OVMF.fd, or the 'vars'
 *                            part of a split build; for TDX the CFV), before any
 *                            page is emitted, so the pages and measurements of
 *                            every platform carry it
 *   store: igvm-secure-boot  the IGVM data HOB page and the PK/KEK/db/dbx
 *                            blobs OVMF's IgvmSecureBootDxe enrols (vars.md
 *                            §11.1), as measured PAGE_DATA
 */
#include "assemble/layout_build_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "vars/efi.h"
#include "vars/igvm_sb.h"
#include "vars/secureboot.h"
#include "vars/seed.h"
#include "vars/varstore.h"
#include "measure/ovmf.h"

/* layout_vars_db and vars_sigdb list the databases in the same order. */
_Static_assert((int)LAYOUT_VARS_PK == (int)VARS_SIGDB_PK && (int)LAYOUT_VARS_DBT == (int)VARS_SIGDB_DBT &&
		       (int)LAYOUT_VARS_DB_COUNT == (int)VARS_SIGDB_MAX,
	       "layout and vars database indexes differ");

static int add_hash_item(struct builder *b, struct vars_seed *seed, enum vars_sigdb which,
			 const struct layout_vars_item *it, const struct ik_guid *owner)
{
	const char *colon = strchr(it->hash, ':');
	char alg[16];
	uint8_t h[64];
	size_t alen = (size_t)(colon - it->hash);

	if (alen >= sizeof(alg))
		return layout_fail_at(b->d, -EINVAL, &it->mark, "malformed hash '%s'", it->hash);
	memcpy(alg, it->hash, alen);
	alg[alen] = '\0';
	const struct vars_sig_type *t = vars_sig_type_by_short_name(alg);
	if (!t || !t->hash_size || t->data_size != t->hash_size || t->data_size > sizeof(h) ||
	    ik_hex_decode(colon + 1, h, t->data_size) < 0)
		return layout_fail_at(b->d, -EINVAL, &it->mark,
				      "'variables.%s': expected 'ALG:HEX' with ALG sha256, sha384, sha512, sha224 or sha1, found '%s'",
				      layout_vars_db_names[which], it->hash);
	seed->sigdb[which].given = true;
	int r = esl_db_add_hash(&seed->sigdb[which].db, &t->guid, owner, h, t->data_size, b->d);
	if (r < 0)
		return build_fail_rebase(b, r, &it->mark, "'variables.%s'", layout_vars_db_names[which]);
	return 0;
}

/* The seed the layout describes: every input loaded, the time and state set. */
static int seed_load(struct builder *b, struct vars_seed *seed)
{
	const struct layout_variables *lv = &b->l->variables;
	int r;

	seed->secure_boot = lv->secure_boot < 0 ? VARS_SB_UNCHANGED :
				lv->secure_boot ? VARS_SB_ENABLED : VARS_SB_DISABLED;
	if (lv->time) {
		r = vars_time_parse(lv->time, &seed->time, b->d);
		if (r < 0)
			return build_fail_rebase(b, r, &lv->mark, "'variables.time'");
		seed->time_given = true;
	} else if (lv->has_default_epoch) {
		r = vars_time_from_epoch(lv->default_epoch, &seed->default_time, b->d);
		if (r < 0)
			return build_fail_rebase(b, r, &lv->mark, "'variables': SOURCE_DATE_EPOCH");
	}
	for (int i = 0; i < LAYOUT_VARS_DB_COUNT; i++) {
		const struct layout_vars_db_items *items = &lv->db[i];
		if (items->given && items->n == 0) {
			/* an empty list removes the database */
			r = vars_seed_drop(seed, vars_sigdb_name((enum vars_sigdb)i),
					   vars_sigdb_guid((enum vars_sigdb)i), b->d);
			if (r < 0)
				return build_fail_rebase(b, r, &items->mark, "'variables.%s'",
							 layout_vars_db_names[i]);
		}
		for (size_t k = 0; k < items->n; k++) {
			const struct layout_vars_item *it = &items->items[k];
			struct ik_file_bytes fb;

			if (it->hash) {
				r = add_hash_item(b, seed, (enum vars_sigdb)i, it, &lv->owner);
				if (r < 0)
					return r;
				continue;
			}
			r = ik_file_load(it->file, 0, &fb, b->d);
			if (r < 0)
				return build_fail_rebase(b, r, &it->mark, "'variables.%s': cannot read '%s'",
							 layout_vars_db_names[i], it->file);
			r = vars_seed_add_bytes(seed, (enum vars_sigdb)i, fb.data, fb.len, &lv->owner, b->d);
			ik_file_release(&fb);
			if (r < 0)
				return build_fail_rebase(b, r, &it->mark, "'variables.%s': '%s'",
							 layout_vars_db_names[i], it->file);
		}
	}
	return 0;
}

/* Applies SEED and records the Secure Boot state it leaves; warns when it leaves setup mode. */
static int seed_apply(struct builder *b, struct vars_seed *seed, struct vars_list *vars)
{
	int r = vars_seed_apply(seed, vars, b->d);
	struct measure_secure_boot sb;

	if (r < 0)
		return build_fail_rebase(b, r, &b->l->variables.mark, "'variables'");
	vars_list_secure_boot_state(vars, &sb.enabled, &sb.pk_present);
	if (b->w) {
		b->w->has_secure_boot = true;
		b->w->secure_boot = sb;
	}
	if (!sb.pk_present && vars_seed_touches_secure_boot(seed))
		return build_warn(b, &b->l->variables.mark, "'variables': %s", VARS_SETUP_MODE_WARNING);
	return 0;
}

int build_vars_rom(struct builder *b, const struct layout_component *comp, uint8_t *img, size_t len)
{
	const struct layout_variables *lv = &b->l->variables;
	/* a split build's store is its 'vars' file (checked when the pair was joined) */
	const char *store_file = comp->vars ? comp->vars : comp->file;
	const struct layout_mark *store_mark = comp->vars ? &comp->vars_mark : &comp->file_mark;
	struct vars_seed seed;
	struct vars_list vars;
	int r;

	if (!vars_store_sniff(img, len))
		return layout_fail_at(b->d, -EINVAL, &lv->mark,
				      "'variables' with 'store: rom' needs a variable store at the start of component '%s' ('%s' does not begin with an NvData firmware volume: a split OVMF_CODE build has its store in OVMF_VARS; give the pair as 'code' and 'vars', use a unified OVMF.fd, or 'store: igvm-secure-boot')",
				      comp->name, store_file);
	vars_seed_init(&seed);
	vars_list_init(&vars);
	r = vars_store_parse(img, len, &vars, NULL, b->d);
	if (r < 0)
		r = build_fail_rebase(b, r, store_mark,
				      "component '%s': the variable store of '%s'", comp->name, store_file);
	if (r >= 0)
		r = seed_load(b, &seed);
	if (r >= 0)
		r = seed_apply(b, &seed, &vars);
	if (r >= 0) {
		r = vars_store_replace_in_image(img, len, &vars, b->d);
		if (r < 0)
			r = build_fail_rebase(b, r, &lv->mark,
					      "'variables': the seeded store does not fit the store of '%s'",
					      store_file);
	}
	vars_list_release(&vars);
	vars_seed_release(&seed);
	return r;
}

/*
 * OVMF's IGVM descriptor (OvmfPkg/ResetVector IgvmMetadata; vars.md §11.1): the
 * footer table entry below holds the offset from 4 GiB of {"IGVM", length,
 * version 1, count} and COUNT entries {base u32, size u32, id u32}.  Id 0x200 is
 * the area OVMF's PEI reads the IGVM data HOBs from; a build without IGVM HOB
 * support (Debian's 2022.11 ROM, every edk2 before 2025) declares none.
 */
#define OVMF_IGVM_DESCRIPTOR_GUID "784fa70e-3176-4677-8a20-04b68699e374"
#define OVMF_IGVM_SIGNATURE 0x4D564749u /* "IGVM" */
#define OVMF_IGVM_HEADER_SIZE 16u
#define OVMF_IGVM_ENTRY_SIZE 12u
#define OVMF_IGVM_ID_HOB_AREA 0x200u

/* 1 with *RET the GPA of the ROM's HOB area, 0 when it declares none, -EBADMSG when malformed. */
static int rom_hob_area(const struct ovmf_rom *rom, uint64_t *ret, struct ik_diag *d)
{
	struct ik_guid g;
	const struct ovmf_table_entry *e;
	uint32_t from_end, length, count;
	const uint8_t *h;

	if (ik_guid_parse(OVMF_IGVM_DESCRIPTOR_GUID, &g) < 0 || !(e = ovmf_rom_find(rom, &g)))
		return 0;
	if (e->data_len < 4)
		return ik_fail(d, -EBADMSG, "footer entry %s: 4 bytes expected, found %zu",
			       OVMF_IGVM_DESCRIPTOR_GUID, e->data_len);
	from_end = ik_get_le32(rom->data + e->data_offset);
	if (from_end < OVMF_IGVM_HEADER_SIZE || from_end > rom->size)
		return ik_fail(d, -EBADMSG, "'IGVM' descriptor offset 0x%" PRIx32
			       " from the end does not fit the image (0x%zx bytes)", from_end, rom->size);
	h = rom->data + rom->size - from_end;
	length = ik_get_le32(h + 4);
	count = ik_get_le32(h + 12);
	if (ik_get_le32(h) != OVMF_IGVM_SIGNATURE || ik_get_le32(h + 8) != 1 || length > from_end ||
	    length < OVMF_IGVM_HEADER_SIZE + (uint64_t)count * OVMF_IGVM_ENTRY_SIZE)
		return ik_fail(d, -EBADMSG, "'IGVM' descriptor at file offset 0x%zx: signature 'IGVM', "
			       "version 1 and room for its %" PRIu32 " entries expected",
			       rom->size - from_end, count);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = h + OVMF_IGVM_HEADER_SIZE + (size_t)i * OVMF_IGVM_ENTRY_SIZE;
		uint32_t base = ik_get_le32(p), size = ik_get_le32(p + 4);
		if (ik_get_le32(p + 8) != OVMF_IGVM_ID_HOB_AREA || size == 0)
			continue;
		if (!ik_is_aligned(base, VARS_IGVM_PAGE_SIZE) || size < VARS_IGVM_PAGE_SIZE)
			return ik_fail(d, -EBADMSG, "'IGVM' descriptor: HOB area 0x%" PRIx32 "+0x%" PRIx32
				       " is not a 4 KiB-aligned page or more", base, size);
		*ret = base;
		return 1;
	}
	return 0;
}

/* The HOB page's GPA: 'hob-address', else the area the OVMF ROM declares for its data HOBs. */
static int hob_address(struct builder *b, const struct layout_component *comp, uint64_t *ret)
{
	const struct layout_variables *lv = &b->l->variables;
	struct ik_file_bytes fb;
	struct ovmf_rom *rom = NULL;
	uint64_t declared = 0;
	int r;

	if (lv->has_hob_address) {
		*ret = lv->hob_address;
		return 0;
	}
	r = build_ovmf_image(b, comp, &fb);
	if (r < 0)
		return r;
	r = ovmf_rom_parse(fb.data, fb.len, build_ovmf_name(comp), &rom, b->d);
	if (r >= 0)
		r = rom_hob_area(rom, &declared, b->d);
	ovmf_rom_free(rom);
	ik_file_release(&fb);
	if (r < 0)
		return build_fail_rebase(b, r, comp->file ? &comp->file_mark : &comp->code_mark,
					 "component '%s': '%s'", comp->name, build_ovmf_name(comp));
	if (r == 0)
		return layout_fail_at(b->d, -EINVAL, &lv->mark,
				      "'variables' with 'store: igvm-secure-boot' needs 'hob-address': '%s' declares no IGVM HOB area (footer entry %s, id 0x200), so this OVMF build reads no IGVM data HOBs (edk2 has since 2025) and would not enrol the seeds; use 'store: rom', or give 'hob-address' for a ROM that reads them elsewhere",
				      build_ovmf_name(comp), OVMF_IGVM_DESCRIPTOR_GUID);
	*ret = declared;
	return 0;
}

int build_vars_igvm_sb(struct builder *b, const struct layout_component *comp, uint32_t platforms)
{
	const struct layout_variables *lv = &b->l->variables;
	struct vars_seed seed;
	struct vars_list vars;
	struct vars_igvm_sb sb;
	uint64_t hob = 0;
	int r;

	memset(&sb, 0, sizeof(sb));
	vars_seed_init(&seed);
	vars_list_init(&vars);
	r = hob_address(b, comp, &hob);
	if (r >= 0)
		r = seed_load(b, &seed);
	if (r >= 0 && !seed.sigdb[VARS_SIGDB_DBX].given) {
		/* OVMF enrols only when all four are present: the conventional placeholder */
		r = vars_sb_dummy_dbx(&seed.sigdb[VARS_SIGDB_DBX].db, b->d);
		seed.sigdb[VARS_SIGDB_DBX].given = r >= 0;
	}
	if (r >= 0)
		r = seed_apply(b, &seed, &vars);
	if (r >= 0) {
		r = vars_igvm_sb_build(&vars, lv->blob_address, NULL, &sb, b->d);
		if (r < 0)
			r = build_fail_rebase(b, r, &lv->mark, "'variables'");
	}
	if (r >= 0 && hob < sb.end_gpa && hob + VARS_IGVM_PAGE_SIZE > lv->blob_address)
		r = layout_fail_at(b->d, -EINVAL, &lv->mark,
				   "'variables': hob-address 0x%" PRIx64 " overlaps the blobs at 0x%" PRIx64 "-0x%" PRIx64,
				   hob, lv->blob_address, sb.end_gpa);
	if (r >= 0)
		r = build_add_pages(b, platforms, hob, sb.hob_page, sizeof(sb.hob_page), 0,
				    IGVM_PAGE_DATA_TYPE_NORMAL, comp);
	for (size_t i = 0; r >= 0 && i < sb.n_blobs; i++)
		r = build_add_pages(b, platforms, sb.blobs[i].gpa, sb.blobs[i].data, sb.blobs[i].len, 0,
				    IGVM_PAGE_DATA_TYPE_NORMAL, comp);
	vars_igvm_sb_release(&sb);
	vars_list_release(&vars);
	vars_seed_release(&seed);
	return r;
}
