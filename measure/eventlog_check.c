/* SPDX-License-Identifier: MIT */
/* A firmware's event log against the Secure Boot prediction (measure/eventlog_check.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/json.h"
#include "measure/eventlog_check.h"

#define NONE ((size_t)-1)
#define CC_HINT "no predicted event is in PCR 7, but index 1 holds EV_EFI_VARIABLE_DRIVER_CONFIG events, as RTMR[0] (CC MR index 1) of a TDX CCEL log does: give --ccel"

static const char *const verdict_names[] = {
	[EVENTLOG_SB_MATCH] = "match",
	[EVENTLOG_SB_DIFFERENT] = "DIFFERENT",
	[EVENTLOG_SB_MISSING] = "MISSING",
	[EVENTLOG_SB_UNPREDICTED] = "NOT PREDICTED",
};

static const char *const verdict_json[] = {
	[EVENTLOG_SB_MATCH] = "match",
	[EVENTLOG_SB_DIFFERENT] = "different",
	[EVENTLOG_SB_MISSING] = "missing",
	[EVENTLOG_SB_UNPREDICTED] = "not-predicted",
};

static uint32_t predicted_reg(enum tcg_log_kind kind, const struct measure_boot_event *ev)
{
	return kind == TCG_LOG_TPM ? ev->pcr : ev->cc_mr_index;
}

/* The Secure Boot typed events a CC log's RTMR[0] holds beside its other content. */
static bool sb_typed(uint32_t type)
{
	return type == TCG_EV_EFI_VARIABLE_DRIVER_CONFIG || type == TCG_EV_EFI_VARIABLE_AUTHORITY;
}

static bool same_variable(const struct tcg_event *logged, const struct measure_boot_event *pred)
{
	struct tcg_uefi_variable a, b;

	return tcg_uefi_variable_decode(logged->data, logged->data_len, &a, NULL) >= 0 &&
	       tcg_uefi_variable_decode(pred->data, pred->len, &b, NULL) >= 0 &&
	       memcmp(a.guid, b.guid, 16) == 0 && strcmp(a.name, b.name) == 0;
}

static void logged_name(const struct tcg_event *ev, char *out, size_t len)
{
	struct tcg_uefi_variable v;
	const char *type = tcg_event_type_name(ev->type);

	if (tcg_event_is_variable(ev->type) &&
	    tcg_uefi_variable_decode(ev->data, ev->data_len, &v, NULL) >= 0)
		snprintf(out, len, "%s", v.name);
	else if (ev->type == TCG_EV_SEPARATOR)
		snprintf(out, len, "separator");
	else if (type)
		snprintf(out, len, "%s", type);
	else
		snprintf(out, len, "type 0x%08x", ev->type);
}

/* What differs between a logged event and its prediction ("" when nothing does). */
static void compare_pair(const struct tcg_event *lg, const struct measure_boot_event *pr, char *why,
			 size_t len)
{
	static const struct {
		uint16_t alg;
		size_t off;
		const char *name;
	} banks[] = {
		{ TCG_ALG_SHA256, offsetof(struct measure_boot_event, sha256), "sha256" },
		{ TCG_ALG_SHA384, offsetof(struct measure_boot_event, sha384), "sha384" },
	};
	struct tcg_uefi_variable a, b;

	why[0] = '\0';
	if (lg->type != pr->event_type) {
		snprintf(why, len, "logged as %s, predicted %s",
			 tcg_event_type_name(lg->type) ? tcg_event_type_name(lg->type) : "another type",
			 tcg_event_type_name(pr->event_type) ? tcg_event_type_name(pr->event_type) : "another type");
		return;
	}
	if (lg->data_len != pr->len || memcmp(lg->data, pr->data, pr->len) != 0) {
		if (tcg_uefi_variable_decode(lg->data, lg->data_len, &a, NULL) >= 0 &&
		    tcg_uefi_variable_decode(pr->data, pr->len, &b, NULL) >= 0 &&
		    a.data_len != b.data_len)
			snprintf(why, len, "variable data: %llu bytes logged, %llu predicted",
				 (unsigned long long)a.data_len, (unsigned long long)b.data_len);
		else if (tcg_uefi_variable_decode(lg->data, lg->data_len, &a, NULL) >= 0 &&
			 tcg_uefi_variable_decode(pr->data, pr->len, &b, NULL) >= 0 &&
			 a.data_len == b.data_len && a.data_len > 0 && a.data_len <= 8 &&
			 memcmp(a.guid, b.guid, 16) == 0 && strcmp(a.name, b.name) == 0) {
			char x[17], y[17];

			ik_hex_encode(a.data, (size_t)a.data_len, x);
			ik_hex_encode(b.data, (size_t)b.data_len, y);
			snprintf(why, len, "value %s logged, %s predicted", x, y);
		} else if (lg->data_len != pr->len)
			snprintf(why, len, "event data: %u bytes logged, %zu predicted", lg->data_len, pr->len);
		else {
			size_t at = 0;
			while (lg->data[at] == pr->data[at])
				at++;
			snprintf(why, len, "event data differs from byte %zu of %zu", at, pr->len);
		}
		return;
	}
	for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
		const struct tcg_digest *dg = tcg_event_digest(lg, banks[i].alg);
		const uint8_t *want = (const uint8_t *)pr + banks[i].off;

		if (dg && memcmp(dg->bytes, want, dg->size) != 0) {
			snprintf(why, len, "same data, but the logged %s digest is not the predicted one",
				 banks[i].name);
			return;
		}
	}
}

