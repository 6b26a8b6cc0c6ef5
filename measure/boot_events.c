/* SPDX-License-Identifier: MIT */
#include "measure/boot_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/digest.h"
#include "common/hex.h"
#include "common/json.h"

void measure_boot_prediction_init(struct measure_boot_prediction *p)
{
	memset(p, 0, sizeof(*p));
}

void measure_boot_prediction_release(struct measure_boot_prediction *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_events; i++) {
		free(p->events[i].name);
		free(p->events[i].data);
	}
	free(p->events);
	measure_boot_prediction_init(p);
}

int measure_boot_extend(uint8_t *reg, size_t dlen, const struct measure_boot_event *ev, size_t n)
{
	const EVP_MD *md;

	if (dlen == MEASURE_SHA256_LEN)
		md = EVP_sha256();
	else if (dlen == MEASURE_SHA384_LEN)
		md = EVP_sha384();
	else
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *digest = dlen == MEASURE_SHA256_LEN ? ev[i].sha256 : ev[i].sha384;
		int r = tcg_extend(md, reg, digest, dlen, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

int measure_boot_prediction_finish(struct measure_boot_prediction *p)
{
	int r;

	memset(p->pcr7_sha256, 0, sizeof(p->pcr7_sha256));
	memset(p->pcr7_sha384, 0, sizeof(p->pcr7_sha384));
	memset(p->rtmr0_sb_chain, 0, sizeof(p->rtmr0_sb_chain));
	r = measure_boot_extend(p->pcr7_sha256, MEASURE_SHA256_LEN, p->events, p->n_events);
	if (r >= 0)
		r = measure_boot_extend(p->pcr7_sha384, MEASURE_SHA384_LEN, p->events, p->n_events);
	if (r < 0)
		return r;
	/* the same SHA-384 events in the same order: RTMR[0] gets PCR 7's events (and PCR 1's) */
	memcpy(p->rtmr0_sb_chain, p->pcr7_sha384, sizeof(p->rtmr0_sb_chain));
	p->pcr7_complete = p->separator && (!p->secure_boot || p->n_authorities > 0);
	return 0;
}

const char *measure_boot_pcr7_note(const struct measure_boot_prediction *p)
{
	if (!p->separator)
		return "partial: the EV_SEPARATOR and what follows it are left out";
	if (!p->secure_boot)
		return "SecureBoot is 0: no image is verified, so nothing more reaches PCR 7 before the boot manager hands over";
	if (p->n_authorities == 0)
		return "incomplete: each db entry that verifies a booted image adds an EV_EFI_VARIABLE_AUTHORITY (give it with --sb-authority); shim and later loaders add their own";
	return "complete if the given authorities are all the db entries that verify images before the hand-over; shim and later loaders add their own";
}

const char *measure_boot_rtmr0_note(void)
{
	return "RTMR[0] (TDVF, or OVMF built with CC_MEASUREMENT_ENABLE) also holds the TD HOB, ACPI tables and boot variables from outside the image: only the CFV and Secure Boot digests are predicted";
}

static void json_event(struct ik_json *j, const struct measure_boot_event *e)
{
	const char *type = tcg_event_type_name(e->event_type);

	ik_json_object_begin(j, NULL);
	ik_json_u64(j, "pcr", e->pcr);
	ik_json_u64(j, "cc_mr_index", e->cc_mr_index);
	if (type)
		ik_json_string(j, "type", type);
	else
		ik_json_hex_u64(j, "type", e->event_type);
	ik_json_string(j, "name", e->name ? e->name : "");
	if (e->event_type == TCG_EV_EFI_VARIABLE_DRIVER_CONFIG)
		ik_json_bool(j, "absent", e->variable_absent);
	ik_json_u64(j, "size", e->len);
	ik_json_hex_bytes(j, "sha256", e->sha256, sizeof(e->sha256));
	ik_json_hex_bytes(j, "sha384", e->sha384, sizeof(e->sha384));
	ik_json_object_end(j);
}

void measure_boot_json(struct ik_json *j, const char *key, const struct measure_boot_prediction *p)
{
	ik_json_object_begin(j, key);
	ik_json_string(j, "firmware", p->firmware ? p->firmware : "");
	ik_json_bool(j, "secure_boot", p->secure_boot);
	ik_json_array_begin(j, "events");
	for (size_t i = 0; i < p->n_events; i++)
		json_event(j, &p->events[i]);
	ik_json_array_end(j);
	ik_json_object_begin(j, "pcr7");
	ik_json_hex_bytes(j, "sha256", p->pcr7_sha256, sizeof(p->pcr7_sha256));
	ik_json_hex_bytes(j, "sha384", p->pcr7_sha384, sizeof(p->pcr7_sha384));
	ik_json_bool(j, "complete", p->pcr7_complete);
	ik_json_string(j, "note", measure_boot_pcr7_note(p));
	ik_json_object_end(j);
	ik_json_object_begin(j, "rtmr0");
	ik_json_u64(j, "cc_mr_index", MEASURE_CC_MR_INDEX_RTMR0);
	ik_json_hex_bytes(j, "secure_boot_chain", p->rtmr0_sb_chain, sizeof(p->rtmr0_sb_chain));
	if (p->has_cfv) {
		ik_json_u64(j, "cfv_size", p->cfv_size);
		ik_json_hex_bytes(j, "cfv_sha384", p->cfv_sha384, sizeof(p->cfv_sha384));
	}
	ik_json_string(j, "note", measure_boot_rtmr0_note());
	ik_json_object_end(j);
	ik_json_object_end(j);
}

static int hex_line(struct ik_buf *out, const char *label, const uint8_t *p, size_t n)
{
	char hex[2 * MEASURE_SHA384_LEN + 1];

	ik_hex_encode(p, n, hex);
	return ik_buf_printf(out, "%s%s\n", label, hex);
}

int measure_boot_text(const struct measure_boot_prediction *p, struct ik_buf *out)
{
	int r = ik_buf_printf(out, "Boot-time Secure Boot events (PCR 7; TDX: RTMR[0], CC MR index 1; rules: %s):\n",
			      p->firmware ? p->firmware : "?");

	for (size_t i = 0; r >= 0 && i < p->n_events; i++) {
		const struct measure_boot_event *e = &p->events[i];
		const char *type = tcg_event_type_name(e->event_type);

		r = ik_buf_printf(out, "  %2zu  PCR %u  %-30s %s%s (%zu bytes)\n", i, e->pcr,
				  type ? type : "?", e->name ? e->name : "",
				  e->variable_absent ? " absent" : "", e->len);
		if (r >= 0)
			r = hex_line(out, "        sha256 ", e->sha256, sizeof(e->sha256));
		if (r >= 0)
			r = hex_line(out, "        sha384 ", e->sha384, sizeof(e->sha384));
	}
	if (r >= 0)
		r = hex_line(out, "PCR 7 sha256: ", p->pcr7_sha256, sizeof(p->pcr7_sha256));
	if (r >= 0)
		r = hex_line(out, "PCR 7 sha384: ", p->pcr7_sha384, sizeof(p->pcr7_sha384));
	if (r >= 0)
		r = ik_buf_printf(out, "  (%s)\n", measure_boot_pcr7_note(p));
	if (r >= 0)
		r = hex_line(out, "RTMR[0] Secure Boot events, SHA-384 chain from zero: ", p->rtmr0_sb_chain,
			     sizeof(p->rtmr0_sb_chain));
	if (r >= 0 && p->has_cfv) {
		r = ik_buf_printf(out, "RTMR[0] CFV event (0x%x bytes) sha384: ", p->cfv_size);
		if (r >= 0)
			r = hex_line(out, "", p->cfv_sha384, sizeof(p->cfv_sha384));
	}
	if (r >= 0)
		r = ik_buf_printf(out, "  (%s)\n", measure_boot_rtmr0_note());
	return r < 0 ? r : 0;
}

static int old_new(struct ik_buf *out, const char *label, const char *what, const uint8_t *a,
		   const uint8_t *b, size_t n)
{
	char ha[2 * MEASURE_SHA384_LEN + 1], hb[2 * MEASURE_SHA384_LEN + 1];

	ik_hex_encode(a, n, ha);
	ik_hex_encode(b, n, hb);
	return ik_buf_printf(out, "%s  %-22s old %s\n%s  %-22s new %s%s\n", label, what, ha, label, "",
			     hb, memcmp(a, b, n) == 0 ? " (unchanged)" : "");
}

static bool same_event(const struct measure_boot_event *a, const struct measure_boot_event *b)
{
	return a->event_type == b->event_type && a->name && b->name && strcmp(a->name, b->name) == 0;
}

/*
 * LIKE's counterpart in P: the event of the same type and name, and of those the
 * one at the same place in order (authorities are all named "db": the first
 * pairs with the first), from A, the prediction LIKE belongs to.
 */
static const struct measure_boot_event *event_named(const struct measure_boot_prediction *p,
						    const struct measure_boot_prediction *a,
						    const struct measure_boot_event *like)
{
	size_t nth = 0;

	for (const struct measure_boot_event *e = a->events; e < like; e++)
		nth += same_event(e, like);
	for (size_t i = 0; i < p->n_events; i++)
		if (same_event(&p->events[i], like) && nth-- == 0)
			return &p->events[i];
	return NULL;
}

/* Appends "NAME, " for each event of A whose relation to its counterpart in B is WANT: 0 no
 * counterpart in B, 1 a different digest, 2 the same digest. */
static int event_names(struct ik_buf *out, const struct measure_boot_prediction *a,
		       const struct measure_boot_prediction *b, int want, bool *any)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < a->n_events; i++) {
		const struct measure_boot_event *e = &a->events[i], *o = event_named(b, a, e);
		int kind = !o ? 0 : memcmp(e->sha384, o->sha384, sizeof(e->sha384)) != 0 ? 1 : 2;

		if (kind != want)
			continue;
		r = ik_buf_printf(out, "%s%s%s", *any ? ", " : "", e->name ? e->name : "?",
				  e->event_type == TCG_EV_EFI_VARIABLE_AUTHORITY ? " authority" : "");
		*any = true;
	}
	return r;
}

