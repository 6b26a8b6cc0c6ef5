/* SPDX-License-Identifier: MIT */
/*
 * Layout language: the YAML description of an IGVM that `igvmkit build`
 * assembles (docs/layout.md, igvmkit-layout(5)).
 *
 * Loading a layout is three steps, all in this module:
 *   1. read YAML (libyaml) into a tree whose every node remembers its file,
 *      line and column; follow `include:` (relative to the including file,
 *      with cycle detection) and deep-merge the fragments under the file;
 *   2. apply a named variant (`variants: {NAME: {...}}`, deep-merged over the
 *      base) and substitute `${NAME}` references (-D, environment, `defines:`);
 *   3. check every key against a table per mapping and convert the tree into
 *      the typed struct layout below.
 * Any error names the file and "line L, column C" of the offending node.
 *
 * layout_build() (layout_build.h) turns a struct layout into an IGVM model.
 */
#ifndef IGVMKIT_LAYOUT_LAYOUT_H
#define IGVMKIT_LAYOUT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "igvm/igvm.h"

/* Caps on what a layout may contain (checked while loading). */
#define LAYOUT_FILE_MAX ((size_t)1 << 20)	/* bytes per YAML file */
#define LAYOUT_NODES_MAX 100000u		/* nodes after alias expansion, all files */
#define LAYOUT_DEPTH_MAX 64u			/* nesting depth */
#define LAYOUT_INCLUDE_DEPTH_MAX 16u
#define LAYOUT_VAR_DEPTH_MAX 16u		/* define values referring to defines */
#define LAYOUT_COMPONENTS_MAX 64u
#define LAYOUT_PARAM_AREAS_MAX 64u
#define LAYOUT_LIST_MAX 512u			/* vcpus, vcpu-types, ... */

/* Where a node came from; file points into the layout's interned names. */
struct layout_mark {
	const char *file;
	unsigned line;	 /* 1-based */
	unsigned column; /* 1-based */
};

/* A file compiled into the binary (the default layout and its templates). */
struct layout_embedded_file {
	const char *name; /* "layouts/default.yaml", "templates/x.yaml" */
	const char *data;
	size_t len;
};

struct layout_define {
	const char *name;
	const char *value;
};

struct layout_load_opts {
	/* Layout file: a path, or (when embedded != NULL) the name of an embedded file. */
	const char *path;
	const struct layout_embedded_file *embedded;
	size_t n_embedded;
	/* -D NAME=VALUE, highest precedence. */
	const struct layout_define *defines;
	size_t n_defines;
	/* The environment the caller allows ${NAME} to read ("NAME=VALUE" strings,
	 * NULL-terminated) or NULL (the default of `igvmkit build`: hermetic).  The
	 * library reads no environment behind the caller's back. */
	char *const *environ;
	/* Variant to apply, or NULL for the base layout. */
	const char *variant;
	/* SOURCE_DATE_EPOCH as the caller found it (even with environ NULL), or NULL:
	 * the TimeStamp of 'variables:' seeds no 'time:' or .auth input dates. */
	const char *source_date_epoch;
	/* Where the shipped layouts and templates are installed (igvmkit: DATADIR/igvmkit), or
	 * NULL.  A relative include not found beside the including file, and not starting with
	 * "./" or "../", is looked up here: `include: templates/ovmf-debian.yaml` works from any
	 * directory (docs/layout.md, "Includes"). */
	const char *data_dir;
};

/* A variable the layout used whose value came from outside it. */
struct layout_external_value {
	char *name;
	char *value;
	bool from_environment; /* else from -D */
};

/* Platforms a layout can select, in the order their headers are emitted. */
enum layout_platform_id {
	LAYOUT_PLATFORM_SEV_SNP = 0,
	LAYOUT_PLATFORM_SEV_ES,
	LAYOUT_PLATFORM_SEV,
	LAYOUT_PLATFORM_TDX,
	LAYOUT_PLATFORM_NATIVE,
	LAYOUT_PLATFORM_VSM,
	LAYOUT_PLATFORM_COUNT,
};

/* An SNP ID block the build signs over the launch digest (sev-snp only). */
struct layout_id_block {
	bool present;
	struct layout_mark mark;
	char *id_key;	  /* PEM file or pkcs11: URI */
	char *author_key; /* or NULL */
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t guest_svn;
};

