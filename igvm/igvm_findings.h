/* SPDX-License-Identifier: MIT */
/*
 * Findings about an IGVM file that do not make it unreadable: notes on what the
 * reader accepted although the spec says otherwise, and the results of checks
 * against what a loader accepts (measure/kvm_check.h).  Each names its rule, the
 * header it is about and the source the rule comes from.  `igvmkit inspect`
 * prints them (docs/inspect-json.md "notes", "kvm_checks").
 */
#ifndef IGVMKIT_IGVM_IGVM_FINDINGS_H
#define IGVMKIT_IGVM_IGVM_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "igvm/igvm.h"

#define IGVM_FINDING_NO_HEADER SIZE_MAX
#define IGVM_FINDING_MSG_MAX 384

enum igvm_finding_level {
	/* Accepted by the loader the rule is about; another tool refuses or the spec frowns. */
	IGVM_FINDING_NOTE = 0,
	/* The loader the rule is about refuses the file. */
	IGVM_FINDING_ERROR = 1,
};

struct igvm_finding {
	const char *rule;   /* stable identifier, e.g. "qemu-vmsa-gpa" (static string) */
	enum igvm_finding_level level;
	size_t header;	    /* header index, or IGVM_FINDING_NO_HEADER */
	const char *source; /* where the rule comes from (static string) */
	char message[IGVM_FINDING_MSG_MAX];
};

struct igvm_findings {
	struct igvm_finding *v;
	size_t n, cap;
};

/* Appends a finding; -ENOMEM on allocation failure (FS unchanged). */
int igvm_findings_add(struct igvm_findings *fs, const char *rule, enum igvm_finding_level level,
		      size_t header, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void igvm_findings_release(struct igvm_findings *fs);
/* Number of findings of LEVEL. */
size_t igvm_findings_count(const struct igvm_findings *fs, enum igvm_finding_level level);
/* "note" or "error". */
const char *igvm_finding_level_name(enum igvm_finding_level level);

/*
 * Notes on what the reader accepts although the spec says otherwise (today: SNP
 * ID blocks with author_key_enabled 0 and non-zero author fields, as igvmmeasure
 * signs them), appended to FS.
 */
int igvm_reader_notes(const struct igvm_file *f, struct igvm_findings *fs);

#endif
