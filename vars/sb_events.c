/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot policy events (vars/sb_events.h has the edk2 rules and where
 * each comes from).
 */
#include "vars/sb_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/hex.h"
#include "sign/authenticode.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/varjson.h"
#include "vars/varstore.h"
#include "vars/x509.h"

/* UEFI_VARIABLE_DATA header: VariableName GUID, UnicodeNameLength, VariableDataLength. */
#define UEFI_VARIABLE_DATA_HEADER_SIZE (16 + 8 + 8)

/* Tcg2Dxe.c mVariableType[], measured always and in this order; then dbt when present. */
static const struct {
	const char *name;
	const struct ik_guid *guid;
	bool only_when_present;
} sb_variables[] = {
	{ "SecureBoot", &vars_guid_global_variable, false },
	{ "PK", &vars_guid_global_variable, false },
	{ "KEK", &vars_guid_global_variable, false },
	{ "db", &vars_guid_image_security_db, false },
	{ "dbx", &vars_guid_image_security_db, false },
	{ "dbt", &vars_guid_image_security_db, true },
};

int vars_uefi_variable_data(const struct ik_guid *guid, const char *name, const uint8_t *data,
			    size_t len, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_buf ucs2;
	int r;

	ik_buf_init(&ucs2, 0);
	r = vars_name_to_ucs2(name, &ucs2, d);
	if (r >= 0) {
		/* UnicodeNameLength counts characters without the NUL vars_name_to_ucs2 writes */
		size_t name_bytes = ucs2.len - 2;

		r = ik_buf_append(out, guid->b, sizeof(guid->b));
		if (r >= 0)
			r = ik_buf_append_le64(out, (uint64_t)name_bytes / 2);
		if (r >= 0)
			r = ik_buf_append_le64(out, (uint64_t)len);
		if (r >= 0)
			r = ik_buf_append(out, ucs2.data, name_bytes);
		if (r >= 0 && len)
			r = ik_buf_append(out, data, len);
	}
	ik_buf_release(&ucs2);
	return r < 0 ? r : 0;
}

/* Appends one event whose digests are over its data (all the events edk2 logs here). */
static int add_event(struct measure_boot_prediction *p, uint32_t type, const char *name,
		     bool absent, struct ik_buf *data)
{
	struct measure_boot_event *ev;
	struct measure_boot_event *grown = realloc(p->events, (p->n_events + 1) * sizeof(*grown));
	int r;

	if (!grown)
		return -ENOMEM;
	p->events = grown;
	ev = &p->events[p->n_events];
	memset(ev, 0, sizeof(*ev));
	ev->pcr = 7;
	ev->cc_mr_index = MEASURE_CC_MR_INDEX_RTMR0;
	ev->event_type = type;
	ev->variable_absent = absent;
	r = ik_sha256(data->data, data->len, ev->sha256);
	if (r >= 0)
		r = ik_sha384(data->data, data->len, ev->sha384);
	if (r < 0)
		return r;
	ev->name = strdup(name);
	if (!ev->name)
		return -ENOMEM;
	ev->data = ik_buf_take(data, &ev->len); /* never empty: a header or the separator's 4 bytes */
	p->n_events++;
	return 0;
}

/* AuthVariableLibInitialize: SecureBoot = PK exists && SecureBootEnable is 1 or absent. */
static uint8_t secure_boot_value(const struct vars_list *vars)
{
	ssize_t pk = vars_list_find(vars, "PK", &vars_guid_global_variable);
	ssize_t sbe = vars_list_find(vars, "SecureBootEnable", &vars_guid_secure_boot_enable);

	if (pk < 0)
		return 0;
	if (sbe < 0)
		return 1; /* edk2 creates SecureBootEnable = 1 in user mode */
	return vars->v[sbe].len >= 1 && vars->v[sbe].data[0] == 1 ? 1 : 0;
}

static int variable_event(struct measure_boot_prediction *p, const char *name,
			  const struct ik_guid *guid, const uint8_t *data, size_t len, bool absent,
			  uint32_t type, struct ik_diag *d)
{
	struct ik_buf ev;
	int r;

	ik_buf_init(&ev, 0);
	r = vars_uefi_variable_data(guid, name, data, len, &ev, d);
	if (r >= 0)
		r = add_event(p, type, name, absent, &ev);
	ik_buf_release(&ev);
	return r;
}

