/* SPDX-License-Identifier: MIT */
#include "vars/inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/json.h"
#include "vars/auth.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/varjson.h"
#include "vars/varstore.h"
#include "vars/x509.h"

/*
 * By framing only: a file that is one of the formats but exceeds a cap must
 * reach its parser, which names the cap, rather than be "no format".
 */
enum vars_format vars_detect(const uint8_t *p, size_t len)
{
	if (vars_store_sniff(p, len))
		return VARS_FORMAT_STORE;
	if (vars_auth_sniff(p, len))
		return VARS_FORMAT_AUTH;
	if (vars_json_sniff(p, len))
		return VARS_FORMAT_JSON;
	if (esl_db_sniff(p, len))
		return VARS_FORMAT_ESL;
	return VARS_FORMAT_NONE;
}

/* Caps exceeded: errors a description must report instead of falling back to hex. */
static bool is_limit(int r)
{
	return r == -E2BIG || r == -EFBIG;
}

/*
 * Parses data that may be a signature database (a variable's value, an
 * .auth payload).  Only a limit error reaches d: other failures mean "show
 * it as bytes" and must leave d empty.
 */
static int parse_maybe_db(const uint8_t *p, size_t len, size_t base, struct esl_db *ret,
			  struct ik_diag *d)
{
	struct ik_diag local;
	int r;

	ik_diag_init(&local);
	r = esl_db_parse_at(p, len, base, ret, &local);
	if (is_limit(r) && d)
		*d = local;
	return r;
}

bool vars_sniff(const uint8_t *p, size_t len)
{
	return vars_detect(p, len) != VARS_FORMAT_NONE;
}

bool vars_sniff_prefix(const uint8_t *p, size_t len)
{
	struct ik_guid first;
	size_t i = 0;

	if (vars_store_sniff(p, len) || vars_auth_sniff(p, len))
		return true;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i < len && p[i] == '{')
		return true;
	if (len < sizeof(first.b))
		return false;
	memcpy(first.b, p, sizeof(first.b));
	return vars_sig_type_by_guid(&first) != NULL;
}

/* Output sink: text lines or JSON values, so each format is described once. */
struct out {
	bool json;
	struct ik_buf *text;
	struct ik_json *j;
	int indent;
	int err;
};

static void line(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct out *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	r = ik_buf_printf(o->text, "%*s%s\n", 2 * o->indent, "", tmp);
	if (r < 0 && o->err == 0)
		o->err = r;
}

static void hex_short(const uint8_t *p, size_t n, char *out, size_t out_len)
{
	size_t shown = n;

	if (2 * shown + 4 > out_len)
		shown = (out_len - 4) / 2;
	ik_hex_encode(p, shown, out);
	if (shown < n)
		strcat(out, "...");
}

static void guid_text(const struct ik_guid *g, char *out, size_t out_len)
{
	char s[IK_GUID_STR_LEN + 1];
	const char *name = vars_guid_name(g);

	ik_guid_format(g, s);
	if (name)
		snprintf(out, out_len, "%s (%s)", s, name);
	else
		snprintf(out, out_len, "%s", s);
}

static void describe_cert(struct out *o, const uint8_t *der, size_t len)
{
	struct vars_cert_info ci;
	char fp[2 * IK_SHA256_LEN + 1];

	if (vars_cert_describe(der, len, &ci, NULL) < 0) {
		if (o->json)
			ik_json_string(o->j, "error", "certificate does not parse");
		else
			line(o, "certificate does not parse (%zu bytes)", len);
		return;
	}
	ik_hex_encode(ci.sha256, sizeof(ci.sha256), fp);
	if (o->json) {
		ik_json_string(o->j, "subject", ci.subject);
		ik_json_string(o->j, "issuer", ci.issuer);
		ik_json_string(o->j, "key", ci.key);
		ik_json_string(o->j, "not_before", ci.not_before);
		ik_json_string(o->j, "not_after", ci.not_after);
		ik_json_string(o->j, "sha256", fp);
		ik_json_u64(o->j, "der_size", len);
		return;
	}
	line(o, "subject: %s", ci.subject);
	line(o, "issuer:  %s", ci.issuer);
	line(o, "key:     %s", ci.key);
	line(o, "valid:   %s to %s", ci.not_before, ci.not_after);
	line(o, "sha256:  %s", fp);
}

