/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for every reader in vars/: signature lists, .auth files
 * (including their PKCS#7), variable store images, QEMU JSON stores and the
 * inspect printers.
 * Inputs starting with 'S' are copied into the variable area of an empty 2m
 * store, so small inputs reach the variable-header parser.
 * Seeds: tests/vars/fuzz-corpus.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vars/auth.h"
#include "vars/esl.h"
#include "vars/inspect.h"
#include "vars/sb_events.h"
#include "vars/varjson.h"
#include "vars/varstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_readers(const uint8_t *p, size_t len)
{
	struct esl_db db;
	struct vars_auth a;
	struct vars_cert_set certs;
	struct vars_list l;
	struct vars_store_info info;
	struct ik_buf out;

	if (esl_db_parse(p, len, &db, NULL) >= 0)
		esl_db_release(&db);
	if (vars_auth_parse(p, len, &a, NULL) >= 0 && vars_auth_certs(&a, &certs, NULL) >= 0)
		vars_cert_set_release(&certs);
	if (vars_json_parse(p, len, &l, NULL) >= 0)
		vars_list_release(&l);
	if (vars_store_parse(p, len, &l, &info, NULL) >= 0) {
		vars_store_info_release(&info);
		vars_list_release(&l);
	}
	for (int json = 0; json < 2; json++) {
		ik_buf_init(&out, 0);
		vars_inspect(p, len, json != 0, &out, NULL);
		ik_buf_release(&out);
	}
	/* the boot-time Secure Boot events of a store (issue 17) */
	struct measure_boot_prediction pred;
	if (vars_sb_events_from_store(p, len, NULL, &pred, NULL) >= 0)
		measure_boot_prediction_release(&pred);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 && data[0] == 'S') {
		const struct vars_store_geometry *g = vars_store_geometry_at(0);
		struct vars_list none;
		struct ik_buf img;
		size_t n = size - 1;

		vars_list_init(&none);
		ik_buf_init(&img, 0);
		if (vars_store_build(g, &none, &img, NULL) >= 0) {
			if (n > g->live_size - VARS_FIRST_VARIABLE_OFFSET)
				n = g->live_size - VARS_FIRST_VARIABLE_OFFSET;
			memcpy(img.data + VARS_FIRST_VARIABLE_OFFSET, data + 1, n);
			run_readers(img.data, img.len);
		}
		ik_buf_release(&img);
		return 0;
	}
	run_readers(data, size);
	return 0;
}