static int add_item(struct eventlog_sb_check *c, enum eventlog_sb_verdict v,
		    const struct measure_boot_event *pr, const struct tcg_event *lg, const char *why)
{
	struct eventlog_sb_item *it;

	it = &c->items[c->n_items++];
	memset(it, 0, sizeof(*it));
	it->verdict = v;
	it->predicted = pr;
	it->logged = lg;
	if (pr && pr->name)
		snprintf(it->name, sizeof(it->name), "%s", pr->name);
	else if (lg)
		logged_name(lg, it->name, sizeof(it->name));
	snprintf(it->why, sizeof(it->why), "%s", why ? why : "");
	switch (v) {
	case EVENTLOG_SB_MATCH:
		c->n_match++;
		break;
	case EVENTLOG_SB_DIFFERENT:
		c->n_different++;
		break;
	case EVENTLOG_SB_MISSING:
		c->n_missing++;
		break;
	case EVENTLOG_SB_UNPREDICTED:
		c->n_unpredicted++;
		break;
	}
	return 0;
}

/* The logged event paired with predicted event PR: an index into LOG->events, or NONE. */
static size_t find_pair(const struct tcg_eventlog *log, uint32_t reg, const bool *used,
			const struct measure_boot_event *pr, size_t after)
{
	for (size_t i = 1; i < log->n_events; i++) {
		const struct tcg_event *ev = &log->events[i];

		if (used[i] || ev->reg != reg || ev->type != pr->event_type)
			continue;
		if (pr->event_type == TCG_EV_EFI_VARIABLE_DRIVER_CONFIG) {
			if (same_variable(ev, pr))
				return i;
		} else if (after == NONE || i > after) {
			return i;
		}
	}
	return NONE;
}

static void compare_banks(struct eventlog_sb_check *c, const struct tcg_replay *rp,
			  const struct measure_boot_prediction *p)
{
	c->banks[0].alg = TCG_ALG_SHA256;
	memcpy(c->banks[0].predicted, p->pcr7_sha256, MEASURE_SHA256_LEN);
	c->banks[1].alg = TCG_ALG_SHA384;
	memcpy(c->banks[1].predicted, p->pcr7_sha384, MEASURE_SHA384_LEN);
	if (c->kind != TCG_LOG_TPM)
		return; /* RTMR[0] holds more than the Secure Boot events */
	for (size_t i = 0; i < 2; i++) {
		struct eventlog_sb_bank *b = &c->banks[i];
		const struct tcg_bank *lb = tcg_replay_bank(rp, b->alg);

		if (!lb || !lb->replayed)
			continue;
		b->compared = true;
		memcpy(b->logged, lb->regs[c->reg], lb->size);
		b->equal = memcmp(b->logged, b->predicted, lb->size) == 0;
	}
}

int eventlog_sb_check(const struct tcg_eventlog *log, const struct tcg_replay *rp,
		      const struct measure_boot_prediction *p, struct eventlog_sb_check *ret,
		      struct ik_diag *d)
{
	struct eventlog_sb_check c = { .kind = log->kind };
	bool *used = calloc(log->n_events ? log->n_events : 1, sizeof(*used));
	size_t last = NONE;

