/* SPDX-License-Identifier: MIT */
/*
 * What the façade files of libigvmkit share: the handle behind the public
 * igvmkit_igvm, and the step from the internal struct ik_diag to the public
 * igvmkit_error.  Private to libigvmkit/.
 */
#ifndef IGVMKIT_LIBIGVMKIT_LIB_PRIVATE_H
#define IGVMKIT_LIBIGVMKIT_LIB_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/igvmkit.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/fileio.h"
#include "igvm/igvm.h"

/*
 * The public handle: the model, and the bytes it was read from when it was
 * read (a mapping of the file, or the library's copy of the caller's bytes),
 * which the model's blobs borrow from.  A built model has no source bytes.
 */
struct igvmkit_igvm {
	struct igvm_file *file;
	struct ik_file_bytes source; /* data == NULL when built */
};

/* Wraps a model F (taken over) in a new handle; NULL on allocation failure (F freed). */
igvmkit_igvm *lib_igvm_wrap(struct igvm_file *f);

/*
 * The end of every public function that failed: copies D (may be NULL) into
 * ERR (may be NULL) with code R, a message from strerror when D has none,
 * and returns R, which must be < 0.
 */
int lib_fail(igvmkit_error *err, const struct ik_diag *d, int r);

/* Hands the contents of B to the caller as *RET / *RET_LEN (B left empty). */
int lib_take(struct ik_buf *b, uint8_t **ret, size_t *ret_len);
/* The same, NUL-terminated, for text. */
int lib_take_text(struct ik_buf *b, char **ret, size_t *ret_len);

#endif
