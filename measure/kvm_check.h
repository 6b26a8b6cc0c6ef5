/* SPDX-License-Identifier: MIT */
/*
 * What QEMU's IGVM loader with KVM refuses in an IGVM file, and which of
 * COCONUT igvmmeasure's --check-kvm rules are only that tool's limitations
 * (docs/measure.md "QEMU/KVM rules").  `igvmkit build` fails on errors and
 * `igvmkit inspect --check-kvm` lists every finding.
 */
#ifndef IGVMKIT_MEASURE_KVM_CHECK_H
#define IGVMKIT_MEASURE_KVM_CHECK_H

#include "common/diag.h"
#include "igvm/igvm.h"
#include "igvm/igvm_findings.h"

/*
 * Appends to OUT one finding per rule broken, per header:
 *   IGVM_FINDING_ERROR  QEMU (backends/igvm.c, target/i386/sev.c) or KVM refuses
 *                       the file when launching one of its SEV/SEV-ES/SEV-SNP
 *                       platforms;
 *   IGVM_FINDING_NOTE   igvmmeasure --check-kvm refuses it, but QEMU/KVM accept it.
 * Returns 0, or -ENOMEM filling D.  Fits igvm_inspect_check_fn (CTX unused).
 */
int measure_check_kvm(const struct igvm_file *f, struct igvm_findings *out, void *ctx,
		      struct ik_diag *d);

#endif
