/* SPDX-License-Identifier: MIT */
/*
 * A nesting cap for YAML and JSON inputs, checked before the document is loaded.
 *
 * libyaml's scanner does work proportional to the current flow nesting depth
 * for every token it reads, so loading a document nested N levels deep costs
 * O(N^2): a 400 KB JSON file of 200000 '[' takes minutes in yaml_parser_load,
 * before any depth check on the loaded tree can run.  Walking the parser's
 * events and stopping at the cap bounds that work by the cap instead.
 */
#ifndef IGVMKIT_COMMON_YAML_DEPTH_H
#define IGVMKIT_COMMON_YAML_DEPTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

/* Generous for every format igvmkit reads (layouts nest about 6 deep, CHID and QEMU JSON 3). */
#define IK_YAML_DEPTH_MAX 64

/*
 * Fails with -E2BIG, place "line L, column C" of the first collection past
 * MAX_DEPTH, when P nests sequences and mappings deeper than that.  Syntax
 * errors are not reported here (returns 0): the loader reports them as usual.
 */
int ik_yaml_check_depth(const uint8_t *p, size_t len, unsigned max_depth, struct ik_diag *d);

#endif