	c.reg = log->kind == TCG_LOG_TPM ? 7 : MEASURE_CC_MR_INDEX_RTMR0;
	c.items = calloc(p->n_events + log->n_events + 1, sizeof(*c.items));
	if (!used || !c.items) {
		free(used);
		free(c.items);
		return ik_fail(d, -ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < p->n_events; k++) {
		const struct measure_boot_event *pr = &p->events[k];
		size_t i = find_pair(log, predicted_reg(log->kind, pr), used, pr, last);
		char why[256];

		if (i == NONE) {
			add_item(&c, EVENTLOG_SB_MISSING, pr, NULL, NULL);
			continue;
		}
		used[i] = true;
		compare_pair(&log->events[i], pr, why, sizeof(why));
		if (!why[0] && last != NONE && i < last)
			snprintf(why, sizeof(why),
				 "logged out of order: event %zu comes before event %zu, which was predicted "
				 "before it",
				 i, last);
		add_item(&c, why[0] ? EVENTLOG_SB_DIFFERENT : EVENTLOG_SB_MATCH, pr, &log->events[i], why);
		if (last == NONE || i > last)
			last = i;
	}
	for (size_t i = 1; i < log->n_events; i++) {
		const struct tcg_event *ev = &log->events[i];

		if (used[i] || ev->reg != c.reg || ev->type == TCG_EV_NO_ACTION)
			continue;
		if (log->kind == TCG_LOG_CC && !sb_typed(ev->type))
			continue;
		add_item(&c, EVENTLOG_SB_UNPREDICTED, NULL, ev, NULL);
	}
	free(used);
	for (size_t i = 1; log->kind == TCG_LOG_TPM && c.n_match + c.n_different == 0 && i < log->n_events; i++)
		c.cc_like_events += log->events[i].reg == MEASURE_CC_MR_INDEX_RTMR0 &&
				    log->events[i].type == TCG_EV_EFI_VARIABLE_DRIVER_CONFIG;
	compare_banks(&c, rp, p);
	c.match = c.n_different == 0 && c.n_missing == 0 && c.n_unpredicted == 0;
	for (size_t i = 0; i < 2; i++)
		if (c.banks[i].compared && !c.banks[i].equal)
			c.match = false;
	*ret = c;
	return 0;
}

void eventlog_sb_check_release(struct eventlog_sb_check *c)
{
	free(c->items);
	c->items = NULL;
	c->n_items = 0;
}

int eventlog_sb_check_text(const struct eventlog_sb_check *c, const struct measure_boot_prediction *p,
			   struct ik_buf *out)
{
	char reg[16], hex[2 * MEASURE_SHA384_LEN + 1], hex2[2 * MEASURE_SHA384_LEN + 1];
	int r;

