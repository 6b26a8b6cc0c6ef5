/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for vars/sb_events.c and measure/boot_events.c: UEFI_VARIABLE_DATA
 * bytes, the PCR 7 event list edk2 measures for a store (order, absent
 * variables, dbt, dbr, SecureBoot value, separator, authorities) and the
 * extend chains.
 *
 * Golden values: computed independently with Python hashlib/struct by
 * tests/vars/sb_events_ref.py ("golden"), from the TCG PFP UEFI_VARIABLE_DATA
 * layout and edk2-stable202211 Tcg2Dxe's order; the empty store's PCR 7
 * (65caf8dd…3068) is also the value OVMF without Secure Boot keys is widely
 * reported to give.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "measure/boot_events.h"
#include "tests/ik_test.h"
#include "vars/efi.h"
#include "vars/sb_events.h"
#include "vars/varlist.h"

static bool eq_hex(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[256];

	if (strlen(hex) != 2 * n || n > sizeof(want) || ik_hex_decode(hex, want, n) < 0)
		return false;
	return memcmp(p, want, n) == 0;
}

static void set(struct vars_list *l, const char *name, const struct ik_guid *g, const void *data,
		size_t len)
{
	IK_CHECK(vars_list_set(l, name, g, 0x27, NULL, data, len, true, NULL) == 0);
}

static void test_uefi_variable_data(void)
{
	static const uint8_t data[] = { 1, 2, 3 };
	struct ik_buf b;

	ik_buf_init(&b, 0);
	IK_CHECK(vars_uefi_variable_data(&vars_guid_image_security_db, "db", data, sizeof(data), &b, NULL) == 0);
	/* GUID bytes_le, UINT64 2 (characters), UINT64 3, "db" UTF-16LE without NUL, data */
	IK_CHECK(eq_hex(b.data, b.len,
			"cbb219d73a3d9645a3bcdad00e67656f0200000000000000030000000000000064006200010203"));
	ik_buf_release(&b);
}

static void test_empty_store(void)
{
	static const char *const names[] = { "SecureBoot", "PK", "KEK", "db", "dbx", "separator" };
	struct measure_boot_prediction p;
	struct vars_list l;

	vars_list_init(&l);
	IK_CHECK(vars_sb_events_predict(&l, NULL, &p, NULL) == 0);
	IK_CHECK_EQ_U64(p.n_events, 6);
	for (size_t i = 0; i < p.n_events && i < 6; i++) {
		IK_CHECK_STR(p.events[i].name, names[i]);
		IK_CHECK_EQ_U64(p.events[i].pcr, 7);
		IK_CHECK_EQ_U64(p.events[i].cc_mr_index, 1);
		IK_CHECK(p.events[i].variable_absent == (i >= 1 && i <= 4));
	}
	IK_CHECK(!p.secure_boot && p.separator && p.pcr7_complete);
	/* SecureBoot = 0 (no PK): 53 bytes */
	IK_CHECK_EQ_U64(p.events[0].len, 53);
	IK_CHECK(eq_hex(p.events[0].sha256, 32, "115aa827dbccfb44d216ad9ecfda56bdea620b860a94bed5b7a27bba1c4d02d8"));
	/* an absent PK: VariableDataLength 0, 36 bytes */
	IK_CHECK_EQ_U64(p.events[1].len, 36);
	IK_CHECK(eq_hex(p.events[1].sha256, 32, "dea7b80ab53a3daaa24d5cc46c64e1fa9ffd03739f90aadbd8c0867c4a5b4890"));
	IK_CHECK(eq_hex(p.events[5].sha256, 32, "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119"));
	IK_CHECK_EQ_U64(p.events[5].event_type, TCG_EV_SEPARATOR);
	IK_CHECK(eq_hex(p.pcr7_sha256, 32, "65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068"));
	IK_CHECK(eq_hex(p.pcr7_sha384, 48,
			"98441c7f7625d10058c47683aec486ce311c633235eb555593a7ee791121e3578ae72d04ecef661f272d59058b77af35"));
	IK_CHECK(memcmp(p.rtmr0_sb_chain, p.pcr7_sha384, 48) == 0);
	IK_CHECK(!p.has_cfv);
	measure_boot_prediction_release(&p);
	vars_list_release(&l);
}

/* A db with one EFI_CERT_SHA256 entry, owner 11111111-2222-3333-4444-555555555555, hash 00..1f. */
static size_t make_db(uint8_t db[76], uint8_t entry[48])
{
	static const struct ik_guid owner = VARS_GUID(0x11111111, 0x2222, 0x3333, 0x44, 0x44, 0x55,
						      0x55, 0x55, 0x55, 0x55, 0x55);

	memcpy(entry, owner.b, 16);
	for (int i = 0; i < 32; i++)
		entry[16 + i] = (uint8_t)i;
	memcpy(db, vars_guid_cert_sha256.b, 16);
	db[16] = 76, db[17] = db[18] = db[19] = 0; /* SignatureListSize */
	memset(db + 20, 0, 4);			   /* SignatureHeaderSize */
	db[24] = 48, db[25] = db[26] = db[27] = 0; /* SignatureSize */
	memcpy(db + 28, entry, 48);
	return 76;
}

