/* SPDX-License-Identifier: MIT */
#include "fuki/efifw.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/bytes.h"

int efifw_check_fwid(const char *fwid, struct ik_diag *d)
{
	size_t n = strlen(fwid);

	if (n == 0 || n > EFIFW_FWID_MAX)
		return ik_fail(d, -EINVAL, "firmware id '%s' must have 1 to %d characters", fwid,
			       EFIFW_FWID_MAX);
	for (size_t i = 0; i < n; i++)
		if (fwid[i] < 0x20 || fwid[i] > 0x7e)
			return ik_fail(d, -EINVAL, "firmware id '%s' must be printable ASCII", fwid);
	return 0;
}

int efifw_header(const char *fwid, size_t payload_len, struct ik_buf *out, struct ik_diag *d)
{
	size_t fwid_len;
	int r;

	r = efifw_check_fwid(fwid, d);
	if (r < 0)
		return r;
	fwid_len = strlen(fwid) + 1;
	if (payload_len == 0 || payload_len > UINT32_MAX - EFIFW_HEADER_SIZE - fwid_len)
		return ik_fail(d, -EFBIG, "firmware payload for '%s' must hold 1 byte to 4 GiB, not %zu",
			       fwid, payload_len);
	r = ik_buf_append_le32(out, EFIFW_MAGIC);
	if (r >= 0)
		r = ik_buf_append_le32(out, EFIFW_HEADER_SIZE);
	if (r >= 0)
		r = ik_buf_append_le32(out, (uint32_t)fwid_len);
	if (r >= 0)
		r = ik_buf_append_le32(out, (uint32_t)payload_len);
	if (r >= 0)
		r = ik_buf_append(out, fwid, fwid_len);
	if (r < 0)
		return ik_fail(d, r, "cannot build the .efifw header for '%s'", fwid);
	return 0;
}

int efifw_build(const char *fwid, const uint8_t *payload, size_t payload_len, struct ik_buf *out,
		struct ik_diag *d)
{
	int r = efifw_header(fwid, payload_len, out, d);
	if (r >= 0 && ik_buf_append(out, payload, payload_len) < 0)
		r = ik_fail(d, -ENOMEM, "cannot build the .efifw section for '%s'", fwid);
	return r;
}

int efifw_parse(const uint8_t *p, size_t len, struct efifw_view *ret, struct ik_diag *d)
{
	uint32_t magic, header_len, fwid_len, payload_len;
	uint64_t total;

	if (len < EFIFW_HEADER_SIZE)
		return ik_fail_at(d, -EBADMSG, ".efifw", "%zu bytes cannot hold the 16-byte header", len);
	magic = ik_get_le32(p);
	header_len = ik_get_le32(p + 4);
	fwid_len = ik_get_le32(p + 8);
	payload_len = ik_get_le32(p + 12);
	if (magic != EFIFW_MAGIC)
		return ik_fail_at(d, -EBADMSG, ".efifw offset 0x0",
				  "magic 0x%08" PRIx32 " is not 0xfeeddead", magic);
	if (header_len < EFIFW_HEADER_SIZE)
		return ik_fail_at(d, -EBADMSG, ".efifw offset 0x4",
				  "header_len %" PRIu32 " is below 16", header_len);
	total = (uint64_t)header_len + fwid_len + payload_len;
	if (total > len)
		return ik_fail_at(d, -EBADMSG, ".efifw",
				  "header %" PRIu32 " + fwid %" PRIu32 " + payload %" PRIu32
				  " bytes exceed the %zu-byte section",
				  header_len, fwid_len, payload_len, len);
	if (fwid_len == 0 || p[header_len + fwid_len - 1] != '\0' ||
	    memchr(p + header_len, '\0', fwid_len - 1) != NULL)
		return ik_fail_at(d, -EBADMSG, ".efifw fwid",
				  "the %" PRIu32 "-byte firmware id must end with its only NUL",
				  fwid_len);
	ret->header_len = header_len;
	ret->fwid = (const char *)(p + header_len);
	ret->payload = p + header_len + fwid_len;
	ret->payload_len = payload_len;
	return 0;
}
