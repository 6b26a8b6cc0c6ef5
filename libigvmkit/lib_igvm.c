/* SPDX-License-Identifier: MIT */
/* libigvmkit: reading, validating, writing and walking IGVM files (igvmkit/igvm.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "assemble/regen.h"
#include "igvm/igvm_inspect.h"
#include "measure/measure.h"

static void read_opts(unsigned flags, struct igvm_read_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->lenient = (flags & IGVMKIT_READ_LENIENT) != 0;
}

igvmkit_igvm *lib_igvm_wrap(struct igvm_file *f)
{
	igvmkit_igvm *h = calloc(1, sizeof(*h));

	if (!h) {
		igvm_file_free(f);
		return NULL;
	}
	h->file = f;
	return h;
}

/* Parses the bytes H->source holds into H->file. */
static int read_source(igvmkit_igvm *h, unsigned flags, struct ik_diag *d)
{
	struct igvm_read_opts ro;

	read_opts(flags, &ro);
	return igvm_read(h->source.data, h->source.len, &ro, &h->file, d);
}

int igvmkit_igvm_read(const uint8_t *data, size_t len, unsigned flags, igvmkit_igvm **ret,
		      igvmkit_error *err)
{
	igvmkit_igvm *h;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!ret || (!data && len))
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no IGVM bytes or no place for the result"));
	h = calloc(1, sizeof(*h));
	if (!h)
		return lib_fail(err, NULL, -ENOMEM);
	h->source.owned = malloc(len ? len : 1);
	if (!h->source.owned) {
		free(h);
		return lib_fail(err, NULL, -ENOMEM);
	}
	if (len)
		memcpy(h->source.owned, data, len);
	h->source.data = h->source.owned;
	h->source.len = len;
	r = read_source(h, flags, &d);
	if (r < 0) {
		igvmkit_igvm_free(h);
		return lib_fail(err, &d, r);
	}
	*ret = h;
	return 0;
}

int igvmkit_igvm_read_file(const char *path, unsigned flags, igvmkit_igvm **ret,
			   igvmkit_error *err)
{
	igvmkit_igvm *h;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!path || !ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no file name or no place for the result"));
	h = calloc(1, sizeof(*h));
	if (!h)
		return lib_fail(err, NULL, -ENOMEM);
	r = ik_file_load(path, 0, &h->source, &d);
	if (r >= 0)
		r = read_source(h, flags, &d);
	if (r < 0) {
		ik_diag_file(&d, path, r);
		igvmkit_igvm_free(h);
		return lib_fail(err, &d, r);
	}
	*ret = h;
	return 0;
}

void igvmkit_igvm_free(igvmkit_igvm *igvm)
{
	if (!igvm)
		return;
	igvm_file_free(igvm->file); /* before the bytes its blobs borrow */
	ik_file_release(&igvm->source);
	free(igvm);
}

static int need_handle(const igvmkit_igvm *igvm, igvmkit_error *err)
{
	struct ik_diag d;

	if (igvm && igvm->file)
		return 0;
	ik_diag_init(&d);
	return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no IGVM handle"));
}

int igvmkit_igvm_validate(const igvmkit_igvm *igvm, unsigned flags, igvmkit_error *err)
{
	struct igvm_read_opts ro;
	struct ik_diag d;
	int r = need_handle(igvm, err);

	if (r < 0)
		return r;
	ik_diag_init(&d);
	read_opts(flags, &ro);
	r = igvm_validate(igvm->file, &ro, &d);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}

