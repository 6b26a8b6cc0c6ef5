/* SPDX-License-Identifier: MIT */
/*
 * What `igvmkit regen` prints (cli/regen_report.h): kept apart from
 * cli/cmd_regen.c, which reads the options and runs assemble/regen_run.h.
 */
#include "cli/regen_report.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/hex.h"
#include "measure/measure.h"
#include "vars/efi.h"

#define CMD "regen"

static void print_changes(const char *label, const struct regen_payload_report *rep)
{
	for (size_t i = 0; i < rep->n_changes; i++) {
		const struct measure_result *a = &rep->changes[i].old_result, *b = &rep->changes[i].new_result;
		char ha[2 * MEASURE_DIGEST_MAX + 1], hb[2 * MEASURE_DIGEST_MAX + 1];

		ik_hex_encode(a->digest, a->digest_len, ha);
		ik_hex_encode(b->digest, b->digest_len, hb);
		printf("%s%-8s %s", label, measure_platform_name(b->platform), measure_digest_field(b->platform));
		if (measure_platform_has_vmsas(b->platform))
			printf(" vcpus=%u %s", b->vcpus, b->vcpu_type);
		printf(" loader=%s%s\n", measure_loader_name(b->loader),
		       rep->changes[i].changed ? "" : " (unchanged)");
		printf("  old %s\n  new %s\n", ha, hb);
	}
}

/* QUIET: only the warning. */
void regen_report_print_payload(const char *input, const struct regen_payload_report *rep, bool quiet)
{
	const struct regen_store *st = &rep->store;
	char label[300] = "";

	if (rep->fwid[0])
		snprintf(label, sizeof(label), "[%s] ", cli_name(rep->fwid));
	if (!quiet)
		printf("%s%s: variable store (%s layout, 0x%x bytes) at gpa 0x%" PRIx64 ", %zu -> %zu variables, %zu pages rewritten\n",
		       label, cli_name(input), st->geometry, st->fv_length, st->gpa, st->old_vars, st->new_vars,
		       st->pages_changed);
	if (st->setup_mode_warning)
		cli_warn(CMD, "%s: %s", cli_name(input), VARS_SETUP_MODE_WARNING);
	if (st->dropped_id_block)
		cli_warn(CMD, "%s: SNP_ID_BLOCK dropped: sign the new launch digest with 'igvmkit sign-id-block'",
			 cli_name(input));
	if (!quiet)
		print_changes(label, rep);
	if (!quiet && (rep->corim_documents || rep->corim_removed))
		printf("%sCoRIM headers: %zu document(s) regenerated, %zu re-signed, %zu removed\n", label,
		       rep->corim_documents, rep->corim_signatures, rep->corim_removed);
	if (!quiet && rep->has_boot) {
		struct ik_buf text;

		ik_buf_init(&text, 0);
		if (regen_boot_report_text(rep, label, &text) >= 0)
			fwrite(text.data, 1, text.len, stdout);
		ik_buf_release(&text);
	}
}

/* The summary of a run about to be committed: every payload, the output and its JSONs. */
void regen_report_print_run(void *data)
{
	const struct regen_report_summary *sm = data;
	const struct regen_result *res = sm->res;

	for (size_t i = 0; i < res->n_done; i++)
		regen_report_print_payload(sm->run->input, &res->payloads[i], cli_quiet());
	if (cli_quiet())
		return;
	printf("%s: %zu bytes%s\n", cli_name(sm->run->output), res->output_len,
	       res->fuki ? (res->signed_output ? ", signed" : ", unsigned") : "");
	for (size_t i = 0; !sm->run->no_measurements && i < res->n_payloads; i++)
		printf("%s: measurements\n", cli_name(res->payloads[i].measurements_file));
	for (size_t i = 0; i < res->n_payloads; i++)
		for (size_t k = 0; k < res->payloads[i].corim_files.n; k++)
			printf("%s: CoRIM\n", cli_name(res->payloads[i].corim_files.v[k].name));
}
