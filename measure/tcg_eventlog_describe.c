/* SPDX-License-Identifier: MIT */
/* The listing of a TCG event log and its replay, as text and JSON (measure/tcg_eventlog.h). */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/guid.h"
#include "common/hex.h"
#include "common/json.h"
#include "measure/tcg_eventlog.h"

static void alg_label(uint16_t alg, char out[16])
{
	const char *n = tcg_alg_name(alg);

	if (n)
		snprintf(out, 16, "%s", n);
	else
		snprintf(out, 16, "0x%04x", alg);
}

static void type_label(uint32_t type, char out[40])
{
	const char *n = tcg_event_type_name(type);

	if (n)
		snprintf(out, 40, "%s", n);
	else
		snprintf(out, 40, "0x%08x", type);
}

/*
 * What an event's data says in a few words, for the types whose data is text or a
 * known structure: ASCII (an optional trailing NUL), UTF-16LE ASCII (EV_S_CRTM_VERSION),
 * the EV_NO_ACTION signature.  Empty when it is neither.
 */
static void data_text(const struct tcg_event *ev, char *out, size_t out_len)
{
	size_t n = ev->data_len, o = 0;
	bool ascii = n > 0, utf16 = n >= 2 && n % 2 == 0;

	out[0] = '\0';
	if (ev->type == TCG_EV_NO_ACTION && n >= 16 && memchr(ev->data, 0, 16))
		n = strnlen((const char *)ev->data, 16);
	while (n > 0 && ev->data[n - 1] == 0 && ev->type != TCG_EV_SEPARATOR)
		n--;
	for (size_t i = 0; i < n; i++)
		if (ev->data[i] < 0x20 || ev->data[i] > 0x7e || ev->data[i] == '"' || ev->data[i] == '\\')
			ascii = false;
	for (size_t i = 0; utf16 && i + 1 < ev->data_len; i += 2) {
		uint16_t c = ik_get_le16(ev->data + i);
		if (c == 0 && i + 2 == ev->data_len)
			break;
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			utf16 = false;
	}
	if (ascii && n > 0) {
		snprintf(out, out_len, "%.*s%s", (int)(n < out_len - 4 ? n : out_len - 4), ev->data,
			 n < out_len - 4 ? "" : "...");
		return;
	}
	if (utf16 && !ascii) {
		for (size_t i = 0; i + 1 < ev->data_len && o + 4 < out_len; i += 2) {
			uint16_t c = ik_get_le16(ev->data + i);
			if (c == 0)
				break;
			out[o++] = (char)c;
		}
		out[o] = '\0';
	}
}

/* A variable event's one-line description, or "" when its data is not UEFI_VARIABLE_DATA. */
static bool variable_of(const struct tcg_event *ev, struct tcg_uefi_variable *v, char *why, size_t why_len)
{
	struct ik_diag d;

	why[0] = '\0';
	if (!tcg_event_is_variable(ev->type))
		return false;
	ik_diag_init(&d);
	if (tcg_uefi_variable_decode(ev->data, ev->data_len, v, &d) < 0) {
		snprintf(why, why_len, "%s", d.msg);
		return false;
	}
	return true;
}

