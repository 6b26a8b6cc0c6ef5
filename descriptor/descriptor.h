/* SPDX-License-Identifier: MIT */
/*
 * QEMU firmware descriptors (QEMU docs/interop/firmware.json, struct
 * 'Firmware') for IGVM files, so management software such as libvirt can
 * find and select them.
 *
 * The mapping uses FirmwareDevice 'igvm' with FirmwareMappingIgvm
 * { 'filename' } (QEMU 10.1 and later; "-object igvm-cfg,file=FILENAME").
 * Every member of 'Firmware' is mandatory in the schema: description,
 * interface-types, mapping, targets, features and tags; tags always end with
 * FWDESC_GENERATOR_TAG, naming the igvmkit release that wrote the file.
 *
 * Output is deterministic: features are deduplicated and emitted in the
 * schema's enum order whatever order they were given in; interface types,
 * targets, machines and tags keep the caller's order.
 */
#ifndef IGVMKIT_DESCRIPTOR_DESCRIPTOR_H
#define IGVMKIT_DESCRIPTOR_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>

#define FWDESC_GENERATOR_TAG "generator=igvmkit " IGVMKIT_VERSION

#include "igvm/igvm.h"
#include "common/buf.h"
#include "common/diag.h"

/* Caps (a descriptor is a handful of lines; larger inputs are mistakes). */
#define FWDESC_LIST_MAX 64
#define FWDESC_STRING_MAX 4096

struct fwdesc_target {
	const char *architecture;      /* FirmwareArchitecture: "x86_64", "aarch64", ... */
	const char *const *machines;   /* glob patterns, e.g. "pc-q35-*" */
	size_t n_machines;
};

struct fwdesc {
	const char *description;	    /* human-readable, required */
	const char *filename;		    /* the IGVM's absolute path as installed */
	const char *const *interface_types; /* FirmwareOSInterface; NULL/0 = { "uefi" } */
	size_t n_interface_types;
	const struct fwdesc_target *targets; /* NULL/0 = x86_64 { "pc-q35-*" } */
	size_t n_targets;
	const char *const *features;	    /* FirmwareFeature names */
	size_t n_features;
	const char *const *tags;	    /* free-form, ignored by management software */
	size_t n_tags;
};

/*
 * Appends the descriptor JSON to OUT.  Fails with -EINVAL (diag names the
 * member) for a missing description, a filename that is not absolute, an
 * unknown feature / interface type / architecture, an empty machine list,
 * or mutually exclusive features (verbose-dynamic with verbose-static).
 */
int fwdesc_write_json(const struct fwdesc *fw, struct ik_buf *out, struct ik_diag *d);

/* True when NAME is a FirmwareFeature of the schema. */
bool fwdesc_feature_known(const char *name);
/* True when NAME is a FirmwareOSInterface / FirmwareArchitecture of the schema. */
bool fwdesc_interface_known(const char *name);
bool fwdesc_architecture_known(const char *name);

/*
 * The features an IGVM file's SUPPORTED_PLATFORM headers establish:
 * SEV -> "amd-sev", SEV_ES -> "amd-sev-es", SEV_SNP -> "amd-sev-snp".
 * TDX -> "intel-tdx" only if INCLUDE_TDX: QEMU's IGVM loader does not handle
 * TDX (igvm.md section 4), so advertising it would make management software
 * pick a firmware QEMU cannot start.  NATIVE, VSM and CCA add nothing.
 * Writes up to CAP names (static strings) to RET and their number to *RET_N.
 */
int fwdesc_features_from_igvm(const struct igvm_file *f, bool include_tdx, const char **ret,
			      size_t cap, size_t *ret_n, struct ik_diag *d);

/* "x86_64" or "aarch64" for the file's architecture. */
const char *fwdesc_architecture_of(const struct igvm_file *f);

#endif