static void describe_esl(struct out *o, const struct esl_db *db)
{
	if (o->json) {
		ik_json_u64(o->j, "entries", esl_db_count(db));
		ik_json_array_begin(o->j, "lists");
	} else {
		line(o, "%zu signature list%s, %zu entr%s", db->n_lists, db->n_lists == 1 ? "" : "s",
		     esl_db_count(db), esl_db_count(db) == 1 ? "y" : "ies");
	}
	for (size_t i = 0; i < db->n_lists; i++) {
		const struct esl_list *l = &db->lists[i];
		const struct vars_sig_type *t = vars_sig_type_by_guid(&l->type);
		char g[IK_GUID_STR_LEN + 1];

		ik_guid_format(&l->type, g);
		if (o->json) {
			ik_json_object_begin(o->j, NULL);
			ik_json_string(o->j, "type", g);
			ik_json_string(o->j, "type_name", t ? t->spec_name : NULL);
			ik_json_u64(o->j, "signature_header_size", l->header_size);
			ik_json_u64(o->j, "signature_size", l->sig_size);
			ik_json_array_begin(o->j, "entries");
		} else {
			line(o, "list %zu: %s, SignatureSize %" PRIu32 ", %zu entr%s", i,
			     t ? t->spec_name : g, l->sig_size, l->n_entries,
			     l->n_entries == 1 ? "y" : "ies");
			o->indent++;
		}
		for (size_t k = 0; k < l->n_entries; k++) {
			const struct esl_entry *e = &l->entries[k];
			char owner[IK_GUID_STR_LEN + 64];
			char hex[200];

			guid_text(&e->owner, owner, sizeof(owner));
			if (o->json) {
				ik_guid_format(&e->owner, g);
				ik_json_object_begin(o->j, NULL);
				ik_json_string(o->j, "owner", g);
			} else {
				line(o, "entry %zu: owner %s", k, owner);
				o->indent++;
			}
			if (t && t->data_size == 0) {
				describe_cert(o, e->data, e->len);
			} else if (t && t->hash_size) {
				char ts[VARS_EFI_TIME_STR_LEN];
				ik_hex_encode(e->data, t->hash_size, hex);
				if (o->json)
					ik_json_string(o->j, t->short_name, hex);
				else
					line(o, "%s: %s", t->short_name, hex);
				if (t->data_size > t->hash_size) {
					vars_time_format(e->data + t->hash_size, ts);
					if (o->json)
						ik_json_string(o->j, "time_of_revocation", ts);
					else
						line(o, "TimeOfRevocation: %s", ts);
				}
			} else {
				hex_short(e->data, e->len, hex, sizeof(hex));
				if (o->json)
					ik_json_hex_bytes(o->j, "data", e->data, e->len);
				else
					line(o, "data (%zu bytes): %s", e->len, hex);
			}
			if (o->json)
				ik_json_object_end(o->j);
			else
				o->indent--;
		}
		if (o->json) {
			ik_json_array_end(o->j);
			ik_json_object_end(o->j);
		} else {
			o->indent--;
		}
	}
	if (o->json)
		ik_json_array_end(o->j);
}

/*
 * Variable data: a signature database where it should be one, else hex.
 * base: the data's offset in the file, for messages.
 */
