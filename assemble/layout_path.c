/* SPDX-License-Identifier: MIT */
#include "layout_path.h"

#include <stdlib.h>
#include <string.h>

/* Removes "." segments and "x/.." pairs in place; keeps leading ".." of relative paths. */
static void normalise(char *p)
{
	char *out, *in;
	int absolute = p[0] == '/';
	char *start = absolute ? p + 1 : p;

	in = start;
	out = start;
	while (*in) {
		char *seg = in;
		size_t len = strcspn(seg, "/");

		in = seg + len;
		if (*in == '/')
			in++;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			/* drop the previous segment unless there is none or it is ".." */
			char *prev_end = out > start ? out - 1 : start; /* at the '/' we wrote */
			char *prev = prev_end;
			while (prev > start && prev[-1] != '/')
				prev--;
			size_t prev_len = (size_t)(prev_end - prev);
			if (out > start && !(prev_len == 2 && prev[0] == '.' && prev[1] == '.')) {
				out = prev;
				continue;
			}
			if (absolute)
				continue; /* "/.." is "/" */
		}
		memmove(out, seg, len);
		out += len;
		*out++ = '/';
	}
	if (out > start)
		out--; /* trailing '/' */
	if (out == p) {
		*out++ = '.';
	}
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
