/* SPDX-License-Identifier: MIT */
/* Findings about an IGVM file (igvm_findings.h). */
#include "igvm/igvm_findings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int igvm_findings_add(struct igvm_findings *fs, const char *rule, enum igvm_finding_level level,
		      size_t header, const char *source, const char *fmt, ...)
{
	struct igvm_finding *f;
	va_list ap;

	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? 2 * fs->cap : 8;
		struct igvm_finding *nv = reallocarray(fs->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		fs->v = nv;
		fs->cap = ncap;
	}
	f = &fs->v[fs->n++];
	f->rule = rule;
	f->level = level;
	f->header = header;
	f->source = source;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return 0;
}

void igvm_findings_release(struct igvm_findings *fs)
{
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

size_t igvm_findings_count(const struct igvm_findings *fs, enum igvm_finding_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += fs->v[i].level == level;
	return n;
}

const char *igvm_finding_level_name(enum igvm_finding_level level)
{
	return level == IGVM_FINDING_ERROR ? "error" : "note";
}

int igvm_reader_notes(const struct igvm_file *f, struct igvm_findings *fs)
{
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_vhs_snp_id_block *b;
		int r;

		if (f->headers[i].type != IGVM_VHT_SNP_ID_BLOCK)
			continue;
		b = f->headers[i].u.snp_id_block;
		if (!igvm_snp_id_block_author_fields_set(b))
			continue;
		r = igvm_findings_add(
			fs, "id-block-author-fields", IGVM_FINDING_NOTE, i,
			"IGVM spec (igvm_defs IGVM_VHS_SNP_ID_BLOCK: \"Otherwise, the author key fields"
			" must be zero\", not enforced by the igvm crate); QEMU target/i386/sev.c"
			" cgs_set_guest_policy (auth_key_en = author_key[0] ? 1 : 0)",
			"author_key_enabled is 0 but author fields are set (author_key_algorithm %u,"
			" author_public_key.curve %u), as igvmmeasure's sign writes them; accepted"
			" (refused with --strict); QEMU launches %s the author key",
			b->author_key_algorithm, b->author_public_key.curve,
			b->author_public_key.curve ? "WITH" : "without");
		if (r < 0)
			return r;
	}
	return 0;
}
