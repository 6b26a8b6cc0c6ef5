/* SPDX-License-Identifier: MIT */
/*
 * Minimal unit-test support shared by igvmkit's C tests.
 * IK_CHECK records a failure and continues; ik_test_done() prints
 * "N passed, N failed" and returns the process exit status.
 */
#ifndef IGVMKIT_TESTS_IK_TEST_H
#define IGVMKIT_TESTS_IK_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned ik_test_passed, ik_test_failed;

#define IK_CHECK(cond)                                                                         \
	do {                                                                                   \
		if (cond) {                                                                    \
			ik_test_passed++;                                                      \
		} else {                                                                       \
			ik_test_failed++;                                                      \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                              \
	} while (0)

#define IK_CHECK_EQ_U64(a, b)                                                                  \
	do {                                                                                   \
		uint64_t ik_a_ = (uint64_t)(a), ik_b_ = (uint64_t)(b);                         \
		if (ik_a_ == ik_b_) {                                                          \
			ik_test_passed++;                                                      \
		} else {                                                                       \
			ik_test_failed++;                                                      \
			fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
				__FILE__, __LINE__, #a, #b, ik_a_, ik_b_);                     \
		}                                                                              \
	} while (0)

#define IK_CHECK_STR(a, b)                                                                     \
	do {                                                                                   \
		const char *ik_a_ = (a), *ik_b_ = (b);                                         \
		if (ik_a_ && ik_b_ && strcmp(ik_a_, ik_b_) == 0) {                             \
			ik_test_passed++;                                                      \
		} else {                                                                       \
			ik_test_failed++;                                                      \
			fprintf(stderr, "%s:%d: %s == %s failed: '%s' != '%s'\n", __FILE__,     \
				__LINE__, #a, #b, ik_a_ ? ik_a_ : "(null)", ik_b_ ? ik_b_ : "(null)"); \
		}                                                                              \
	} while (0)

static inline int ik_test_done(void)
{
	printf("%u passed, %u failed\n", ik_test_passed, ik_test_failed);
	return ik_test_failed ? 1 : 0;
}

#endif