int igvmkit_igvm_write(const igvmkit_igvm *igvm, uint8_t **ret_data, size_t *ret_len,
		       igvmkit_error *err)
{
	struct ik_buf out;
	struct ik_diag d;
	int r = need_handle(igvm, err);

	if (r < 0)
		return r;
	ik_diag_init(&d);
	if (!ret_data || !ret_len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = igvm_write(igvm->file, &out, &d);
	if (r >= 0)
		r = lib_take(&out, ret_data, ret_len);
	ik_buf_release(&out);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}

int igvmkit_igvm_write_file(const igvmkit_igvm *igvm, const char *path, igvmkit_error *err)
{
	struct ik_out out = { .fd = -1 };
	struct ik_diag d;
	int r = need_handle(igvm, err);

	if (r < 0)
		return r;
	ik_diag_init(&d);
	if (!path)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no output file name"));
	r = ik_out_open(&out, path, &d);
	if (r >= 0)
		r = igvm_write_out(igvm->file, NULL, &out, NULL, &d);
	if (r >= 0)
		r = ik_out_commit(&out, &d);
	if (r < 0)
		ik_out_abort(&out); /* removes the temporary file; nothing once committed */
	return r < 0 ? lib_fail(err, &d, ik_diag_file(&d, path, r)) : 0;
}

uint32_t igvmkit_igvm_format_version(const igvmkit_igvm *igvm)
{
	return igvm && igvm->file ? igvm->file->format_version : 0;
}

uint32_t igvmkit_igvm_architecture(const igvmkit_igvm *igvm)
{
	return igvm && igvm->file ? igvm->file->architecture : 0;
}

size_t igvmkit_igvm_header_count(const igvmkit_igvm *igvm)
{
	return igvm && igvm->file ? igvm->file->n_headers : 0;
}

static void set_gpa(igvmkit_header_info *info, uint64_t gpa)
{
	info->has_gpa = 1;
	info->gpa = gpa;
}

static void set_size(igvmkit_header_info *info, uint64_t size)
{
	info->has_size = 1;
	info->size = size;
}

/* Where a header puts something and how much it covers, for the types that say so. */
static void header_extent(const struct igvm_header *h, const struct igvm_blob *blob,
			  igvmkit_header_info *info)
{
	switch (h->type) {
	case IGVM_VHT_PAGE_DATA:
		set_gpa(info, h->u.page_data.gpa);
		set_size(info, (h->u.page_data.flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE)
				       ? IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K);
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		set_gpa(info, h->u.parameter_insert.gpa);
		break;
	case IGVM_VHT_VP_CONTEXT:
		set_gpa(info, h->u.vp_context.gpa);
		set_size(info, blob ? blob->len : 0);
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		set_gpa(info, h->u.required_memory.gpa);
		set_size(info, h->u.required_memory.number_of_bytes);
		break;
	case IGVM_VHT_RELOCATABLE_REGION:
		set_gpa(info, h->u.relocatable_region.relocation_region_gpa);
		set_size(info, h->u.relocatable_region.relocation_region_size);
		break;
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
		set_gpa(info, h->u.page_table_relocation.gpa);
		set_size(info, h->u.page_table_relocation.size);
		break;
	case IGVM_VHT_ERROR_RANGE:
		set_gpa(info, h->u.error_range.gpa);
		set_size(info, h->u.error_range.size_bytes);
		break;
	case IGVM_VHT_PARAMETER_AREA:
		set_size(info, h->u.parameter_area.number_of_bytes);
		break;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		set_size(info, h->u.corim.size_bytes);
		break;
	default:
		break;
	}
}

int igvmkit_igvm_header(const igvmkit_igvm *igvm, size_t index, igvmkit_header_info *ret,
			igvmkit_error *err)
{
	const struct igvm_header_desc *desc;
	const struct igvm_header *h;
	const struct igvm_blob *blob;
	struct ik_diag d;
	int r = need_handle(igvm, err);

	if (r < 0)
		return r;
	ik_diag_init(&d);
	if (!ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	if (index >= igvm->file->n_headers)
		return lib_fail(err, &d, ik_fail(&d, -ERANGE, "header %zu asked for, the file has %zu",
						 index, igvm->file->n_headers));
	h = &igvm->file->headers[index];
	desc = igvm_header_desc(h->type);
	blob = igvm_header_blob(igvm->file, h);
	memset(ret, 0, sizeof(*ret));
	ret->type = h->type;
	ret->type_name = igvm_header_name(h->type);
	ret->section = desc ? igvm_section_name(desc->section) : "unknown";
	ret->has_compatibility_mask = igvm_header_mask(h, &ret->compatibility_mask) ? 1 : 0;
	ret->data_len = blob ? blob->len : 0;
	header_extent(h, blob, ret);
	return 0;
}

size_t igvmkit_igvm_platform_count(const igvmkit_igvm *igvm)
{
	size_t n = 0;

	if (!igvm || !igvm->file)
		return 0;
	igvm_foreach_header(igvm->file, i, IGVM_VHT_SUPPORTED_PLATFORM, 0)
		n++;
	return n;
}

int igvmkit_igvm_platform(const igvmkit_igvm *igvm, size_t index, igvmkit_platform_info *ret,
			  igvmkit_error *err)
{
	struct ik_diag d;
	size_t n = 0;
	int r = need_handle(igvm, err);

	if (r < 0)
		return r;
	ik_diag_init(&d);
	if (!ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	igvm_foreach_header(igvm->file, i, IGVM_VHT_SUPPORTED_PLATFORM, 0) {
		const struct igvm_vhs_supported_platform *p;

		if (n++ != index)
			continue;
		p = &igvm->file->headers[i].u.supported_platform;
		memset(ret, 0, sizeof(*ret));
		ret->platform_type = p->platform_type;
		ret->name = measure_platform_name((enum igvm_platform_type)p->platform_type);
		ret->compatibility_mask = p->compatibility_mask;
		ret->highest_vtl = p->highest_vtl;
		ret->platform_version = p->platform_version;
		ret->shared_gpa_boundary = p->shared_gpa_boundary;
		return 0;
	}
	return lib_fail(err, &d, ik_fail(&d, -ERANGE, "platform %zu asked for, the file declares %zu",
					 index, n));
}

int igvmkit_inspect(const uint8_t *data, size_t len, unsigned flags, int json, char **ret_text,
		    size_t *ret_len, igvmkit_error *err)
{
	struct igvm_read_opts ro;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if ((!data && len) || !ret_text)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no IGVM bytes or no place for the result"));
	read_opts(flags, &ro);
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = igvm_inspect(data ? data : (const uint8_t *)"", len, &ro, json != 0, &out, &d);
	if (r >= 0 && !json)
		r = regen_store_text(data ? data : (const uint8_t *)"", len, &ro, &out);
	if (r >= 0)
		r = lib_take_text(&out, ret_text, ret_len);
	ik_buf_release(&out);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}
