/* SPDX-License-Identifier: MIT */
/* `inspect` of an SVSM ELF: PT_LOAD segments and the guest pages they land on. */
#include "assemble/elf_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "assemble/layout_elf.h"
#include "common/bytes.h"
#include "common/digest.h"
#include "common/hex.h"
#include "common/json.h"

#define PAGE_SIZE_4K 4096u

bool elf_inspect_sniff(const uint8_t *p, size_t len)
{
	return len >= 4 && memcmp(p, "\x7f" "ELF", 4) == 0;
}

/* First 4 KiB page and the number of pages a segment touches. */
static void segment_pages(const struct layout_elf_segment *s, uint64_t *first, uint64_t *n)
{
	uint64_t end = ik_align_up(s->paddr + s->memsz, PAGE_SIZE_4K);

	*first = s->paddr & ~(uint64_t)(PAGE_SIZE_4K - 1);
	*n = (end - *first) / PAGE_SIZE_4K;
}

static int describe_json(const struct layout_elf *e, size_t len, struct ik_buf *out)
{
	struct ik_json j;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "elf");
	ik_json_u64(&j, "schema_version", ELF_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	ik_json_u64(&j, "class", e->elf_class);
	ik_json_hex_u64(&j, "entry", e->entry);
	ik_json_array_begin(&j, "segments");
	for (size_t i = 0; i < e->n_segments; i++) {
		const struct layout_elf_segment *s = &e->segments[i];
		uint8_t sha[IK_SHA256_LEN];
		uint64_t first, n;

		segment_pages(s, &first, &n);
		if (ik_sha256(s->data, (size_t)s->filesz, sha) < 0)
			return -ENOMEM;
		ik_json_object_begin(&j, NULL);
		ik_json_u64(&j, "program_header", s->index);
		ik_json_hex_u64(&j, "paddr", s->paddr);
		ik_json_hex_u64(&j, "filesz", s->filesz);
		ik_json_hex_u64(&j, "memsz", s->memsz);
		ik_json_hex_u64(&j, "bss", s->memsz - s->filesz);
		ik_json_hex_u64(&j, "first_page", first);
		ik_json_u64(&j, "pages", n);
		ik_json_hex_bytes(&j, "sha256", sha, sizeof(sha));
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}

static int describe_text(const struct layout_elf *e, struct ik_buf *out)
{
	int r = ik_buf_printf(out,
			      "ELF%u executable, entry GPA 0x%" PRIx64 ", %zu PT_LOAD segments\n"
			      "  %-4s %-18s %-10s %-10s %s\n",
			      e->elf_class, e->entry, e->n_segments, "phdr", "paddr", "filesz",
			      "memsz", "lands on");

	for (size_t i = 0; r >= 0 && i < e->n_segments; i++) {
		const struct layout_elf_segment *s = &e->segments[i];
		uint64_t first, n;

		segment_pages(s, &first, &n);
		r = ik_buf_printf(out,
				  "  %-4" PRIu32 " 0x%016" PRIx64 " 0x%08" PRIx64 " 0x%08" PRIx64
				  " GPA 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " pages)\n",
				  s->index, s->paddr, s->filesz, s->memsz, first,
				  first + n * PAGE_SIZE_4K - 1, n);
	}
	return r < 0 ? r : 0;
}

int elf_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d)
{
	struct layout_elf *e = NULL;
	int r;

	r = layout_elf_parse(p, len, &e, d);
	if (r < 0)
		return r;
	r = json ? describe_json(e, len, out) : describe_text(e, out);
	layout_elf_free(e);
	return r;
}
