/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the PE/COFF reader and everything that walks a parsed
 * image: pe_parse, the Authenticode digest, signature verification (PKCS#7 and
 * SpcIndirectDataContent decoding), .efifw parsing, `inspect` (text and JSON:
 * .efifw entries, .hwids records, text sections), and appending a section.
 * Invariants beyond "no crash, no leak, no UB":
 *  - an image the reader accepts has a digest;
 *  - appending a section to it yields an image the reader accepts again,
 *    with the same sections first and one more at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "common/buf.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
#include "sign/authenticode.h"
#include "sign/pe_inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pe_image img, again;
static struct authenticode_report report;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t payload[] = "fuzz";
	const struct pe_new_section sec = { .name = ".fuzz", .data = payload, .len = sizeof(payload) };
	const struct pe_append_opts strip = { .strip_signature = true };
	STACK_OF(X509) *trust = sk_X509_new_null();
	uint8_t digest[EVP_MAX_MD_SIZE];
	struct ik_buf out;
	struct ik_diag d;

	ik_diag_init(&d);
	if (pe_parse(data, size, "fuzz", &img, &d) < 0) {
		sk_X509_free(trust);
		return 0;
	}
	if (authenticode_digest(data, size, NULL, digest, &d) < 0)
		abort();
	for (size_t i = 0; i < img.NumberOfSections; i++) {
		const struct pe_section *s = &img.sections[i];
		struct efifw_view v;
		size_t n = s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;
		if (strcmp(s->Name, ".efifw") == 0)
			(void)efifw_parse(data + s->PointerToRawData, n, &v, &d);
	}
	if (img.n_certs)
		(void)authenticode_verify(data, size, "fuzz", trust, false, &report, &d);
	for (int json = 0; json < 2; json++) {
		ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
		ik_diag_init(&d);
		(void)pe_inspect(data, size, json, &out, &d);
		ik_buf_release(&out);
	}
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	ik_diag_init(&d);
	if (pe_append_sections(data, size, "fuzz", &sec, 1, &strip, &out, &d) == 0) {
		if (pe_parse(out.data, out.len, "out", &again, &d) < 0 ||
		    again.NumberOfSections != img.NumberOfSections + 1 ||
		    strcmp(again.sections[img.NumberOfSections].Name, ".fuzz") != 0)
			abort();
	}
	ik_buf_release(&out);
	sk_X509_free(trust);
	return 0;
}