static int describe_value(struct out *o, const char *name, const struct ik_guid *guid,
			  const uint8_t *p, size_t len, size_t base, struct ik_diag *d)
{
	enum vars_sigdb s = vars_sigdb_from_name(name);
	struct esl_db db;
	char hex[200];
	bool is_db = (s != VARS_SIGDB_INVALID && ik_guid_equal(guid, vars_sigdb_guid(s))) ||
		     strcmp(name, "MokList") == 0 || strcmp(name, "MokListX") == 0;
	int r = is_db && len > 0 ? parse_maybe_db(p, len, base, &db, d) : -EBADMSG;

	if (is_limit(r))
		return r;
	if (r == 0) {
		if (o->json)
			ik_json_object_begin(o->j, "signature_database");
		describe_esl(o, &db);
		if (o->json)
			ik_json_object_end(o->j);
		esl_db_release(&db);
		return 0;
	}
	if (o->json) {
		ik_json_hex_bytes(o->j, "data", p, len);
		return 0;
	}
	hex_short(p, len, hex, 2 * 32 + 4);
	line(o, "data: %s", len ? hex : "(empty)");
	return 0;
}

static int describe_auth(struct out *o, const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct vars_auth a;
	struct vars_cert_set certs;
	struct esl_db db;
	char ts[VARS_EFI_TIME_STR_LEN];
	int r;

	r = vars_auth_parse(p, len, &a, d);
	if (r < 0)
		return r;
	r = vars_auth_certs(&a, &certs, d);
	if (r < 0)
		return r;
	vars_time_format(a.time.b, ts);
	if (o->json) {
		ik_json_string(o->j, "format", "auth");
		ik_json_string(o->j, "time_stamp", ts);
		ik_json_u64(o->j, "dw_length", a.dw_length);
		ik_json_bool(o->j, "signed", a.cert_len > 0);
		ik_json_array_begin(o->j, "pkcs7_certificates");
	} else {
		line(o, "EFI_VARIABLE_AUTHENTICATION_2 (.auth), %zu bytes", len);
		line(o, "TimeStamp: %s%s", ts, vars_time_is_zero(a.time.b) ? " (all zero)" : "");
		if (a.cert_len)
			line(o, "signature: PKCS#7 SignedData, %zu bytes, %zu certificate%s",
			     a.cert_len, certs.n, certs.n == 1 ? "" : "s");
		else
			line(o, "signature: none (dwLength 24; accepted only in setup or custom mode)");
	}
	for (size_t i = 0; i < certs.n; i++) {
		if (o->json) {
			ik_json_object_begin(o->j, NULL);
		} else {
			line(o, "certificate %zu:", i);
			o->indent++;
		}
		describe_cert(o, certs.certs[i].der, certs.certs[i].len);
		if (o->json)
			ik_json_object_end(o->j);
		else
			o->indent--;
	}
	vars_cert_set_release(&certs);
	if (o->json)
		ik_json_array_end(o->j);
	if (a.payload_len == 0) {
		if (o->json)
			ik_json_null(o->j, "payload");
		else
			line(o, "payload: empty (deletes the variable)");
		return 0;
	}
	r = parse_maybe_db(a.payload, a.payload_len, (size_t)(a.payload - p), &db, d);
	if (is_limit(r))
		return r; /* placed at its file offset */
	if (r < 0) {
		if (o->json)
			ik_json_hex_bytes(o->j, "payload", a.payload, a.payload_len);
		else
			line(o, "payload: %zu bytes (not a signature database)", a.payload_len);
		return 0;
	}
	if (o->json) {
		ik_json_object_begin(o->j, "payload");
	} else {
		line(o, "payload:");
		o->indent++;
	}
	describe_esl(o, &db);
	if (o->json)
		ik_json_object_end(o->j);
	else
		o->indent--;
	esl_db_release(&db);
	return 0;
}

/*
 * A JSON store has no byte offsets: offsets inside a variable's data are
 * only meaningful once the place says whose data it is.
 */
