/* SPDX-License-Identifier: MIT */
/*
 * The output of `igvmkit regen` (cli/cmd_regen.c): per payload its variable
 * store, warnings, old and new measurements, CoRIM headers and boot-time
 * events; then the files written.
 */
#ifndef IGVMKIT_CLI_REGEN_REPORT_H
#define IGVMKIT_CLI_REGEN_REPORT_H

#include <stdbool.h>

#include "assemble/regen_run.h"

/* One payload's report on stdout (warnings on stderr); QUIET: only the warnings. */
void regen_report_print_payload(const char *input, const struct regen_payload_report *rep, bool quiet);

/* What regen_report_print_run() prints: the run's options and result. */
struct regen_report_summary {
	const struct regen_run_opts *run;
	const struct regen_result *res;
};

/* Every payload, the output and its JSON and CoRIM files (a cli_summary_before_commit callback). */
void regen_report_print_run(void *data);

#endif