static int text_event(const struct tcg_eventlog *log, const struct tcg_event *ev, struct ik_buf *out)
{
	struct tcg_uefi_variable v;
	char reg[16], type[40], alg[16], why[IK_DIAG_MSG_MAX], text[96];
	char hex[2 * TCG_DIGEST_MAX + 1];
	int r;

	tcg_reg_name(log->kind, ev->reg, reg);
	type_label(ev->type, type);
	r = ik_buf_printf(out, "event %zu at 0x%llx: %s %s, %u byte%s", ev->index,
			  (unsigned long long)ev->offset, reg, type, ev->data_len, ev->data_len == 1 ? "" : "s");
	if (r >= 0 && variable_of(ev, &v, why, sizeof(why))) {
		char g[IK_GUID_STR_LEN + 1];
		struct ik_guid guid;

		memcpy(guid.b, v.guid, 16);
		ik_guid_format(&guid, g);
		r = ik_buf_printf(out, ": %s %s, %llu byte%s of data", v.name, g,
				  (unsigned long long)v.data_len, v.data_len == 1 ? "" : "s");
	} else if (r >= 0 && why[0]) {
		r = ik_buf_printf(out, ": not UEFI_VARIABLE_DATA (%s)", why);
	} else if (r >= 0) {
		data_text(ev, text, sizeof(text));
		if (text[0])
			r = ik_buf_printf(out, ": \"%s\"", text);
		else if (ev->type == TCG_EV_SEPARATOR && ev->data_len <= 8) {
			ik_hex_encode(ev->data, ev->data_len, hex);
			r = ik_buf_printf(out, ": %s", hex);
		}
	}
	if (r >= 0)
		r = ik_buf_printf(out, "\n");
	for (size_t i = 0; r >= 0 && i < ev->n_digests && ev->index > 0; i++) {
		alg_label(ev->digests[i].alg, alg);
		ik_hex_encode(ev->digests[i].bytes, ev->digests[i].size, hex);
		r = ik_buf_printf(out, "  %-7s %s\n", alg, hex);
	}
	return r;
}

static bool reg_listed(const struct tcg_eventlog *log, const struct tcg_bank *b, size_t reg)
{
	return b->extends[reg] > 0 || (reg == 0 && log->kind == TCG_LOG_TPM && log->has_startup_locality);
}

int tcg_eventlog_describe_text(const struct tcg_eventlog *log, const struct tcg_replay *rp,
			       const char *name, struct ik_buf *out)
{
	char alg[16], reg[16], hex[2 * TCG_DIGEST_MAX + 1];
	int r;

	r = ik_buf_printf(out, "%s: %s crypto-agile event log (Spec ID Event03, version %u.%u errata %u, UINTN %u bytes)\n",
			  name, log->kind == TCG_LOG_TPM ? "TPM 2.0" : "confidential-computing (CCEL)",
			  log->spec_major, log->spec_minor, log->spec_errata, log->uintn_size);
	if (r >= 0)
		r = ik_buf_printf(out, "algorithms:");
	for (size_t i = 0; r >= 0 && i < log->n_algs; i++) {
		alg_label(log->algs[i].id, alg);
		r = ik_buf_printf(out, "%s %s (%u bytes)", i ? "," : "", alg, log->algs[i].size);
	}
	if (r >= 0)
		r = ik_buf_printf(out, "\nevents: %zu in %llu bytes", log->n_events,
				  (unsigned long long)log->log_len);
	if (r >= 0 && log->fill_len)
		r = ik_buf_printf(out, ", then %llu bytes of 0x%02x fill",
				  (unsigned long long)log->fill_len, log->fill_byte);
	if (r >= 0 && log->has_startup_locality)
		r = ik_buf_printf(out, "\nstartup locality: %u (PCR 0 starts at that value)",
				  log->startup_locality);
	if (r >= 0)
		r = ik_buf_printf(out, "\n\n");
	for (size_t i = 0; r >= 0 && i < log->n_events; i++)
		r = text_event(log, &log->events[i], out);
	if (r >= 0)
		r = ik_buf_printf(out, "\nregisters (replayed from the log):\n");
	for (size_t i = 0; r >= 0 && i < rp->n_banks; i++) {
		const struct tcg_bank *b = &rp->banks[i];

		alg_label(b->alg, alg);
		if (!b->replayed) {
			r = ik_buf_printf(out, "  %s: not replayed (this OpenSSL cannot compute it)\n", alg);
			continue;
		}
		r = ik_buf_printf(out, "  %s:\n", alg);
		for (size_t k = 0; r >= 0 && k < TCG_PCRS; k++) {
			if (!reg_listed(log, b, k))
				continue;
			tcg_reg_name(log->kind, (uint32_t)k, reg);
			ik_hex_encode(b->regs[k], b->size, hex);
			r = ik_buf_printf(out, "    %-8s %s\n", reg, hex);
		}
	}
	return r < 0 ? r : 0;
}

