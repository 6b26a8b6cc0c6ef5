/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the layout loader: YAML parsing (libyaml), includes, deep
 * merge, variants, variable substitution and every key table.  The input is
 * served as an embedded layout next to one embedded template it may include,
 * so nothing touches the file system; layouts are loaded, never built.
 * Every layout that loads is printed with layout_dump() and must load again.
 * Seeds: tests/fuzz/corpus/layout (the shipped layouts and templates).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "layout/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char tmpl[] = "platforms: {sev-snp: {policy: 0x30000}}\n"
				   "variables: {T: t}\n"
				   "measure: {vcpus: [1, 2]}\n";
	struct layout_embedded_file files[] = {
		{ "layouts/fuzz.yaml", (const char *)data, size },
		{ "templates/t.yaml", tmpl, sizeof(tmpl) - 1 },
		{ "layouts/self.yaml", "include: fuzz.yaml\n", 19 },
	};
	static const struct layout_define defs[] = { { "D", "x" }, { "OVMF", "/dev/null" } };
	static const char *const variants[] = { NULL, "v", "gce" };

	if (size > LAYOUT_FILE_MAX)
		return 0;
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		struct layout_load_opts o;
		struct layout *l = NULL;
		struct ik_diag d;

		memset(&o, 0, sizeof(o));
		o.path = "layouts/fuzz.yaml";
		o.embedded = files;
		o.n_embedded = sizeof(files) / sizeof(files[0]);
		o.defines = defs;
		o.n_defines = sizeof(defs) / sizeof(defs[0]);
		o.variant = variants[v];
		ik_diag_init(&d);
		if (layout_load(&o, &l, &d) >= 0) {
			struct ik_buf out;

			/* the effective layout must always load again */
			ik_buf_init(&out, (size_t)1 << 24);
			if (layout_dump(l, &out) >= 0) {
				struct layout_embedded_file again = { "layouts/again.yaml",
								      (const char *)out.data, out.len };
				struct layout_load_opts o2;
				struct layout *l2 = NULL;

				memset(&o2, 0, sizeof(o2));
				o2.path = again.name;
				o2.embedded = &again;
				o2.n_embedded = 1;
				ik_diag_init(&d);
				if (layout_load(&o2, &l2, &d) < 0)
					__builtin_trap();
				layout_free(l2);
			}
			ik_buf_release(&out);
			layout_free(l);
		}
	}
	return 0;
}