int measure_boot_diff_text(const struct measure_boot_prediction *old,
			   const struct measure_boot_prediction *new, const char *label,
			   struct ik_buf *out)
{
	static const char *const titles[] = { "gone", "changed", "unchanged" };
	int r = ik_buf_printf(out, "%sboot-time Secure Boot events (PCR 7; TDX: RTMR[0]):", label);


	for (int want = 1; r >= 0 && want <= 2; want++) {
		bool any = false;

		r = ik_buf_printf(out, " %s: ", titles[want]);
		if (r >= 0)
			r = event_names(out, old, new, want, &any);
		if (r >= 0 && !any)
			r = ik_buf_printf(out, "none");
		if (r >= 0)
			r = ik_buf_printf(out, ";");
	}
	for (int side = 0; r >= 0 && side < 2; side++) {
		bool any = false;
		size_t mark = out->len;

		r = ik_buf_printf(out, " %s: ", side == 0 ? "new" : "gone");
		if (r >= 0)
			r = side == 0 ? event_names(out, new, old, 0, &any) : event_names(out, old, new, 0, &any);
		if (r >= 0 && !any)
			out->len = mark; /* nothing appeared or went away: say nothing */
		else if (r >= 0)
			r = ik_buf_printf(out, ";");
	}
	if (r >= 0) {
		if (out->len && out->data[out->len - 1] == ';')
			out->len--;
		r = ik_buf_printf(out, "\n");
	}
	/* the registers, with the authorities each prediction was given */
	if (r >= 0)
		r = old_new(out, label, "PCR 7 sha256", old->pcr7_sha256, new->pcr7_sha256,
			    MEASURE_SHA256_LEN);
	if (r >= 0)
		r = old_new(out, label, "PCR 7 sha384", old->pcr7_sha384, new->pcr7_sha384,
			    MEASURE_SHA384_LEN);
	if (r >= 0)
		r = old_new(out, label, "RTMR[0] SB event chain", old->rtmr0_sb_chain,
			    new->rtmr0_sb_chain, MEASURE_SHA384_LEN);
	if (r >= 0 && old->has_cfv && new->has_cfv)
		r = old_new(out, label, "RTMR[0] CFV sha384", old->cfv_sha384, new->cfv_sha384,
			    MEASURE_SHA384_LEN);
	return r < 0 ? r : 0;
}