struct layout_platform {
	bool enabled;
	struct layout_mark mark;
	uint64_t policy;	/* SNP guest policy / TDX policy (attributes) */
	bool has_policy;
	uint64_t shared_gpa_boundary;
	uint8_t vtl;		/* highest_vtl: 0 or 2 */
	bool has_vtl;
	uint64_t sev_features;	/* SNP/SEV-ES VMSA SEV_FEATURES */
	bool has_sev_features;
	struct layout_id_block id_block; /* sev-snp */
};

enum layout_component_kind {
	LAYOUT_COMPONENT_OVMF,
	LAYOUT_COMPONENT_SVSM,
	LAYOUT_COMPONENT_KERNEL_HASHES,
	LAYOUT_COMPONENT_IGVM,
	LAYOUT_COMPONENT_RAW,
};

enum layout_page_kind {
	LAYOUT_PAGE_NORMAL,
	LAYOUT_PAGE_UNMEASURED,
	LAYOUT_PAGE_SHARED,
	LAYOUT_PAGE_SECRETS,
	LAYOUT_PAGE_CPUID,
};

struct layout_component {
	char *name; /* mapping key under components: */
	enum layout_component_kind kind;
	struct layout_mark mark;
	uint32_t platforms; /* bit per enum layout_platform_id; 0 = every selected one that applies */
	struct layout_mark platforms_mark;

	char *file; /* resolved path: ovmf, svsm, igvm, raw */
	struct layout_mark file_mark;

	uint64_t address; /* raw: load GPA; kernel-hashes: table GPA */
	bool has_address;

	/* ovmf */
	char *code, *vars; /* a split build: OVMF_CODE/OVMF_VARS paths instead of file, or NULL */
	struct layout_mark code_mark, vars_mark;
	uint32_t ap_vp_contexts; /* extra SEV-ES/SNP VMSAs for vp_index 1..n at the reset block */
	bool sec_mem_unmeasured; /* SNP_SEC_MEM as unmeasured pages (GCE) instead of zero pages */

	/* svsm */
	uint64_t secrets_page, cpuid_page; /* GPAs, 0 = none */
	bool has_secrets_page, has_cpuid_page;
	uint64_t stack_top; /* initial RSP, 0 = none */
	uint64_t required_memory; /* REQUIRED_MEMORY bytes from the lowest segment page, 0 = none */

	/* kernel-hashes */
	char *kernel, *initrd; /* paths or NULL */
	char *cmdline;	       /* NULL = no -append */
	struct layout_mark kernel_mark;

	/* raw */
	enum layout_page_kind page_kind;
	uint64_t size; /* 0 = file size; larger pads with zero pages */
};

enum layout_param_type {
	LAYOUT_PARAM_VP_COUNT,
	LAYOUT_PARAM_MEMORY_MAP,
	LAYOUT_PARAM_ENVIRONMENT_INFO,
	LAYOUT_PARAM_MADT,
	LAYOUT_PARAM_SRAT,
	LAYOUT_PARAM_SLIT,
	LAYOUT_PARAM_PPTT,
	LAYOUT_PARAM_MMIO_RANGES,
	LAYOUT_PARAM_COMMAND_LINE,
	LAYOUT_PARAM_DEVICE_TREE,
	LAYOUT_PARAM_COUNT,
};

struct layout_param {
	enum layout_param_type type;
	uint32_t offset;
	struct layout_mark mark;
};

struct layout_param_area {
	char *name;
	struct layout_mark mark;
	uint32_t index;
	uint64_t size;
	uint64_t address; /* PARAMETER_INSERT gpa */
	uint32_t platforms; /* 0 = all selected */
	struct layout_param *params;
	size_t n_params;
};

struct layout_measure {
	uint32_t *vcpus;
	size_t n_vcpus;
	char **vcpu_types;
	size_t n_vcpu_types;
	char **vmms; /* "qemu", "ec2", "gce" */
	size_t n_vmms;
	char **loaders; /* "qemu" (default), "igvm-crate", "igvmmeasure" */
	size_t n_loaders;
	bool native_zero; /* igvmmeasure --native-zero semantics */
	uint64_t guest_features;
	bool has_guest_features;
	char *tdx_order; /* "single" (default) or "two-pass" */
	struct layout_mark mark;
};

