/* SPDX-License-Identifier: MIT */
#include "common/yaml_depth.h"

#include <errno.h>
#include <stdio.h>

#include <yaml.h>

int ik_yaml_check_depth(const uint8_t *p, size_t len, unsigned max_depth, struct ik_diag *d)
{
	yaml_parser_t parser;
	unsigned depth = 0;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, p, len);
	for (;;) {
		yaml_event_t ev;
		yaml_event_type_t type;

		if (!yaml_parser_parse(&parser, &ev))
			break; /* a syntax error: the loader reports it */
		type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > max_depth) {
				char place[64];

				snprintf(place, sizeof(place), "line %zu, column %zu",
					 ev.start_mark.line + 1, ev.start_mark.column + 1);
				r = ik_fail_at(d, -E2BIG, place,
					       "lists and mappings nested deeper than %u levels", max_depth);
				yaml_event_delete(&ev);
				break;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return r;
}
