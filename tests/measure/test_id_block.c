/* SPDX-License-Identifier: MIT */
/* Unit tests for sign/snp_id_block: encodings, sign/verify round trips, curve checks, IGVM insertion. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "igvm/igvm.h"
#include "measure/vmsa.h"
#include "common/bytes.h"
#include "common/hex.h"
#include "sign/snp_id_sign.h"
#include "tests/ik_test.h"

/* measure.md §6.3 / sev-snp-measure tests/test_id_block.py launch digest. */
static const char vector_ld[] =
	"076f052d08bda7a700aa2a608c5caa6b00ebad297b6d68a85a45b1e669a558b67e1b91d284a301fe63c4fa0750467eed";

static void test_encode(void)
{
	struct snp_id_block id = { .version = 1, .guest_svn = 0, .policy = 0x30000 };
	uint8_t out[SNP_ID_BLOCK_SIZE];
	char hex[2 * SNP_ID_BLOCK_SIZE + 1];

	ik_hex_decode(vector_ld, id.ld, 48);
	snp_id_block_encode(&id, out);
	ik_hex_encode(out, sizeof(out), hex);
	/* measure.md §6.3: LD || 32 zero bytes || 01000000 || 00000000 || 0000030000000000. */
	IK_CHECK_STR(hex, "076f052d08bda7a700aa2a608c5caa6b00ebad297b6d68a85a45b1e669a558b67e1b91d284a301fe63c4fa0750467eed"
			  "0000000000000000000000000000000000000000000000000000000000000000"
			  "01000000000000000000030000000000");
}

static void test_sign_verify(EVP_PKEY *id_key, EVP_PKEY *author_key)
{
	struct snp_id_block id = { .version = 1, .guest_svn = 3, .policy = 0x30000 };
	struct igvm_vhs_snp_id_block b;
	uint8_t auth[SNP_ID_AUTH_SIZE];
	struct ik_diag d;

	ik_hex_decode(vector_ld, id.ld, 48);
	memset(id.family_id, 0xF1, 16);
	ik_diag_init(&d);
	IK_CHECK(snp_id_block_sign(&id, id_key, author_key, &b, &d) == 0);
	IK_CHECK(b.author_key_enabled == 1 && b.id_key_algorithm == 1 && b.author_key_algorithm == 1);
	IK_CHECK(b.id_public_key.curve == SNP_ECC_CURVE_P384 && b.id_public_key.reserved == 0);
	/* Little-endian 48-byte values zero-extended to 72 bytes. */
	IK_CHECK(ik_all_zero(b.id_key_signature.r_comp + 48, 24) && ik_all_zero(b.id_public_key.qx + 48, 24));
	IK_CHECK(snp_id_block_verify(&b, 0x30000, NULL) == 0);
	/* Another policy is another ID block: the signature no longer verifies. */
	ik_diag_init(&d);
	IK_CHECK(snp_id_block_verify(&b, 0xB0000, &d) == -EBADE);
	b.guest_svn = 4;
	IK_CHECK(snp_id_block_verify(&b, 0x30000, NULL) == -EBADE);
	b.guest_svn = 3;
	b.author_key_signature.s_comp[0] ^= 1;
	IK_CHECK(snp_id_block_verify(&b, 0x30000, NULL) == -EBADE);
	b.author_key_signature.s_comp[0] ^= 1;

	snp_id_auth_encode(&b, auth);
	IK_CHECK(auth[SNP_ID_AUTH_ID_KEY_ALGO] == 1 && auth[SNP_ID_AUTH_AUTH_KEY_ALGO] == 1);
	IK_CHECK(memcmp(auth + SNP_ID_AUTH_ID_BLOCK_SIG, b.id_key_signature.r_comp, 72) == 0);
	IK_CHECK(memcmp(auth + SNP_ID_AUTH_ID_BLOCK_SIG + 72, b.id_key_signature.s_comp, 72) == 0);
	IK_CHECK(auth[SNP_ID_AUTH_ID_KEY] == 2 && memcmp(auth + SNP_ID_AUTH_ID_KEY + 4, b.id_public_key.qx, 72) == 0);
	IK_CHECK(memcmp(auth + SNP_ID_AUTH_ID_KEY + 76, b.id_public_key.qy, 72) == 0);
	IK_CHECK(auth[SNP_ID_AUTH_AUTHOR_KEY] == 2);

	/* Without an author key every author field is zero. */
	IK_CHECK(snp_id_block_sign(&id, id_key, NULL, &b, NULL) == 0);
	IK_CHECK(b.author_key_enabled == 0 && b.author_key_algorithm == 0 &&
		 ik_all_zero((const uint8_t *)&b.author_public_key.qx, 72));
	IK_CHECK(snp_id_block_verify(&b, 0x30000, NULL) == 0);
}