static void test_full_store(void)
{
	static const char *const names[] = { "SecureBoot", "PK", "KEK", "db", "dbx", "dbt", "separator", "db" };
	uint8_t db[76], entry[48];
	struct vars_sb_authority auth[2] = { { entry, sizeof(entry) }, { entry, sizeof(entry) } };
	struct vars_sb_events_opts o = { .authorities = auth, .n_authorities = 2 };
	struct measure_boot_prediction p;
	struct vars_list l;

	vars_list_init(&l);
	set(&l, "PK", &vars_guid_global_variable, "pk-data", 7);
	set(&l, "KEK", &vars_guid_global_variable, "kek", 3);
	set(&l, "db", &vars_guid_image_security_db, db, make_db(db, entry));
	set(&l, "dbx", &vars_guid_image_security_db, "xxxxx", 5);
	set(&l, "dbt", &vars_guid_image_security_db, "t", 1);
	set(&l, "dbr", &vars_guid_image_security_db, "r", 1); /* never measured by edk2 */
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, NULL) == 0);
	IK_CHECK_EQ_U64(p.n_events, 8);
	for (size_t i = 0; i < p.n_events && i < 8; i++)
		IK_CHECK_STR(p.events[i].name, names[i]);
	IK_CHECK(p.secure_boot && p.pcr7_complete);
	IK_CHECK_EQ_U64(p.n_authorities, 1); /* the same entry twice is measured once */
	IK_CHECK(eq_hex(p.events[0].sha256, 32, "ccfc4bb32888a345bc8aeadaba552b627d99348c767681ab3141f5b01e40a40e"));
	IK_CHECK(eq_hex(p.events[5].sha256, 32, "6610a44ada6cdd735208a2ffd861195607434e73c033f0032da55699c40ee229"));
	IK_CHECK_EQ_U64(p.events[7].event_type, TCG_EV_EFI_VARIABLE_AUTHORITY);
	IK_CHECK_EQ_U64(p.events[7].len, 84);
	IK_CHECK(eq_hex(p.events[7].sha256, 32, "ce1042d5414dd592a87b15abb78220053520741e444ec4d0e0fc22dc91366d1f"));
	IK_CHECK(eq_hex(p.pcr7_sha256, 32, "1e28e61cf6b1b103f61df8af73c3d2152e492ad132c8e3e37662c3ebc6c46698"));
	IK_CHECK(eq_hex(p.pcr7_sha384, 48,
			"8f93e11da64428acd61d9f50bb151725282762dd7d9952e48fed56da1bb61c97f3f817b13389a1a180a42e95daedca9e"));
	measure_boot_prediction_release(&p);

	/* the authority input forms resolve to that entry (owner from the store) */
	{
		struct ik_buf out;
		static const char text[] = "sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

		ik_buf_init(&out, 0);
		IK_CHECK(vars_sb_authority_find(&l, (const uint8_t *)text, strlen(text), &out, NULL) == 0);
		IK_CHECK(out.len == 48 && memcmp(out.data, entry, 48) == 0);
		ik_buf_release(&out);
		ik_buf_init(&out, 0);
		IK_CHECK(vars_sb_authority_find(&l, (const uint8_t *)"sha256:00", 9, &out, NULL) == -EBADMSG);
		IK_CHECK(vars_sb_authority_find(&l, (const uint8_t *)"sha256:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 71, &out, NULL) == -EINVAL);
		ik_buf_release(&out);
	}
	vars_list_release(&l);
}

static void test_secure_boot_value(void)
{
	static const uint8_t zero = 0;
	uint8_t db[76], entry[48];
	struct vars_sb_authority auth = { entry, sizeof(entry) };
	struct vars_sb_events_opts o = { .authorities = &auth, .n_authorities = 1 };
	struct measure_boot_prediction p;
	struct vars_list l;
	struct ik_diag d;

	vars_list_init(&l);
	set(&l, "PK", &vars_guid_global_variable, "pk-data", 7);
	set(&l, "db", &vars_guid_image_security_db, db, make_db(db, entry));
	IK_CHECK(vars_list_set(&l, "SecureBootEnable", &vars_guid_secure_boot_enable, 3, NULL, &zero, 1,
			       true, NULL) == 0);
	/* SecureBootEnable 0: SecureBoot measured 0, and no image is verified */
	IK_CHECK(vars_sb_events_predict(&l, NULL, &p, NULL) == 0);
	IK_CHECK(!p.secure_boot && p.events[0].len == 53 && p.events[0].data[52] == 0);
	measure_boot_prediction_release(&p);
	ik_diag_init(&d);
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "SecureBoot = 0") != NULL);
	/* firmware without Secure Boot: SecureBoot measured absent */
	o.n_authorities = 0;
	o.secureboot = VARS_SB_SECUREBOOT_ABSENT;
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, NULL) == 0);
	IK_CHECK(p.events[0].variable_absent && p.events[0].len == 52 && p.secure_boot_var_absent);
	measure_boot_prediction_release(&p);
	/* without the separator: SecureBoot..dbx only, and the note says partial */
	o.secureboot = VARS_SB_SECUREBOOT_FROM_STORE;
	o.no_separator = true;
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, NULL) == 0);
	IK_CHECK(p.n_events == 5 && !p.separator && !p.pcr7_complete);
	IK_CHECK(strstr(measure_boot_pcr7_note(&p), "partial") != NULL);
	measure_boot_prediction_release(&p);
	/* SecureBootEnable removed: user mode with a PK enables it */
	vars_list_remove(&l, "SecureBootEnable", &vars_guid_secure_boot_enable);
	o.no_separator = false;
	o.n_authorities = 1;
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, NULL) == 0);
	IK_CHECK(p.secure_boot && p.n_events == 7);
	measure_boot_prediction_release(&p);
	/* an authority db does not hold */
	entry[47] ^= 1;
	ik_diag_init(&d);
	IK_CHECK(vars_sb_events_predict(&l, &o, &p, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "not an entry") != NULL);
	vars_list_release(&l);
}