static void json_event(const struct tcg_eventlog *log, const struct tcg_event *ev, struct ik_json *j)
{
	struct tcg_uefi_variable v;
	char reg[16], type[40], alg[16], why[IK_DIAG_MSG_MAX], text[96];

	tcg_reg_name(log->kind, ev->reg, reg);
	type_label(ev->type, type);
	ik_json_object_begin(j, NULL);
	ik_json_u64(j, "index", ev->index);
	ik_json_u64(j, "offset", ev->offset);
	ik_json_u64(j, "register", ev->reg);
	ik_json_string(j, "register_name", reg);
	ik_json_hex_u64(j, "type", ev->type);
	ik_json_string(j, "type_name", type);
	ik_json_object_begin(j, "digests");
	for (size_t i = 0; i < ev->n_digests; i++) {
		alg_label(ev->digests[i].alg, alg);
		ik_json_hex_bytes(j, alg, ev->digests[i].bytes, ev->digests[i].size);
	}
	ik_json_object_end(j);
	ik_json_u64(j, "data_bytes", ev->data_len);
	if (variable_of(ev, &v, why, sizeof(why))) {
		char g[IK_GUID_STR_LEN + 1];
		struct ik_guid guid;

		memcpy(guid.b, v.guid, 16);
		ik_guid_format(&guid, g);
		ik_json_object_begin(j, "variable");
		ik_json_string(j, "name", v.name);
		ik_json_string(j, "guid", g);
		ik_json_u64(j, "data_bytes", v.data_len);
		ik_json_object_end(j);
	} else if (why[0]) {
		ik_json_string(j, "variable_error", why);
	} else {
		data_text(ev, text, sizeof(text));
		if (text[0])
			ik_json_string(j, "text", text);
	}
	ik_json_hex_bytes(j, "data", ev->data, ev->data_len);
	ik_json_object_end(j);
}

void tcg_eventlog_describe_json(const struct tcg_eventlog *log, const struct tcg_replay *rp,
				const char *name, struct ik_json *j)
{
	char alg[16], reg[16];

	ik_json_string(j, "file", name);
	ik_json_string(j, "format", log->kind == TCG_LOG_TPM ? "tpm" : "cc");
	ik_json_object_begin(j, "spec_id");
	ik_json_u64(j, "platform_class", log->platform_class);
	ik_json_u64(j, "version_major", log->spec_major);
	ik_json_u64(j, "version_minor", log->spec_minor);
	ik_json_u64(j, "errata", log->spec_errata);
	ik_json_u64(j, "uintn_size", log->uintn_size);
	ik_json_array_begin(j, "algorithms");
	for (size_t i = 0; i < log->n_algs; i++) {
		alg_label(log->algs[i].id, alg);
		ik_json_object_begin(j, NULL);
		ik_json_hex_u64(j, "id", log->algs[i].id);
		ik_json_string(j, "name", alg);
		ik_json_u64(j, "digest_size", log->algs[i].size);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_object_end(j);
	if (log->has_startup_locality)
		ik_json_u64(j, "startup_locality", log->startup_locality);
	else
		ik_json_null(j, "startup_locality");
	ik_json_u64(j, "log_bytes", log->log_len);
	ik_json_u64(j, "fill_bytes", log->fill_len);
	if (log->fill_len)
		ik_json_hex_u64(j, "fill_byte", log->fill_byte);
	ik_json_array_begin(j, "events");
	for (size_t i = 0; i < log->n_events; i++)
		json_event(log, &log->events[i], j);
	ik_json_array_end(j);
	ik_json_array_begin(j, "banks");
	for (size_t i = 0; i < rp->n_banks; i++) {
		const struct tcg_bank *b = &rp->banks[i];

		alg_label(b->alg, alg);
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "algorithm", alg);
		ik_json_bool(j, "replayed", b->replayed);
		ik_json_array_begin(j, "registers");
		for (size_t k = 0; b->replayed && k < TCG_PCRS; k++) {
			if (!reg_listed(log, b, k))
				continue;
			tcg_reg_name(log->kind, (uint32_t)k, reg);
			ik_json_object_begin(j, NULL);
			ik_json_u64(j, "index", k);
			ik_json_string(j, "name", reg);
			ik_json_u64(j, "events", b->extends[k]);
			ik_json_hex_bytes(j, "value", b->regs[k], b->size);
			ik_json_object_end(j);
		}
		ik_json_array_end(j);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}