static void test_wrong_curves(void)
{
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct igvm_vhs_snp_id_block_public_key k;
	struct ik_diag d;

	ik_diag_init(&d);
	IK_CHECK(snp_key_check_p384(p256, "the ID key", &d) == -EKEYREJECTED);
	IK_CHECK(strstr(d.msg, "prime256v1") != NULL);
	ik_diag_init(&d);
	IK_CHECK(snp_public_key_from_pkey(rsa, &k, &d) == -EKEYREJECTED);
	IK_CHECK(strstr(d.msg, "RSA") != NULL);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(rsa);
}

static void add_platform(struct igvm_file *f, uint32_t mask, uint8_t type)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SUPPORTED_PLATFORM;
	h.u.supported_platform.compatibility_mask = mask;
	h.u.supported_platform.platform_type = type;
	h.u.supported_platform.platform_version = 1;
	igvm_file_append(f, &h);
}

static void test_add_to_igvm(EVP_PKEY *id_key)
{
	struct vmsa_params vp = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, 0x00A00F11, 1 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	char path[] = "/tmp/ik-id-key-XXXXXX";
	struct snp_id_block_opts o;
	struct igvm_header h;
	uint8_t vmsa[4096], ld[48];
	struct ik_diag d;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	IK_CHECK(fd >= 0);
	fp = fdopen(fd, "w");
	IK_CHECK(fp && PEM_write_PrivateKey(fp, id_key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(fp);

	add_platform(f, 1, IGVM_PLATFORM_SEV_SNP);
	add_platform(f, 2, IGVM_PLATFORM_TDX);
	vmsa_build_reset(&vp, VMSA_RESET_EIP, vmsa, NULL);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_VP_CONTEXT;
	h.u.vp_context.gpa = VMSA_KVM_GPA;
	h.u.vp_context.compatibility_mask = 1;
	igvm_blob_add(f, vmsa, sizeof(vmsa), &h.data);
	igvm_file_append(f, &h);

	memset(&o, 0, sizeof(o));
	measure_opts_init(&o.measure);
	o.id_key = path;
	o.guest_svn = 9;
	o.has_policy = true;
	o.policy = 0xB0000;
	ik_diag_init(&d);
	IK_CHECK(snp_id_block_add_to_igvm(f, &o, ld, &d) == 0);
	/* GUEST_POLICY inserted after the platform headers, ID block appended last. */
	IK_CHECK_EQ_U64(f->n_headers, 5);
	IK_CHECK(f->headers[2].type == IGVM_VHT_GUEST_POLICY && f->headers[2].u.guest_policy.policy == 0xB0000 &&
		 f->headers[2].u.guest_policy.compatibility_mask == 1);
	IK_CHECK(f->headers[4].type == IGVM_VHT_SNP_ID_BLOCK);
	IK_CHECK(memcmp(f->headers[4].u.snp_id_block->ld, ld, 48) == 0);
	IK_CHECK(f->headers[4].u.snp_id_block->compatibility_mask == 1 && f->headers[4].u.snp_id_block->guest_svn == 9);
	IK_CHECK(snp_id_block_verify(f->headers[4].u.snp_id_block, 0xB0000, NULL) == 0);
	/* Signing again replaces the block rather than adding a second one. */
	IK_CHECK(snp_id_block_add_to_igvm(f, &o, ld, NULL) == 0);
	IK_CHECK_EQ_U64(f->n_headers, 5);
	/* A P-256 ID key is refused. */
	{
		EVP_PKEY *p256 = EVP_EC_gen("P-256");

		fp = fopen(path, "w");
		IK_CHECK(fp && PEM_write_PrivateKey(fp, p256, NULL, NULL, 0, NULL, NULL) == 1);
		fclose(fp);
		ik_diag_init(&d);
		IK_CHECK(snp_id_block_add_to_igvm(f, &o, ld, &d) == -EKEYREJECTED);
		EVP_PKEY_free(p256);
	}
	unlink(path);
	igvm_file_free(f);
}

int main(void)
{
	EVP_PKEY *id_key = EVP_EC_gen("P-384"), *author_key = EVP_EC_gen("P-384");

	IK_CHECK(id_key && author_key);
	test_encode();
	test_sign_verify(id_key, author_key);
	test_wrong_curves();
	test_add_to_igvm(id_key);
	EVP_PKEY_free(id_key);
	EVP_PKEY_free(author_key);
	return ik_test_done();
}
