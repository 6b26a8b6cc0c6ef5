/* SPDX-License-Identifier: MIT */
/* QEMU's SEV kernel/initrd/cmdline hashes table (measure.md §3). */
#include "measure/kernel_hashes.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/guid.h"

IK_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

static void put_guid(uint8_t *p, const char *text)
{
	struct ik_guid g;

	/* The constants of kernel_hashes.h always parse. */
	if (ik_guid_parse(text, &g) < 0)
		memset(&g, 0, sizeof(g));
	memcpy(p, g.b, sizeof(g.b));
}

int kernel_hashes_compute(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			  size_t initrd_len, const char *cmdline, struct kernel_hashes *ret,
			  struct ik_diag *d)
{
	static const uint8_t nul = 0;
	struct kernel_hashes h;

	if (!kernel)
		return ik_fail(d, -EINVAL, "a kernel is required for kernel hashes");
	/* The command line is hashed with its terminating NUL; none at all is just the NUL. */
	if (ik_sha256(cmdline ? (const void *)cmdline : &nul, cmdline ? strlen(cmdline) + 1 : 1,
		      h.cmdline) < 0 ||
	    ik_sha256(initrd ? initrd : &nul, initrd ? initrd_len : 0, h.initrd) < 0 ||
	    ik_sha256(kernel, kernel_len, h.kernel) < 0)
		return ik_fail_openssl(d, -EIO, "SHA-256");
	*ret = h;
	return 0;
}

/* SHA-256 of a whole file, streamed, capped at MAX bytes. */
static int sha256_file(const char *path, size_t max, uint8_t out[32], struct ik_diag *d)
{
	uint8_t chunk[1 << 16];
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
	size_t total = 0;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		ik_fail(d, r, "cannot open: %s", strerror(-r));
		return ik_diag_file(d, path, ik_io_err(r));
	}
	if (fstat(fd, &st) == 0)
		ik_input_note(path, &st); /* no output of the run may replace it */
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		close(fd);
		return ik_fail_openssl(d, -ENOMEM, "SHA-256");
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ik_diag_file(d, path, ik_fail(d, -EIO, "read failed: %s", strerror(errno)));
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			r = ik_diag_file(d, path, ik_fail(d, -EFBIG, "larger than the %zu-byte input limit", max));
			break;
		}
		if (EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1) {
			r = ik_fail_openssl(d, -EIO, "SHA-256");
			break;
		}
	}
	close(fd);
	if (r < 0)
		return r;
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-256");
	return 0;
}

int kernel_hashes_compute_files(const char *kernel_path, const char *initrd_path,
				const char *cmdline, size_t max, struct kernel_hashes *ret,
				struct ik_diag *d)
{
	struct kernel_hashes h;
	int r;

	if (!kernel_path)
		return ik_fail(d, -EINVAL, "a kernel is required for kernel hashes");
	if (max == 0 || max > ik_input_max()) /* the process-wide cap applies too */
		max = ik_input_max();
	r = kernel_hashes_compute((const uint8_t *)"", 0, NULL, 0, cmdline, &h, d);
	if (r < 0)
		return r;
	r = sha256_file(kernel_path, max, h.kernel, d);
	if (r < 0)
		return r;
	if (initrd_path) {
		r = sha256_file(initrd_path, max, h.initrd, d);
		if (r < 0)
			return r;
	}
	*ret = h;
	return 0;
}

void kernel_hashes_table(const struct kernel_hashes *h, uint8_t out[SEV_HASH_TABLE_PADDED_SIZE])
{
	static const struct {
		const char *guid;
		size_t digest_off;
	} entries[] = {
		/* Table order: cmdline, initrd, kernel. */
		{ SEV_CMDLINE_ENTRY_GUID, offsetof(struct kernel_hashes, cmdline) },
		{ SEV_INITRD_ENTRY_GUID, offsetof(struct kernel_hashes, initrd) },
		{ SEV_KERNEL_ENTRY_GUID, offsetof(struct kernel_hashes, kernel) },
	};
	uint8_t *p = out;

	memset(out, 0, SEV_HASH_TABLE_PADDED_SIZE);
	put_guid(p, SEV_HASH_TABLE_GUID);
	ik_put_le16(p + 16, SEV_HASH_TABLE_LENGTH);
	p += 18;
	for (size_t i = 0; i < IK_ARRAY_SIZE(entries); i++) {
		put_guid(p, entries[i].guid);
		ik_put_le16(p + 16, SEV_HASH_TABLE_ENTRY_SIZE);
		memcpy(p + 18, (const uint8_t *)h + entries[i].digest_off, 32);
		p += SEV_HASH_TABLE_ENTRY_SIZE;
	}
}

int kernel_hashes_page(const struct kernel_hashes *h, uint32_t offset_in_page,
		       uint8_t page[KERNEL_HASHES_PAGE_SIZE], struct ik_diag *d)
{
	if (offset_in_page > KERNEL_HASHES_PAGE_SIZE - SEV_HASH_TABLE_PADDED_SIZE)
		return ik_fail(d, -EINVAL, "kernel hashes table at page offset 0x%" PRIx32
			       " does not fit: at most 0x%x expected", offset_in_page,
			       KERNEL_HASHES_PAGE_SIZE - SEV_HASH_TABLE_PADDED_SIZE);
	memset(page, 0, KERNEL_HASHES_PAGE_SIZE);
	kernel_hashes_table(h, page + offset_in_page);
	return 0;
}
