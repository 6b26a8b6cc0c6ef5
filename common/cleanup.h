/* SPDX-License-Identifier: MIT */
/*
 * Scope-bound cleanup helpers.
 *
 * Ownership rule for all of igvmkit: every allocation has exactly one owner.
 * A local that owns something is declared with _cleanup_(x_freep); when the
 * owned value leaves the function it is handed over with TAKE_PTR(), which
 * clears the local so the cleanup handler sees NULL.
 */
#ifndef IGVMKIT_COMMON_CLEANUP_H
#define IGVMKIT_COMMON_CLEANUP_H

#include <stdlib.h>

#define _cleanup_(f) __attribute__((__cleanup__(f)))

/* Defines static inline void NAME##p(TYPE **p) calling FREE(*p) when non-NULL.
 * Marked unused: clang warns about unused static inline functions in a .c file. */
#define IK_DEFINE_CLEANUP(type, free_fn)                                       \
	static inline __attribute__((unused)) void free_fn##p(type **p)        \
	{                                                                      \
		if (*p)                                                        \
			free_fn(*p);                                           \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Hand ownership of *PTR to the caller: yields the value, leaves NULL behind. */
#define TAKE_PTR(ptr)                                                          \
	__extension__({                                                        \
		__typeof__(ptr) *_pp = &(ptr);                                 \
		__typeof__(ptr) _p = *_pp;                                     \
		*_pp = NULL;                                                   \
		_p;                                                            \
	})

#define IK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