static void test_extend(void)
{
	struct measure_boot_event ev;
	uint8_t reg[48] = { 0 };

	memset(&ev, 0, sizeof(ev));
	IK_CHECK(measure_boot_extend(reg, 20, &ev, 1) == -EINVAL);
	/* SHA-256(32 zero bytes || 32 zero bytes) */
	IK_CHECK(measure_boot_extend(reg, 32, &ev, 1) == 0);
	IK_CHECK(eq_hex(reg, 32, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"));
	IK_CHECK(measure_boot_extend(reg, 32, &ev, 0) == 0); /* nothing to extend: unchanged */
	IK_CHECK(eq_hex(reg, 32, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"));
}

/*
 * regen's old/new report pairs events by type and name, and authorities (all
 * named "db") by their place: the second authority of old with the second of new.
 */
static void test_diff_authorities(void)
{
	struct measure_boot_event old_ev[3], new_ev[3];
	struct measure_boot_prediction old, new;
	struct ik_buf out;
	char *first_line;

	memset(old_ev, 0, sizeof(old_ev));
	for (size_t i = 0; i < 3; i++) {
		old_ev[i].event_type = i == 0 ? TCG_EV_SEPARATOR : TCG_EV_EFI_VARIABLE_AUTHORITY;
		old_ev[i].name = (char *)(i == 0 ? "separator" : "db");
		old_ev[i].sha384[0] = (uint8_t)i;
	}
	memcpy(new_ev, old_ev, sizeof(new_ev));
	new_ev[2].sha384[0] = 9; /* the second authority differs */
	measure_boot_prediction_init(&old);
	measure_boot_prediction_init(&new);
	old.events = old_ev;
	old.n_events = 3;
	new.events = new_ev;
	new.n_events = 2; /* ... and then is left out */
	ik_buf_init(&out, 0);
	IK_CHECK(measure_boot_diff_text(&old, &new, "", &out) == 0);
	IK_CHECK(ik_buf_append(&out, "", 1) == 0);
	first_line = strtok((char *)out.data, "\n");
	IK_CHECK_STR(first_line, "boot-time Secure Boot events (PCR 7; TDX: RTMR[0]): changed: none; "
				 "unchanged: separator, db authority; gone: db authority");
	new.n_events = 3;
	out.len = 0;
	IK_CHECK(measure_boot_diff_text(&old, &new, "", &out) == 0);
	IK_CHECK(ik_buf_append(&out, "", 1) == 0);
	first_line = strtok((char *)out.data, "\n");
	IK_CHECK_STR(first_line, "boot-time Secure Boot events (PCR 7; TDX: RTMR[0]): changed: db authority; "
				 "unchanged: separator, db authority");
	ik_buf_release(&out);
}

static void test_bad_store(void)
{
	static const uint8_t junk[64] = { 1, 2, 3 };
	struct measure_boot_prediction p;
	struct ik_diag d;

	ik_diag_init(&d);
	IK_CHECK(vars_sb_events_from_store(junk, sizeof(junk), NULL, &p, &d) == -EMEDIUMTYPE);
	IK_CHECK(strstr(d.msg, "not a variable store") != NULL);
}

int main(void)
{
	test_uefi_variable_data();
	test_empty_store();
	test_full_store();
	test_secure_boot_value();
	test_extend();
	test_diff_authorities();
	test_bad_store();
	return ik_test_done();
}
