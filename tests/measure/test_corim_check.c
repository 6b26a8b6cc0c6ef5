/* SPDX-License-Identifier: MIT */
/*
 * corim_check_igvm() from a script: test_corim_check IGVM CORIM decodes CORIM
 * and recomputes each of its reference values from IGVM.  Prints "ok N" or the
 * diag; exit 0 when all are equal, 1 when one differs (-EBADE), 3 otherwise.
 */
#include <errno.h>
#include <stdio.h>

#include "common/fileio.h"
#include "measure/corim.h"

int main(int argc, char **argv)
{
	struct ik_file_bytes igvm = { 0 }, corim = { 0 };
	struct measure_input_file in = { 0 };
	struct corim_doc doc = { 0 };
	struct ik_diag d;
	char line[2048];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: test_corim_check IGVM CORIM\n");
		return 2;
	}
	ik_diag_init(&d);
	r = ik_file_load(argv[1], 0, &igvm, &d);
	if (r >= 0)
		r = ik_file_load(argv[2], 0, &corim, &d);
	if (r >= 0)
		r = measure_input_open(igvm.data, igvm.len, argv[1], &in, &d);
	if (r >= 0 && !in.igvm)
		r = -EINVAL;
	if (r >= 0)
		r = corim_decode(corim.data, corim.len, &doc, &d);
	if (r >= 0)
		r = corim_check_igvm(&doc, in.igvm, &d);
	if (r >= 0) {
		printf("ok %zu\n", doc.n_refs);
	} else {
		ik_diag_format(&d, line, sizeof(line));
		printf("%s\n", line);
	}
	corim_doc_free(&doc);
	measure_input_close(&in);
	ik_file_release(&corim);
	ik_file_release(&igvm);
	return r >= 0 ? 0 : r == -EBADE ? 1 : 3;
}