/*
 * outputs.corim: CoRIM reference values beside the IGVM, optionally signed
 * (COSE_Sign1) and embedded into it (docs/corim.md, docs/layout.md).
 */
enum layout_corim_profile_bit {
	LAYOUT_CORIM_LAUNCH = 1u << 0, /* launch-measurement: one document per SNP/TDX/VBS platform */
	LAYOUT_CORIM_MATRIX = 1u << 1, /* reference-matrix: every reference value of the measurements JSON */
};

/* outputs.corim.enabled */
enum layout_corim_enabled {
	LAYOUT_CORIM_ON = 0,	    /* true (the default) */
	LAYOUT_CORIM_OFF,	    /* false */
	LAYOUT_CORIM_IF_SIGNED,	    /* if-signed: only when sign.key is not empty */
};

struct layout_corim {
	bool present;		   /* outputs.corim given */
	struct layout_mark mark;
	enum layout_corim_enabled enabled_as_written;
	bool enabled;		   /* the build writes CoRIMs (present and enabled, resolved) */
	char *prefix;		   /* file-name prefix; NULL = IGVM name without '.igvm' */
	unsigned profiles;	   /* LAYOUT_CORIM_* bits; 0 when not given = both */
	uint64_t svn;		   /* endorsed SVN (launch-measurement) */
	bool sign;		   /* outputs.corim.sign present */
	struct layout_mark sign_mark;
	char *key;		   /* PEM file or pkcs11: URI; NULL = unsigned (written as '') */
	char *cert;		   /* signer certificate; NULL when written as '' */
	char *alg;		   /* ES384, PS256, ...; NULL = the key's default (sign/cose.h) */
	char *passphrase_file;
	char *passphrase_env;
	bool attached;		   /* one COSE_Sign1 carrying the document, instead of document + detached signature */
	bool embed;		   /* IGVM with CORIM_DOCUMENT/CORIM_SIGNATURE headers */
	struct layout_mark embed_mark;
};

struct layout_outputs {
	char *igvm;	    /* file name, relative to the output directory */
	char *measurements; /* NULL = none */
	char *fuki;	    /* NULL = none: FUKI add-on file name (fuki library) */
	char *fuki_into;    /* existing UKI to add the IGVM(s) to, or NULL for a new add-on */
	struct layout_mark fuki_mark;
	bool sign; /* outputs.sign present: Authenticode-sign the FUKI add-on */
	struct layout_mark sign_mark;
	char *sign_key;		   /* PEM file or pkcs11: URI */
	char *sign_cert;	   /* PEM/DER certificate */
	char *sign_passphrase_file; /* or NULL */
	char *sign_passphrase_env;  /* or NULL */
	/* `igvmkit build` packing and installation (docs/cmd/build.md) */
	char *fuki_all; /* NULL = none: one add-on with every variant's IGVM, fwid = variant name */
	char *hwids;	/* CHID JSON file or directory: this variant's '.hwids' entries of fuki-all */
	bool descriptor; /* outputs.descriptor present: write a QEMU firmware descriptor */
	struct layout_mark descriptor_mark;
	char *descriptor_file;	      /* NULL = IGVM name without '.igvm' + '.firmware.json' */
	char *descriptor_install_dir; /* absolute directory the IGVM is installed in */
	char *descriptor_description; /* or NULL for igvmkit's */
	struct layout_corim corim;
};

/*
 * The `variables:` section: Secure Boot seeds for the OVMF component
 * (issue 5 item 4), written into the ROM's variable store (`store: rom`)
 * or emitted as the IGVM data HOBs OVMF's IgvmSecureBootDxe enrols
 * (`store: igvm-secure-boot`).  Databases are indexed like enum vars_sigdb.
 */
enum layout_vars_store {
	LAYOUT_VARS_STORE_ROM,
	LAYOUT_VARS_STORE_IGVM_SECURE_BOOT,
};

/* Where igvm-secure-boot blobs start unless `blob-address` says otherwise. */
#define LAYOUT_VARS_BLOB_ADDRESS_DEFAULT 0x20000000ull

