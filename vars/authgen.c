/* SPDX-License-Identifier: MIT */
#include "vars/authgen.h"

#include <errno.h>
#include <string.h>

#include "common/fileio.h"
#include "vars/auth.h"
#include "vars/efi_time.h"
#include "vars/secureboot.h"
#include "vars/x509.h"

/* Every certificate of the PEM/DER file PATH onto SK; the diag names PATH. */
static int push_cert_file(const char *path, STACK_OF(X509) *sk, struct ik_diag *d)
{
	struct ik_file_bytes f;
	struct vars_cert_set certs;
	int r;

	r = ik_file_load(path, 0, &f, d);
	if (r < 0)
		return ik_diag_file(d, path, r);
	r = vars_certs_load(f.data, f.len, &certs, d);
	ik_file_release(&f);
	if (r < 0)
		return ik_diag_file(d, path, r);
	for (size_t i = 0; r >= 0 && i < certs.n; i++) {
		X509 *x = NULL;

		r = vars_x509_from_der(certs.certs[i].der, certs.certs[i].len, &x, d);
		if (r >= 0 && !sk_X509_push(sk, x)) {
			X509_free(x);
			r = -ENOMEM;
		}
	}
	vars_cert_set_release(&certs);
	return ik_diag_file(d, path, r);
}

void vars_signer_keys_release(struct vars_signer_keys *k)
{
	EVP_PKEY_free(k->key);
	sk_X509_pop_free(k->certs, X509_free);
	sk_X509_pop_free(k->chain, X509_free);
	memset(k, 0, sizeof(*k));
}

int vars_signer_keys_load(const struct vars_signer_files *f, struct vars_signer_keys *ret,
			  enum vars_step *fail_step, struct ik_diag *d)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	*fail_step = VARS_STEP_KEY;
	r = sign_key_load(f->key, &f->secret, &ret->key, d);
	if (r < 0)
		return r;
	*fail_step = VARS_STEP_INPUT;
	ret->certs = sk_X509_new_null();
	r = ret->certs ? push_cert_file(f->cert, ret->certs, d) : -ENOMEM;
	if (r >= 0 && f->chain) {
		ret->chain = sk_X509_new_null();
		r = ret->chain ? push_cert_file(f->chain, ret->chain, d) : -ENOMEM;
	}
	if (r < 0)
		vars_signer_keys_release(ret);
	else
		*fail_step = VARS_STEP_NONE;
	return r;
}

/* The value written: the input file as vars_value_from_input makes it (none: empty). */
static int auth_payload(const struct vars_auth_request *req, struct ik_buf *payload,
			struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	if (!req->input)
		return 0;
	r = ik_file_load(req->input, 0, &f, d);
	if (r >= 0) {
		r = vars_value_from_input(req->name, f.data, f.len, &req->owner, payload, d);
		ik_file_release(&f);
	}
	return ik_diag_file(d, req->input, r);
}

static int auth_attach(const struct vars_auth_request *req, const struct vars_auth_target *t,
		       const struct ik_buf *payload, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	r = ik_file_load(req->signature, 0, &f, d);
	if (r >= 0) {
		r = vars_auth_attach(t, payload->data, payload->len, f.data, f.len, out, d);
		ik_file_release(&f);
	}
	return ik_diag_file(d, req->signature, r);
}

static int auth_sign(const struct vars_auth_request *req, const struct vars_auth_target *t,
		     const struct ik_buf *payload, struct ik_buf *out, enum vars_step *step,
		     struct ik_diag *d)
{
	struct vars_signer_keys keys;
	struct vars_signer signer;
	int r;

	r = vars_signer_keys_load(&req->signer, &keys, step, d);
	if (r < 0)
		return r;
	/* signingTime = the TimeStamp, so the output stays reproducible. */
	signer = (struct vars_signer){ keys.key,
				       sk_X509_value(keys.certs, 0),
				       keys.chain,
				       req->signed_attrs,
				       req->signed_attrs ? vars_time_to_epoch(&t->time) : 0,
				       req->content_info };
	*step = VARS_STEP_BUILD;
	r = vars_auth_create(t, payload->data, payload->len, &signer, out, d);
	vars_signer_keys_release(&keys);
	return r;
}

