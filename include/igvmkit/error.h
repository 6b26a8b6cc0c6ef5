/* SPDX-License-Identifier: MIT */
/*
 * libigvmkit conventions shared by every public header (docs/libigvmkit.md).
 *
 *  - Functions returning int return >= 0 on success and a negative errno
 *    value (-EINVAL, -ENOENT, ...) on failure.  Every such function takes a
 *    last argument `igvmkit_error *err`, which may be NULL; on failure it is
 *    filled (code, and what is known of file, place and message), on
 *    success it is left as it was.  The library never prints and never exits.
 *  - Memory the library returns through `uint8_t **` / `char **` arguments
 *    belongs to the caller and is freed with igvmkit_free().  Handles
 *    (igvmkit_igvm) have their own free function.  Arguments the library
 *    reads are borrowed for the duration of the call only.
 *  - Strings are NUL-terminated UTF-8; booleans are int (0 or 1).
 */
#ifndef IGVMKIT_ERROR_H
#define IGVMKIT_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported functions; building the library defines IGVMKIT_BUILDING_LIBRARY. */
#if defined(IGVMKIT_BUILDING_LIBRARY)
#define IGVMKIT_API __attribute__((visibility("default")))
#else
#define IGVMKIT_API
#endif

#define IGVMKIT_ERROR_FILE_MAX 512
#define IGVMKIT_ERROR_PLACE_MAX 160
#define IGVMKIT_ERROR_MESSAGE_MAX 768

/*
 * What went wrong, filled on failure.  Empty strings are parts that are not
 * known.  The layout of this record is part of the ABI.
 */
typedef struct igvmkit_error {
	int code;				/* the negative errno value returned */
	char file[IGVMKIT_ERROR_FILE_MAX];	/* input or output concerned */
	char place[IGVMKIT_ERROR_PLACE_MAX];	/* "line 3, column 7", "header 5 (PAGE_DATA)", "offset 0x40" */
	char message[IGVMKIT_ERROR_MESSAGE_MAX]; /* what was expected and what was found */
} igvmkit_error;

/*
 * Writes "file:place: message" (empty parts left out) into OUT, always
 * NUL-terminated when OUT_LEN > 0.  Returns the length written.
 */
IGVMKIT_API size_t igvmkit_error_format(const igvmkit_error *err, char *out, size_t out_len);

/* Frees a buffer or string array the library returned; NULL is accepted. */
IGVMKIT_API void igvmkit_free(void *p);

/* The library's version, "MAJOR.MINOR.PATCH" (static storage). */
IGVMKIT_API const char *igvmkit_version(void);

#ifdef __cplusplus
}
#endif

#endif