static int place_in_variable(struct ik_diag *d, int err, const char *name)
{
	char inner[sizeof(d->place)];
	struct ik_buf place;

	if (!d)
		return err;
	memcpy(inner, d->place, sizeof(inner));
	ik_buf_init(&place, 0);
	if (ik_buf_printf(&place, "data of variable '%s'%s%s", name, inner[0] ? ", " : "", inner) >=
	    0) {
		/* Truncated like every place that does not fit. */
		size_t n = place.len < sizeof(d->place) - 1 ? place.len : sizeof(d->place) - 1;
		memcpy(d->place, place.data, n);
		d->place[n] = '\0';
	}
	ik_buf_release(&place);
	return err;
}

/* Offset of a store entry's data: header, then the UCS-2 name with its NUL. */
static size_t data_offset(const struct vars_var *v, size_t header_offset)
{
	struct ik_buf name;
	size_t off;

	ik_buf_init(&name, 0);
	off = header_offset + VARS_AUTH_VAR_HEADER_SIZE;
	if (vars_name_to_ucs2(v->name, &name, NULL) >= 0)
		off += name.len;
	ik_buf_release(&name);
	return off;
}

/* The variables of a store or JSON store; offsets only for images. */
static int describe_variables(struct out *o, const struct vars_list *l,
			      const struct vars_store_entry_info *where, struct ik_diag *d)
{
	if (o->json)
		ik_json_array_begin(o->j, "variables");
	for (size_t i = 0; i < l->n; i++) {
		const struct vars_var *v = &l->v[i];
		char g[IK_GUID_STR_LEN + 64], attr[64], ts[VARS_EFI_TIME_STR_LEN];
		char off[32] = "";
		int r;

		vars_attr_format(v->attr, attr);
		vars_time_format(v->time.b, ts);
		if (where)
			snprintf(off, sizeof(off), "offset 0x%zx, ", where[i].offset);
		if (o->json) {
			char gs[IK_GUID_STR_LEN + 1];
			ik_guid_format(&v->guid, gs);
			ik_json_object_begin(o->j, NULL);
			ik_json_string(o->j, "name", v->name);
			ik_json_string(o->j, "guid", gs);
			ik_json_u64(o->j, "attr", v->attr);
			ik_json_string(o->j, "attr_names", attr);
			ik_json_string(o->j, "time", ts);
			if (where)
				ik_json_u64(o->j, "offset", where[i].offset);
			ik_json_u64(o->j, "size", v->len);
		} else {
			guid_text(&v->guid, g, sizeof(g));
			line(o, "variable '%s' %s", v->name, g);
			o->indent++;
			line(o, "%sattributes 0x%02" PRIx32 " %s, %zu byte%s%s%s", off, v->attr, attr,
			     v->len, v->len == 1 ? "" : "s",
			     vars_time_is_zero(v->time.b) ? "" : ", time ",
			     vars_time_is_zero(v->time.b) ? "" : ts);
		}
		r = describe_value(o, v->name, &v->guid, v->data, v->len,
				   where ? data_offset(v, where[i].offset) : 0, d);
		if (r < 0)
			return where ? r : place_in_variable(d, r, v->name);
		if (o->json)
			ik_json_object_end(o->j);
		else
			o->indent--;
	}
	if (o->json)
		ik_json_array_end(o->j);
	return 0;
}

/*
 * What OVMF will do with these variables: user mode iff PK holds an entry;
 * image verification enforced unless SecureBootEnable says 0 (edk2 creates
 * it as 1 when PK exists and it is missing).
 */