static int config_events(struct measure_boot_prediction *p, const struct vars_list *vars,
			 const struct vars_sb_events_opts *o, struct ik_diag *d)
{
	uint8_t sb = secure_boot_value(vars);
	int r = 0;

	p->secure_boot = o->secureboot == VARS_SB_SECUREBOOT_FROM_STORE && sb == 1;
	p->secure_boot_var_absent = o->secureboot == VARS_SB_SECUREBOOT_ABSENT;
	for (size_t i = 0; r >= 0 && i < sizeof(sb_variables) / sizeof(sb_variables[0]); i++) {
		const char *name = sb_variables[i].name;
		const struct ik_guid *guid = sb_variables[i].guid;
		const uint8_t *data = NULL;
		size_t len = 0;
		bool absent;

		if (i == 0) {
			/* volatile: the firmware computes it at boot, it is never in a store */
			absent = p->secure_boot_var_absent;
			if (!absent) {
				data = &sb;
				len = 1;
			}
		} else {
			ssize_t k = vars_list_find(vars, name, guid);

			absent = k < 0;
			if (absent && sb_variables[i].only_when_present)
				continue;
			if (!absent) {
				data = vars->v[k].data;
				len = vars->v[k].len;
			}
		}
		r = variable_event(p, name, guid, data, len, absent, TCG_EV_EFI_VARIABLE_DRIVER_CONFIG,
				   d);
	}
	return r;
}

static int separator_event(struct measure_boot_prediction *p)
{
	struct ik_buf ev;
	int r;

	ik_buf_init(&ev, 0);
	r = ik_buf_append_le32(&ev, 0); /* MeasureSeparatorEvent: UINT32 EventData = 0 */
	if (r >= 0)
		r = add_event(p, TCG_EV_SEPARATOR, "separator", false, &ev);
	ik_buf_release(&ev);
	return r;
}

/* True when the db variable of VARS holds SIG (a whole EFI_SIGNATURE_DATA) as one entry. */
static bool db_holds(const struct vars_list *vars, const uint8_t *sig, size_t len)
{
	ssize_t k = vars_list_find(vars, "db", &vars_guid_image_security_db);
	struct esl_db db;
	bool found = false;

	if (k < 0 || len < ESL_OWNER_SIZE || esl_db_parse(vars->v[k].data, vars->v[k].len, &db, NULL) < 0)
		return false;
	for (size_t l = 0; !found && l < db.n_lists; l++)
		for (size_t e = 0; !found && e < db.lists[l].n_entries; e++) {
			const struct esl_entry *en = &db.lists[l].entries[e];

			found = en->len == len - ESL_OWNER_SIZE &&
				memcmp(en->owner.b, sig, ESL_OWNER_SIZE) == 0 &&
				memcmp(en->data, sig + ESL_OWNER_SIZE, en->len) == 0;
		}
	esl_db_release(&db);
	return found;
}

static bool authority_seen(const struct vars_sb_events_opts *o, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (o->authorities[k].len == o->authorities[i].len &&
		    memcmp(o->authorities[k].sig_data, o->authorities[i].sig_data, o->authorities[i].len) == 0)
			return true;
	return false;
}

static int authority_events(struct measure_boot_prediction *p, const struct vars_list *vars,
			    const struct vars_sb_events_opts *o, struct ik_diag *d)
{
	int r = 0;

	if (o->n_authorities && !p->secure_boot)
		return ik_fail(d, -EINVAL,
			       "an EV_EFI_VARIABLE_AUTHORITY was given but the firmware measures SecureBoot = 0 for this store (%s): it verifies no image",
			       p->secure_boot_var_absent ? "no SecureBoot variable" : "no PK, or SecureBootEnable is not 1");
	if (o->n_authorities && o->no_separator)
		return ik_fail(d, -EINVAL, "authorities are measured after the separator, which was left out");
	for (size_t i = 0; r >= 0 && i < o->n_authorities; i++) {
		const struct vars_sb_authority *a = &o->authorities[i];

		if (!db_holds(vars, a->sig_data, a->len))
			return ik_fail(d, -EINVAL, "authority %zu is not an entry of the store's db", i + 1);
		/* SecureBootHook: IsDataMeasured skips an entry measured before */
		if (authority_seen(o, i))
			continue;
		r = variable_event(p, "db", &vars_guid_image_security_db, a->sig_data, a->len, false,
				   TCG_EV_EFI_VARIABLE_AUTHORITY, d);
		if (r >= 0)
			p->n_authorities++;
	}
	return r;
}

