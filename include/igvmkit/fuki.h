/* SPDX-License-Identifier: MIT */
/*
 * Firmware UKI (FUKI) add-ons (docs/fuki.md): IGVM files wrapped as
 * '.efifw' sections of a UKI add-on PE, as `igvmkit fuki` writes them.  The
 * result is unsigned; sign it with igvmkit_authenticode_sign().
 */
#ifndef IGVMKIT_FUKI_H
#define IGVMKIT_FUKI_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One '.efifw' payload (borrowed for the call). */
typedef struct igvmkit_fuki_firmware {
	const char *fwid;    /* firmware id, e.g. "ovmf" */
	const uint8_t *data; /* IGVM bytes */
	size_t len;
} igvmkit_fuki_firmware;

/* Options; all-zero is the default.  The layout of this record is part of the ABI. */
typedef struct igvmkit_fuki_options {
	const uint8_t *into;	  /* an existing UKI to add the sections to, or NULL for a new add-on */
	size_t into_len;
	const char *sbat;	  /* '.sbat' text, NULL = ukify's add-on default */
	const char *cmdline;	  /* optional '.cmdline', '.osrel', '.uname' texts */
	const char *osrel;
	const char *uname;
	uint32_t time_date_stamp; /* PE TimeDateStamp of a new add-on (SOURCE_DATE_EPOCH or 0) */
	int any_payload;	  /* accept payloads that are not IGVM files */
} igvmkit_fuki_options;

/*
 * Wraps the N_FIRMWARE payloads (each checked to be a valid IGVM file
 * unless any_payload) into a FUKI (O NULL = defaults).  *RET (igvmkit_free)
 * holds *RET_LEN bytes.
 */
IGVMKIT_API int igvmkit_fuki_wrap(const igvmkit_fuki_firmware *firmware, size_t n_firmware,
				  const igvmkit_fuki_options *o, uint8_t **ret, size_t *ret_len,
				  igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