/* After the payload: the output the mode asks for. */
static int auth_output(const struct vars_auth_request *req, const struct vars_auth_target *t,
		       const struct ik_buf *payload, struct ik_buf *out, enum vars_step *step,
		       struct ik_diag *d)
{
	*step = VARS_STEP_BUILD;
	switch (req->mode) {
	case VARS_AUTH_TBS:
		return vars_auth_signed_bytes(t, payload->data, payload->len, out, d);
	case VARS_AUTH_ATTACH:
		*step = VARS_STEP_SIGNATURE;
		return auth_attach(req, t, payload, out, d);
	case VARS_AUTH_UNSIGNED:
		return vars_auth_create(t, payload->data, payload->len, NULL, out, d);
	case VARS_AUTH_SIGN:
		return auth_sign(req, t, payload, out, step, d);
	}
	return ik_fail(d, -EINVAL, "unknown .auth mode %d", (int)req->mode);
}

int vars_auth_build(const struct vars_auth_request *req, struct ik_buf *out,
		    struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_failure ignored;
	struct vars_auth_target t;
	struct vars_time time;
	struct ik_buf payload;
	int r;

	if (!fail)
		fail = &ignored;
	memset(fail, 0, sizeof(*fail));
	memset(time.b, 0, sizeof(time.b));
	r = vars_time_default(req->time, req->source_date_epoch, &time, d);
	if (r < 0) {
		fail->step = req->time ? VARS_STEP_TIME : VARS_STEP_SOURCE_DATE_EPOCH;
		return r;
	}
	if (r == 0 && !req->append) {
		fail->step = VARS_STEP_NEEDS_TIME;
		return ik_fail(d, -EINVAL,
			       "a non-append update needs a TimeStamp later than the stored one");
	}
	fail->step = VARS_STEP_BUILD;
	r = vars_auth_target_for(req->name, req->guid, req->append, &time, &t, d);
	if (r < 0)
		return r;
	ik_buf_init(&payload, 0);
	fail->step = VARS_STEP_INPUT;
	r = auth_payload(req, &payload, d);
	if (r >= 0)
		r = auth_output(req, &t, &payload, out, &fail->step, d);
	if (r >= 0)
		fail->step = VARS_STEP_NONE;
	ik_buf_release(&payload);
	return r;
}

static int verify_with(const struct vars_verify_request *req, STACK_OF(X509) *anchors,
		       struct ik_diag *d)
{
	X509 *list[VARS_CERTS_PER_FILE_MAX];
	struct ik_file_bytes f;
	struct vars_auth au;
	struct vars_auth_target t;
	size_t n = 0;
	int r;

	r = ik_file_load(req->auth, 0, &f, d);
	if (r < 0)
		return ik_diag_file(d, req->auth, r);
	r = vars_auth_parse(f.data, f.len, &au, d);
	if (r >= 0)
		r = vars_auth_target_for(req->name, req->guid, req->append, &au.time, &t, d);
	if (r >= 0) {
		/* vars_auth_verify takes as many anchors as one file may hold. */
		for (int i = 0; i < sk_X509_num(anchors) && n < VARS_CERTS_PER_FILE_MAX; i++)
			list[n++] = sk_X509_value(anchors, i);
		r = vars_auth_verify(&au, &t, list, n, d);
	}
	ik_file_release(&f);
	return ik_diag_file(d, req->auth, r);
}

int vars_auth_verify_file(const struct vars_verify_request *req, struct vars_failure *fail,
			  struct ik_diag *d)
{
	STACK_OF(X509) *anchors = sk_X509_new_null();
	struct vars_input_target t = { .anchors = anchors };
	struct vars_failure ignored;
	int r;

	if (!fail)
		fail = &ignored;
	memset(fail, 0, sizeof(*fail));
	if (!anchors)
		return -ENOMEM;
	r = vars_seed_inputs_take(req->anchors, req->n_anchors, &t, fail, d);
	if (r >= 0 && sk_X509_num(anchors) == 0) {
		fail->step = VARS_STEP_NO_ENTRIES;
		r = ik_fail(d, -ENODATA, "no trust anchors given");
	}
	if (r >= 0) {
		fail->step = VARS_STEP_BUILD;
		r = verify_with(req, anchors, d);
		if (r >= 0)
			fail->step = VARS_STEP_NONE;
	}
	sk_X509_pop_free(anchors, X509_free);
	return r;
}