int vars_sb_events_predict(const struct vars_list *vars, const struct vars_sb_events_opts *o,
			   struct measure_boot_prediction *ret, struct ik_diag *d)
{
	static const struct vars_sb_events_opts defaults;
	struct measure_boot_prediction p;
	int r;

	if (!o)
		o = &defaults;
	measure_boot_prediction_init(&p);
	p.firmware = VARS_SB_EVENTS_FIRMWARE;
	r = config_events(&p, vars, o, d);
	if (r >= 0 && !o->no_separator) {
		r = separator_event(&p);
		p.separator = r >= 0;
	}
	if (r >= 0)
		r = authority_events(&p, vars, o, d);
	if (r >= 0)
		r = measure_boot_prediction_finish(&p);
	if (r < 0) {
		measure_boot_prediction_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int vars_sb_events_from_store(const uint8_t *p, size_t len, const struct vars_sb_events_opts *o,
			      struct measure_boot_prediction *ret, struct ik_diag *d)
{
	struct vars_store_info info;
	struct vars_list vars;
	struct measure_boot_prediction pred;
	bool image = vars_store_sniff(p, len);
	int r;

	if (!image && !vars_json_sniff(p, len))
		return ik_fail(d, -EMEDIUMTYPE,
			       "not a variable store (an OVMF_VARS image, a unified OVMF.fd or a QEMU uefi-vars JSON store)");
	vars_list_init(&vars);
	memset(&info, 0, sizeof(info));
	r = image ? vars_store_parse(p, len, &vars, &info, d) : vars_json_parse(p, len, &vars, d);
	if (r >= 0)
		r = vars_sb_events_predict(&vars, o, &pred, d);
	if (r >= 0 && image) {
		/* TDVF measures the CFV, PcdCfvRawDataSize = VARS_SIZE bytes = the store FV */
		pred.has_cfv = true;
		pred.cfv_size = info.geometry->fv_length;
		r = ik_sha384(p + info.fv_offset, info.geometry->fv_length, pred.cfv_sha384);
		if (r < 0)
			measure_boot_prediction_release(&pred);
	}
	vars_list_release(&vars);
	vars_store_info_release(&info);
	if (r < 0)
		return r;
	*ret = pred;
	return 0;
}

/* ---- Authority inputs ---- */

/* Appends EN as EFI_SIGNATURE_DATA (SignatureOwner, then the data) to OUT; 1, or -ENOMEM. */
static int append_entry(struct ik_buf *out, const struct esl_entry *en)
{
	int r = ik_buf_append(out, en->owner.b, sizeof(en->owner.b));

	if (r >= 0)
		r = ik_buf_append(out, en->data, en->len);
	return r < 0 ? r : 1;
}

/* Appends db's entry of TYPE whose data is DATA (owner + data) to OUT; 1 found, 0 not. */
static int db_entry(const struct esl_db *db, const struct ik_guid *type, const uint8_t *data,
		    size_t len, struct ik_buf *out)
{
	for (size_t l = 0; l < db->n_lists; l++) {
		const struct esl_list *list = &db->lists[l];

		if (memcmp(list->type.b, type->b, sizeof(type->b)) != 0)
			continue;
		for (size_t e = 0; e < list->n_entries; e++) {
			const struct esl_entry *en = &list->entries[e];

			if (en->len != len || memcmp(en->data, data, len) != 0)
				continue;
			return append_entry(out, en);
		}
	}
	return 0;
}

/* "sha256:HEX" or 64 hex digits (surrounding white space allowed) -> 32 bytes. */
static bool parse_hash_text(const uint8_t *p, size_t len, uint8_t hash[IK_SHA256_LEN])
{
	char text[2 * IK_SHA256_LEN + 1];
	size_t a = 0, b = len;

	while (a < b && (p[a] == ' ' || p[a] == '\n' || p[a] == '\r' || p[a] == '\t'))
		a++;
	while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\n' || p[b - 1] == '\r' || p[b - 1] == '\t'))
		b--;
	if (b - a > 7 && memcmp(p + a, "sha256:", 7) == 0)
		a += 7;
	if (b - a != 2 * IK_SHA256_LEN)
		return false;
	memcpy(text, p + a, b - a);
	text[b - a] = '\0';
	return ik_hex_decode(text, hash, IK_SHA256_LEN) == 0;
}

/* The (type, data) pairs an input names, as a signature database. */
static int authority_candidates(const uint8_t *input, size_t len, struct esl_db *cand,
				struct ik_diag *d)
{
	uint8_t hash[IK_SHA256_LEN];
	int r;

	if (parse_hash_text(input, len, hash))
		return esl_db_add_hash(cand, &vars_guid_cert_sha256, &vars_guid_zero, hash, sizeof(hash), d);
	if (len >= 2 && input[0] == 'M' && input[1] == 'Z')
		return esl_db_add_pe(cand, &vars_guid_zero, input, len, d);
	if (esl_db_sniff(input, len))
		return esl_db_parse(input, len, cand, d);
	if (vars_is_pem(input, len) || (len >= 2 && input[0] == 0x30)) {
		struct vars_cert_set certs;

		r = vars_certs_load(input, len, &certs, d);
		if (r < 0)
			return r;
		/* an X.509 list holds the DER as it is; non-RSA keys are the db's business */
		for (size_t i = 0; r >= 0 && i < certs.n; i++)
			r = esl_db_add_x509(cand, &vars_guid_zero, certs.certs[i].der, certs.certs[i].len,
					    true, d);
		vars_cert_set_release(&certs);
		return r;
	}
	return ik_fail(d, -EBADMSG,
		       "not a certificate (PEM or DER), PE image, signature list or \"sha256:HEX\" hash");
}

/*
 * DxeImageVerificationHandler tries each signature of a signed image against
 * db's X.509 entries in order (IsAllowedByDb: the first that verifies is
 * measured) before it looks for the image's hash.  1 with the entry
 * appended to OUT, 0 when no db certificate verifies it (or it is unsigned).
 */
static int db_cert_verifying(const struct esl_db *db, const uint8_t *pe, size_t len,
			     struct ik_buf *out)
{
	_cleanup_free_ struct authenticode_report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return -ENOMEM;
	for (size_t l = 0; l < db->n_lists; l++) {
		const struct esl_list *list = &db->lists[l];

		if (memcmp(list->type.b, vars_guid_cert_x509.b, sizeof(list->type.b)) != 0)
			continue;
		for (size_t e = 0; e < list->n_entries; e++) {
			const struct esl_entry *en = &list->entries[e];
			STACK_OF(X509) *trusted = sk_X509_new_null();
			X509 *x = NULL;
			int r;

			if (!trusted)
				return -ENOMEM;
			if (vars_x509_from_der(en->data, en->len, &x, NULL) < 0 || !sk_X509_push(trusted, x)) {
				X509_free(x);
				sk_X509_free(trusted);
				continue; /* a db entry OpenSSL cannot read verifies nothing */
			}
			r = authenticode_verify(pe, len, NULL, trusted, false, rep, NULL);
			sk_X509_pop_free(trusted, X509_free);
			if (r == -ENOKEY)
				return 0; /* unsigned: only its hash can let it run */
			if (r < 0)
				continue;
			return append_entry(out, en);
		}
	}
	return 0;
}

int vars_sb_authority_find(const struct vars_list *vars, const uint8_t *input, size_t len,
			   struct ik_buf *out, struct ik_diag *d)
{
	ssize_t k = vars_list_find(vars, "db", &vars_guid_image_security_db);
	struct esl_db cand, db;
	int r;

	if (k < 0)
		return ik_fail(d, -EINVAL, "the store has no db: no image can be verified by it");
	esl_db_init(&cand);
	r = authority_candidates(input, len, &cand, d);
	if (r < 0) {
		esl_db_release(&cand);
		return r;
	}
	r = esl_db_parse(vars->v[k].data, vars->v[k].len, &db, d);
	if (r < 0) {
		esl_db_release(&cand);
		return ik_diag_place(d, r, "variable db");
	}
	r = len >= 2 && input[0] == 'M' && input[1] == 'Z' ? db_cert_verifying(&db, input, len, out) : 0;
	for (size_t l = 0; r == 0 && l < cand.n_lists; l++)
		for (size_t e = 0; r == 0 && e < cand.lists[l].n_entries; e++)
			r = db_entry(&db, &cand.lists[l].type, cand.lists[l].entries[e].data,
				     cand.lists[l].entries[e].len, out);
	esl_db_release(&db);
	esl_db_release(&cand);
	if (r == 0)
		return ik_fail(d, -EINVAL, "no entry of the store's db matches it");
	return r < 0 ? r : 0;
}