static void describe_secure_boot(struct out *o, const struct vars_list *l)
{
	size_t counts[VARS_SIGDB_MAX] = { 0 };
	bool present[VARS_SIGDB_MAX] = { false };
	ssize_t sbe = vars_list_find(l, "SecureBootEnable", &vars_guid_secure_boot_enable);
	bool user_mode, enabled, enforced;
	char summary[256];
	size_t used = 0;

	for (int i = 0; i < VARS_SIGDB_MAX; i++) {
		ssize_t at = vars_list_find(l, vars_sigdb_name((enum vars_sigdb)i),
					    vars_sigdb_guid((enum vars_sigdb)i));
		struct esl_db db;

		if (at < 0)
			continue;
		present[i] = true;
		if (esl_db_parse(l->v[at].data, l->v[at].len, &db, NULL) == 0) {
			counts[i] = esl_db_count(&db);
			esl_db_release(&db);
		}
	}
	user_mode = counts[VARS_SIGDB_PK] > 0;
	enabled = sbe < 0 || l->v[sbe].len < 1 || l->v[sbe].data[0] != 0;
	enforced = user_mode && enabled;
	summary[0] = '\0';
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		if (present[i])
			used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s %zu",
						 used ? ", " : "", vars_sigdb_name((enum vars_sigdb)i),
						 counts[i]);
	if (o->json) {
		ik_json_object_begin(o->j, "secure_boot");
		ik_json_bool(o->j, "setup_mode", !user_mode);
		ik_json_bool(o->j, "enforced", enforced);
		for (int i = 0; i < VARS_SIGDB_MAX; i++)
			if (present[i])
				ik_json_u64(o->j, vars_sigdb_name((enum vars_sigdb)i), counts[i]);
		ik_json_object_end(o->j);
		return;
	}
	line(o, "Secure Boot: %s%s%s%s",
	     enforced ? "enforced"
		      : (!user_mode ? "not enforced, setup mode (no PK)"
				    : "not enforced (SecureBootEnable is 0)"),
	     used ? " [entries: " : "", summary, used ? "]" : "");
}

static int describe_store(struct out *o, const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct vars_list l;
	struct vars_store_info info;
	int r;

	r = vars_store_parse(p, len, &l, &info, d);
	if (r < 0)
		return r;
	if (o->json) {
		ik_json_string(o->j, "format", "varstore");
		ik_json_string(o->j, "layout", info.geometry->name);
		ik_json_u64(o->j, "fv_length", info.geometry->fv_length);
		ik_json_bool(o->j, "embedded_in_firmware", info.embedded);
		ik_json_u64(o->j, "store_bytes", info.live_end - VARS_FIRST_VARIABLE_OFFSET);
		ik_json_u64(o->j, "used_bytes", info.used_end - VARS_FIRST_VARIABLE_OFFSET);
		ik_json_u64(o->j, "deleted_entries", info.n_deleted);
		ik_json_bool(o->j, "ftw_valid", info.ftw_valid);
		ik_json_bool(o->j, "ftw_queue_empty", info.ftw_queue_empty);
	} else {
		line(o, "edk2 variable store, %s layout: %s%s", info.geometry->name,
		     info.geometry->description, info.embedded ? ", inside a firmware image" : "");
		line(o, "%zu variable%s, %zu deleted entr%s; %zu of %zu bytes used", l.n,
		     l.n == 1 ? "" : "s", info.n_deleted, info.n_deleted == 1 ? "y" : "ies",
		     info.used_end - VARS_FIRST_VARIABLE_OFFSET,
		     info.live_end - VARS_FIRST_VARIABLE_OFFSET);
		line(o, "fault-tolerant write block: %s, %s", info.ftw_valid ? "valid" : "INVALID",
		     info.ftw_queue_empty ? "no pending write" : "PENDING WRITE");
	}
	describe_secure_boot(o, &l);
	r = describe_variables(o, &l, info.valid, d);
	vars_store_info_release(&info);
	vars_list_release(&l);
	return r;
}

static int describe_json_store(struct out *o, const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct vars_list l;
	int r;

	r = vars_json_parse(p, len, &l, d);
	if (r < 0)
		return r;
	if (o->json)
		ik_json_string(o->j, "format", "qemu-json");
	else
		line(o, "QEMU uefi-vars JSON store (version 2), %zu variable%s", l.n,
		     l.n == 1 ? "" : "s");
	describe_secure_boot(o, &l);
	r = describe_variables(o, &l, NULL, d);
	vars_list_release(&l);
	return r;
}

