/* SPDX-License-Identifier: MIT */
#include "assemble/boot_predict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/regen.h"
#include "common/cleanup.h"
#include "vars/varjson.h"
#include "vars/varstore.h"

int boot_predict_authorities_load(const char *const *names, size_t n,
				  struct boot_predict_authorities *ret, struct ik_diag *d)
{
	memset(ret, 0, sizeof(*ret));
	if (n == 0)
		return 0;
	ret->files = calloc(n, sizeof(*ret->files));
	ret->bytes = calloc(n, sizeof(*ret->bytes));
	ret->lens = calloc(n, sizeof(*ret->lens));
	if (!ret->files || !ret->bytes || !ret->lens)
		return -ENOMEM;
	ret->n = n;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], "sha256:", 7) == 0) { /* vars_sb_authority_find reads the text */
			ret->bytes[i] = (const uint8_t *)names[i];
			ret->lens[i] = strlen(names[i]);
			continue;
		}
		int r = ik_file_load(names[i], 0, &ret->files[i], d);
		if (r < 0)
			return r;
		ret->bytes[i] = ret->files[i].data;
		ret->lens[i] = ret->files[i].len;
	}
	ret->in.authority = ret->bytes;
	ret->in.authority_len = ret->lens;
	ret->in.authority_name = names;
	ret->in.n_authorities = n;
	return 0;
}

void boot_predict_authorities_release(struct boot_predict_authorities *a)
{
	for (size_t i = 0; a->files && i < a->n; i++)
		ik_file_release(&a->files[i]);
	free(a->files);
	free(a->bytes);
	free(a->lens);
	memset(a, 0, sizeof(*a));
}

/* Resolves every authority input against the store's db, then predicts. */
static int predict_vars(const uint8_t *store, size_t len, const struct boot_predict_inputs *in,
			struct measure_boot_prediction *ret, struct ik_diag *d)
{
	static const struct boot_predict_inputs none;
	struct vars_sb_events_opts o;
	struct vars_list vars;
	struct vars_sb_authority *auth = NULL;
	struct ik_buf *sig = NULL;
	size_t n = 0;
	int r;

	if (!in)
		in = &none;
	memset(&o, 0, sizeof(o));
	o.no_separator = in->no_separator;
	o.secureboot = in->secureboot;
	vars_list_init(&vars);
	r = vars_store_sniff(store, len) ? vars_store_parse(store, len, &vars, NULL, d)
					 : vars_json_parse(store, len, &vars, d);
	if (r >= 0 && in->n_authorities) {
		auth = calloc(in->n_authorities, sizeof(*auth));
		sig = calloc(in->n_authorities, sizeof(*sig));
		if (!auth || !sig)
			r = -ENOMEM;
	}
	for (; r >= 0 && n < in->n_authorities; n++) {
		ik_buf_init(&sig[n], 0);
		r = vars_sb_authority_find(&vars, in->authority[n], in->authority_len[n], &sig[n], d);
		if (r < 0) {
			ik_diag_place(d, r, "authority %s", in->authority_name ? in->authority_name[n] : "");
			n++;
			break;
		}
		auth[n].sig_data = sig[n].data;
		auth[n].len = sig[n].len;
	}
	o.authorities = auth;
	o.n_authorities = in->n_authorities;
	/* the store's bytes again: vars_sb_events_from_store adds the CFV digest of an image */
	if (r >= 0)
		r = vars_sb_events_from_store(store, len, &o, ret, d);
	for (size_t i = 0; sig && i < n; i++)
		ik_buf_release(&sig[i]);
	free(sig);
	free(auth);
	vars_list_release(&vars);
	return r;
}

/* The store FV at the start of a platform's ROM run; 1 found (*RET malloc'd), 0 none. */
static int igvm_store(const struct igvm_file *f, uint32_t mask, uint8_t **ret, size_t *ret_len,
		      struct ik_diag *d)
{
	struct regen_store_desc desc;
	int r = regen_rom_store(f, mask, &desc, ret, d);

	if (r > 0)
		*ret_len = desc.fv_length;
	return r;
}

int boot_predict_igvm(const struct igvm_file *f, const struct boot_predict_inputs *in,
		      struct measure_boot_prediction *ret, struct ik_diag *d)
{
	_cleanup_free_ uint8_t *store = NULL;
	size_t store_len = 0;
	const char *first = NULL;
	int r;

	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		_cleanup_free_ uint8_t *other = NULL;
		size_t other_len = 0;

		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		r = igvm_store(f, h->u.supported_platform.compatibility_mask, &other, &other_len, d);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		const char *name = igvm_platform_name(h->u.supported_platform.platform_type);
		if (!store) {
			store = TAKE_PTR(other);
			store_len = other_len;
			first = name;
		} else if (other_len != store_len || memcmp(other, store, store_len) != 0) {
			return ik_fail(d, -ENOTSUP,
				       "platforms hold different variable stores in their ROM pages (%s and %s): each boots with its own Secure Boot policy",
				       first, name);
		}
	}
	if (!store)
		return ik_fail(d, -EINVAL,
			       "no variable store in the ROM pages: no platform's PAGE_DATA run ending at 4 GiB starts with an NvData firmware volume");
	return predict_vars(store, store_len, in, ret, d);
}

int boot_predict_bytes(const uint8_t *p, size_t len, const char *file,
		       const struct boot_predict_inputs *in, struct measure_boot_prediction *ret,
		       struct ik_diag *d)
{
	struct igvm_file *f = NULL;
	int r;

	if (vars_store_sniff(p, len) || vars_json_sniff(p, len))
		return ik_diag_file(d, file, predict_vars(p, len, in, ret, d));
	if (regen_is_pe(p, len)) {
		struct regen_fuki fk;

		r = regen_fuki_open(p, len, file, &fk, d);
		if (r < 0)
			return r;
		/* the first payload: a FUKI's IGVMs share one ROM, or regen says why not */
		r = igvm_read(fk.payloads[0].data, fk.payloads[0].len, NULL, &f, d);
		if (r < 0)
			return ik_diag_file(d, file, ik_diag_place(d, r, "'.efifw' %s", fk.payloads[0].fwid));
	} else if (len >= 4 && memcmp(p, "IGVM", 4) == 0) {
		r = igvm_read(p, len, NULL, &f, d);
		if (r < 0)
			return ik_diag_file(d, file, r);
	} else {
		return ik_diag_file(d, file,
				    ik_fail(d, -EMEDIUMTYPE,
					    "no variable store: not a store image, QEMU uefi-vars JSON, unified OVMF.fd, IGVM file or FUKI"));
	}
	r = boot_predict_igvm(f, in, ret, d);
	igvm_file_free(f);
	return ik_diag_file(d, file, r);
}