	tcg_reg_name(c->kind, c->reg, reg);
	r = ik_buf_printf(out, "Secure Boot events of %s, log against the prediction (%s):\n", reg,
			  p->firmware ? p->firmware : "edk2");
	for (size_t i = 0; r >= 0 && i < c->n_items; i++) {
		const struct eventlog_sb_item *it = &c->items[i];

		r = ik_buf_printf(out, "  %-13s %-12s", verdict_names[it->verdict], it->name);
		if (r >= 0 && it->logged)
			r = ik_buf_printf(out, " event %zu at 0x%llx", it->logged->index,
					  (unsigned long long)it->logged->offset);
		if (r >= 0 && it->verdict == EVENTLOG_SB_MISSING)
			r = ik_buf_printf(out, " not in the log");
		if (r >= 0 && it->verdict == EVENTLOG_SB_UNPREDICTED)
			r = ik_buf_printf(out, " (%s)", tcg_event_type_name(it->logged->type)
								? tcg_event_type_name(it->logged->type)
								: "unknown type");
		if (r >= 0 && it->why[0])
			r = ik_buf_printf(out, ": %s", it->why);
		if (r >= 0)
			r = ik_buf_printf(out, "\n");
	}
	for (size_t i = 0; r >= 0 && i < 2 && c->kind == TCG_LOG_TPM; i++) {
		const struct eventlog_sb_bank *b = &c->banks[i];
		size_t n = b->alg == TCG_ALG_SHA256 ? MEASURE_SHA256_LEN : MEASURE_SHA384_LEN;

		ik_hex_encode(b->predicted, n, hex2);
		if (!b->compared) {
			r = ik_buf_printf(out, "PCR 7 %s: predicted %s; the log has no %s bank\n",
					  tcg_alg_name(b->alg), hex2, tcg_alg_name(b->alg));
			continue;
		}
		ik_hex_encode(b->logged, n, hex);
		r = ik_buf_printf(out, "PCR 7 %s: log %s, predicted %s: %s\n", tcg_alg_name(b->alg), hex,
				  hex2, b->equal ? "equal" : "DIFFERENT");
	}
	if (r >= 0 && c->kind == TCG_LOG_TPM && !p->pcr7_complete)
		r = ik_buf_printf(out, "note: %s\n", measure_boot_pcr7_note(p));
	if (r >= 0 && c->kind == TCG_LOG_CC)
		r = ik_buf_printf(out, "RTMR[0] not compared: %s\n", measure_boot_rtmr0_note());
	if (r >= 0 && c->cc_like_events)
		r = ik_buf_printf(out, "hint: %s\n", CC_HINT);
	if (r >= 0 && c->match)
		r = ik_buf_printf(out, "verdict: match (%zu of %zu Secure Boot events%s)\n", c->n_match,
				  c->n_items, c->kind == TCG_LOG_TPM ? ", PCR 7 equal" : "");
	else if (r >= 0)
		r = ik_buf_printf(out, "verdict: MISMATCH (%zu match, %zu different, %zu missing, %zu not predicted%s)\n",
				  c->n_match, c->n_different, c->n_missing, c->n_unpredicted,
				  c->kind == TCG_LOG_TPM && ((c->banks[0].compared && !c->banks[0].equal) ||
							     (c->banks[1].compared && !c->banks[1].equal))
					  ? "; PCR 7 differs"
					  : "");
	return r < 0 ? r : 0;
}

void eventlog_sb_check_json(const struct eventlog_sb_check *c, const struct measure_boot_prediction *p,
			    struct ik_json *j)
{
	char reg[16];

	tcg_reg_name(c->kind, c->reg, reg);
	ik_json_string(j, "register", reg);
	ik_json_string(j, "firmware", p->firmware ? p->firmware : "edk2");
	ik_json_array_begin(j, "events");
	for (size_t i = 0; i < c->n_items; i++) {
		const struct eventlog_sb_item *it = &c->items[i];

		ik_json_object_begin(j, NULL);
		ik_json_string(j, "verdict", verdict_json[it->verdict]);
		ik_json_string(j, "name", it->name);
		if (it->logged) {
			ik_json_u64(j, "event", it->logged->index);
			ik_json_u64(j, "offset", it->logged->offset);
		} else {
			ik_json_null(j, "event");
		}
		if (it->why[0])
			ik_json_string(j, "why", it->why);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_array_begin(j, "pcr7");
	for (size_t i = 0; i < 2 && c->kind == TCG_LOG_TPM; i++) {
		const struct eventlog_sb_bank *b = &c->banks[i];
		size_t n = b->alg == TCG_ALG_SHA256 ? MEASURE_SHA256_LEN : MEASURE_SHA384_LEN;

		ik_json_object_begin(j, NULL);
		ik_json_string(j, "algorithm", tcg_alg_name(b->alg));
		ik_json_hex_bytes(j, "predicted", b->predicted, n);
		if (b->compared) {
			ik_json_hex_bytes(j, "log", b->logged, n);
			ik_json_bool(j, "equal", b->equal);
		} else {
			ik_json_null(j, "log");
		}
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_string(j, "note", c->kind == TCG_LOG_TPM ? measure_boot_pcr7_note(p) : measure_boot_rtmr0_note());
	ik_json_u64(j, "matching", c->n_match);
	ik_json_u64(j, "different", c->n_different);
	ik_json_u64(j, "missing", c->n_missing);
	ik_json_u64(j, "not_predicted", c->n_unpredicted);
	if (c->cc_like_events)
		ik_json_string(j, "hint", CC_HINT);
	ik_json_bool(j, "match", c->match);
}