static int describe(struct out *o, const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct esl_db db;
	int r;

	switch (vars_detect(p, len)) {
	case VARS_FORMAT_STORE:
		return describe_store(o, p, len, d);
	case VARS_FORMAT_AUTH:
		return describe_auth(o, p, len, d);
	case VARS_FORMAT_JSON:
		return describe_json_store(o, p, len, d);
	case VARS_FORMAT_ESL:
		r = esl_db_parse(p, len, &db, d);
		if (r < 0)
			return r;
		if (o->json)
			ik_json_string(o->j, "format", "esl");
		else
			line(o, "EFI signature database, %zu bytes", len);
		describe_esl(o, &db);
		esl_db_release(&db);
		return 0;
	case VARS_FORMAT_NONE:
		break;
	}
	return ik_fail(d, -EBADMSG, /* no format recognised: malformed input, exit 3 as for inspect */
		       "not a signature list, .auth file, edk2 variable store or QEMU JSON store");
}

int vars_describe_json(const uint8_t *p, size_t len, struct ik_json *j, const char *key,
		       struct ik_diag *d)
{
	struct out o = { .json = true, .j = j };
	int r;

	if (vars_detect(p, len) == VARS_FORMAT_NONE)
		return ik_fail(d, -EBADMSG, /* no format recognised: malformed input, exit 3 as for inspect */
			       "not a signature list, .auth file, edk2 variable store or QEMU JSON store");
	ik_json_object_begin(j, key);
	r = describe(&o, p, len, d);
	ik_json_object_end(j);
	return r;
}

int vars_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_buf tmp;
	int r;

	if (vars_detect(p, len) == VARS_FORMAT_NONE)
		return ik_fail(d, -EBADMSG, /* no format recognised: malformed input, exit 3 as for inspect */
			       "not a signature list, .auth file, edk2 variable store or QEMU JSON store");
	ik_buf_init(&tmp, 0);
	if (json) {
		struct ik_json j;
		ik_json_init(&j, &tmp);
		r = vars_describe_json(p, len, &j, NULL, d);
		if (r >= 0)
			r = ik_json_finish(&j);
	} else {
		struct out o = { .json = false, .text = &tmp };
		r = describe(&o, p, len, d);
		if (r >= 0)
			r = o.err;
	}
	if (r >= 0)
		r = ik_buf_append(out, tmp.data, tmp.len);
	ik_buf_release(&tmp);
	return r;
}

int vars_extract(const uint8_t *p, size_t len, const char *name, const struct ik_guid *guid,
		 struct ik_buf *out, struct ik_diag *d)
{
	struct vars_list vars;
	ssize_t at = -1;
	int r;

	if (!name) {
		struct vars_auth a;

		if (!vars_auth_sniff(p, len))
			return ik_fail(d, -EINVAL, "give the variable NAME to extract from a store");
		r = vars_auth_parse(p, len, &a, d);
		return r < 0 ? r : ik_buf_append(out, a.payload, a.payload_len);
	}
	if (vars_json_sniff(p, len))
		r = vars_json_parse(p, len, &vars, d);
	else
		r = vars_store_parse(p, len, &vars, NULL, d);
	if (r < 0)
		return r;
	if (!guid)
		guid = vars_default_guid_for_name(name);
	if (guid)
		at = vars_list_find(&vars, name, guid);
	for (size_t i = 0; !guid && i < vars.n && at < 0; i++)
		if (strcmp(vars.v[i].name, name) == 0)
			at = (ssize_t)i;
	if (at < 0)
		r = ik_fail(d, -ENOENT, "no variable '%s' in the store", name);
	else
		r = ik_buf_append(out, vars.v[at].data, vars.v[at].len);
	vars_list_release(&vars);
	return r;
}
