/* SPDX-License-Identifier: MIT */
#include "layout/layout_path.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Removes "." segments and "x/.." pairs in place; keeps leading ".." of relative paths. */
static void normalise(char *p)
{
	bool absolute = p[0] == '/';
	char *start = absolute ? p + 1 : p;
	const char *in = start, *end = p + strlen(p);
	char *out = start;

	while (in < end) {
		const char *seg = in;
		size_t len = strcspn(seg, "/");

		in = seg + len + (seg[len] == '/' ? 1 : 0);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			/* drop the previous segment unless there is none or it is ".." */
			if (out > start) {
				char *prev_end = out - 1; /* the '/' written after it */
				char *prev = prev_end;
				while (prev > start && prev[-1] != '/')
					prev--;
				if (!((size_t)(prev_end - prev) == 2 && prev[0] == '.' && prev[1] == '.')) {
					out = prev;
					continue;
				}
			} else if (absolute) {
				continue; /* "/.." is "/" */
			}
		}
		/* out never passes seg, so the copy reads before it writes */
		memmove(out, seg, len);
		out += len;
		*out++ = '/';
	}
	if (out > start)
		out--; /* the last '/' */
	if (out == p)
		*out++ = '.';
	*out = '\0';
}

char *layout_path_join_dir(const char *file, const char *rel)
{
	const char *slash;
	size_t dir_len;
	char *out;

	if (rel[0] == '/') {
		out = strdup(rel);
		if (out)
			normalise(out);
		return out;
	}
	slash = strrchr(file, '/');
	dir_len = slash ? (size_t)(slash - file) + 1 : 0;
	out = malloc(dir_len + strlen(rel) + 1);
	if (!out)
		return NULL;
	memcpy(out, file, dir_len);
	strcpy(out + dir_len, rel);
	normalise(out);
	return out;
}