enum layout_vars_db {
	LAYOUT_VARS_PK,
	LAYOUT_VARS_KEK,
	LAYOUT_VARS_DB,
	LAYOUT_VARS_DBX,
	LAYOUT_VARS_DBT,
	LAYOUT_VARS_DB_COUNT,
};

/* One entry of pk/kek/db/dbx/dbt: a file, or a hash written as "sha256:HEX". */
struct layout_vars_item {
	char *file;  /* certificate (PEM/DER), .esl, .auth or PE image; NULL for a hash */
	char *hash;  /* "ALG:HEX" as written, or NULL */
	struct layout_mark mark;
};

struct layout_vars_db_items {
	bool given; /* key present (an empty list clears the database) */
	struct layout_vars_item *items;
	size_t n;
	struct layout_mark mark;
};

struct layout_variables {
	bool present;
	struct layout_mark mark;
	enum layout_vars_store store;
	int secure_boot;	     /* -1 = leave as the store has it, 0 = disabled, 1 = enabled */
	struct layout_mark secure_boot_mark;
	struct ik_guid owner;	     /* SignatureOwner of the entries (zero GUID by default) */
	bool has_owner;
	char *time;		     /* TimeStamp as vars_time_parse() reads it, or NULL */
	/* SOURCE_DATE_EPOCH (layout_load_opts) when set and no 'time:' is: the TimeStamp of
	 * databases no .auth input dates (without it, the zero time), as for `vars store`. */
	int64_t default_epoch;
	bool has_default_epoch;
	uint64_t hob_address, blob_address; /* igvm-secure-boot GPAs */
	bool has_hob_address;
	struct layout_vars_db_items db[LAYOUT_VARS_DB_COUNT];
};

struct layout {
	char *path;	       /* layout file as given */
	char *variant;	       /* variant applied, or NULL */
	char **file_names;     /* interned file names (marks point here) */
	size_t n_file_names;

	uint32_t format_version; /* IGVM format version to write */
	bool allow_non_qemu;	 /* igvm.allow-non-qemu-headers */

	struct layout_platform platforms[LAYOUT_PLATFORM_COUNT];
	struct layout_mark platforms_mark;

	struct layout_component *components;
	size_t n_components;

	struct layout_param_area *param_areas;
	size_t n_param_areas;

	struct layout_measure measure;
	struct layout_outputs outputs;
	struct layout_variables variables;

	char **variants; /* names declared under variants:, in file order */
	size_t n_variants;

	/* Every ${NAME} whose value came from outside the layout (-D or the environment the
	 * caller allowed), first use first: a build summary lists them. */
	struct layout_external_value *external_values;
	size_t n_external_values;
};

int layout_load(const struct layout_load_opts *opts, struct layout **ret, struct ik_diag *d);
void layout_free(struct layout *l);

/*
 * Appends the effective layout (includes, variant, defines and defaults
 * applied) as YAML that loads back to the same struct layout.
 */
int layout_dump(const struct layout *l, struct ik_buf *out);

/* The names a layout writes for enum values, indexed by the enum (layout_schema.c). */
extern const char *const layout_component_type_names[LAYOUT_COMPONENT_RAW + 1];
extern const char *const layout_page_type_names[LAYOUT_PAGE_CPUID + 1];
extern const char *const layout_param_type_names[LAYOUT_PARAM_COUNT];
extern const char *const layout_vars_store_names[LAYOUT_VARS_STORE_IGVM_SECURE_BOOT + 1];
extern const char *const layout_vars_db_names[LAYOUT_VARS_DB_COUNT];

/* "sev-snp", "sev-es", "sev", "tdx", "native", "vsm". */
const char *layout_platform_name(enum layout_platform_id id);
enum igvm_platform_type layout_platform_igvm_type(enum layout_platform_id id);
/* IGVM compatibility-mask bit of a platform (fixed per platform type). */
uint32_t layout_platform_mask(enum layout_platform_id id);
/* "line L, column C" for ik_diag places. */
void layout_mark_place(const struct layout_mark *m, char *out, size_t len);
/* Fails with ERR at mark M (sets file and place). */
int layout_fail_at(struct ik_diag *d, int err, const struct layout_mark *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Negative for the optimiser too (ik_failure(), common/diag.h). */
#define layout_fail_at(...) ik_failure((layout_fail_at)(__VA_ARGS__))

#endif
