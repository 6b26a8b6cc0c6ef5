/* SPDX-License-Identifier: MIT */
/*
 * EFI test program for the vTPM boots (issue 17; built with Debian's gnu-efi by
 * tests/consumer/lib.sh, run by tests/consumer/boot_tpm.sh).  It asks the firmware's
 * EFI_TCG2_PROTOCOL for
 *   - the TCG2 crypto-agile event log (GetEventLog with EFI_TCG2_EVENT_LOG_FORMAT_TCG_2),
 *     followed by the events EFI_TCG2_FINAL_EVENTS_TABLE gained after that call (the table holds
 *     every event logged after the first GetEventLog call; those logged before this program's
 *     call are already in the log it returned, so, as Linux does, only the events beyond the
 *     count seen right after the call are appended: TCG EFI Protocol Specification, "Final
 *     Events Table"), and
 *   - PCR 7 of the SHA-256 and SHA-384 banks (TPM2_PCR_Read through SubmitCommand),
 * writes them to the FAT volume it was loaded from,
 *   \TCGLOG.BIN  the raw log bytes (the format of Linux's binary_bios_measurements)
 *   \PCR7.TXT    "sha256 HEX" / "sha384 HEX" lines ("sha384 none" where that bank is off)
 * prints a summary on the console (IGVMKIT-TCG2 lines, then IGVMKIT-TCG2-DONE) and powers
 * the machine off.  Without the protocol it prints IGVMKIT-TCG2-ABSENT and powers off.
 * Structures and constants: TCG EFI Protocol Specification rev. 00.13 (EFI_TCG2_PROTOCOL,
 * EFI_TCG2_FINAL_EVENTS_TABLE) and TPM 2.0 Library Part 3 (TPM2_PCR_Read).
 */
#include <efi.h>
#include <efilib.h>

#define TCG2_LOG_FORMAT_TCG_2 0x00000002u
#define TPM_ALG_SHA256 0x000Bu
#define TPM_ALG_SHA384 0x000Cu
#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_CC_PCR_READ 0x0000017Eu
#define LOG_ALGS_MAX 8

static EFI_GUID tcg2_protocol_guid = { 0x607f766c, 0x7455, 0x42be,
				       { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } };
static EFI_GUID final_events_guid = { 0x1e2ed096, 0x30e2, 0x4254,
				      { 0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 } };

struct tcg2_protocol;
typedef EFI_STATUS(EFIAPI *tcg2_any)(void);
typedef EFI_STATUS(EFIAPI *tcg2_get_event_log)(struct tcg2_protocol *self, UINT32 format,
					       EFI_PHYSICAL_ADDRESS *location,
					       EFI_PHYSICAL_ADDRESS *last_entry, BOOLEAN *truncated);
typedef EFI_STATUS(EFIAPI *tcg2_submit_command)(struct tcg2_protocol *self, UINT32 in_size,
						UINT8 *in, UINT32 out_size, UINT8 *out);
/* EFI_TCG2_PROTOCOL: only the members this program calls are typed. */
struct tcg2_protocol {
	tcg2_any get_capability;
	tcg2_get_event_log get_event_log;
	tcg2_any hash_log_extend_event;
	tcg2_submit_command submit_command;
};

/* The digest sizes the log's Spec ID event declares (TCG_EfiSpecIdEvent). */
struct log_algs {
	UINT16 id[LOG_ALGS_MAX];
	UINT16 size[LOG_ALGS_MAX];
	UINT32 count;
};

static UINT32 le32(const UINT8 *p)
{
	return (UINT32)p[0] | (UINT32)p[1] << 8 | (UINT32)p[2] << 16 | (UINT32)p[3] << 24;
}

static UINT16 le16(const UINT8 *p)
{
	return (UINT16)(p[0] | p[1] << 8);
}

static UINT32 be32(const UINT8 *p)
{
	return (UINT32)p[0] << 24 | (UINT32)p[1] << 16 | (UINT32)p[2] << 8 | (UINT32)p[3];
}

static void put_be16(UINT8 *p, UINT16 v)
{
	p[0] = (UINT8)(v >> 8);
	p[1] = (UINT8)v;
}

static void put_be32(UINT8 *p, UINT32 v)
{
	p[0] = (UINT8)(v >> 24);
	p[1] = (UINT8)(v >> 16);
	p[2] = (UINT8)(v >> 8);
	p[3] = (UINT8)v;
}

/* Length of the first event (TCG_PCR_EVENT, SHA-1 format), reading the algorithm table of
 * its Spec ID event into algs; 0 if the event is not a Spec ID event. */
static UINTN spec_id_event_length(const UINT8 *ev, struct log_algs *algs)
{
	UINT32 event_size = le32(ev + 28);
	const UINT8 *spec = ev + 32;
	UINT32 i, n;

	if (event_size < 29 || CompareMem((void *)spec, "Spec ID Event03", 16) != 0)
		return 0;
	n = le32(spec + 24);
	if (n > LOG_ALGS_MAX || 28 + 4 * n > event_size)
		return 0;
	for (i = 0; i < n; i++) {
		algs->id[i] = le16(spec + 28 + 4 * i);
		algs->size[i] = le16(spec + 30 + 4 * i);
	}
	algs->count = n;
	return 32 + event_size;
}

/* Length of one TCG_PCR_EVENT2; 0 for a digest algorithm the Spec ID event does not list. */
static UINTN event2_length(const UINT8 *ev, const struct log_algs *algs)
{
	UINT32 digests = le32(ev + 8), d, a;
	UINTN off = 12;

	for (d = 0; d < digests; d++) {
		UINT16 alg = le16(ev + off);

		for (a = 0; a < algs->count && algs->id[a] != alg; a++)
			;
		if (a == algs->count)
			return 0;
		off += 2 + algs->size[a];
	}
	return off + 4 + le32(ev + off);
}

/* NumberOfEvents of EFI_TCG2_FINAL_EVENTS_TABLE {UINT64 Version; UINT64 NumberOfEvents; events}
 * (0 when the firmware installed none); *table is set to it. */
static UINTN final_events_count(UINT8 **table)
{
	*table = NULL;
	if (LibGetSystemConfigurationTable(&final_events_guid, (void **)table) != EFI_SUCCESS || !*table)
		return 0;
	return (UINTN)(le32(*table + 8) | (UINT64)le32(*table + 12) << 32);
}

/* TPM2_PCR_Read of PCR 7 in one bank; writes the digest to out (up to 64 bytes). */
static EFI_STATUS read_pcr7(struct tcg2_protocol *tcg2, UINT16 alg, UINT8 *out, UINTN *out_len)
{
	UINT8 cmd[20], rsp[128];
	UINT32 rc;
	UINTN off;
	EFI_STATUS status;

	put_be16(cmd, TPM_ST_NO_SESSIONS);
	put_be32(cmd + 2, sizeof(cmd));
	put_be32(cmd + 6, TPM_CC_PCR_READ);
	put_be32(cmd + 10, 1); /* TPML_PCR_SELECTION.count */
	put_be16(cmd + 14, alg); /* TPMS_PCR_SELECTION.hash */
	cmd[16] = 3; /* sizeofSelect */
	cmd[17] = 0x80; /* PCR 7 */
	cmd[18] = 0;
	cmd[19] = 0;
	SetMem(rsp, sizeof(rsp), 0);
	status = uefi_call_wrapper(tcg2->submit_command, 5, tcg2, (UINT32)sizeof(cmd), cmd,
				   (UINT32)sizeof(rsp), rsp);
	if (EFI_ERROR(status))
		return status;
	rc = be32(rsp + 6);
	if (rc != 0)
		return EFI_DEVICE_ERROR;
	/* header(10) pcrUpdateCounter(4) TPML_PCR_SELECTION(4 + 6 per entry) TPML_DIGEST */
	off = 14 + 4 + 6 * (UINTN)be32(rsp + 14);
	if (off + 6 > sizeof(rsp) || be32(rsp + off) == 0) {
		*out_len = 0; /* the bank is not allocated */
		return EFI_SUCCESS;
	}
	*out_len = (UINTN)(rsp[off + 4] << 8 | rsp[off + 5]);
	if (*out_len > 64 || off + 6 + *out_len > sizeof(rsp))
		return EFI_BAD_BUFFER_SIZE;
	CopyMem(out, rsp + off + 6, *out_len);
	return EFI_SUCCESS;
}

static EFI_STATUS write_file(EFI_FILE_HANDLE root, CHAR16 *name, void *data, UINTN len)
{
	EFI_FILE_HANDLE f = NULL;
	EFI_STATUS status;

	status = uefi_call_wrapper(root->Open, 5, root, &f, name,
				   EFI_FILE_MODE_CREATE | EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
	if (EFI_ERROR(status))
		return status;
	status = uefi_call_wrapper(f->Write, 3, f, &len, data);
	uefi_call_wrapper(f->Close, 1, f);
	return status;
}

/* Appends "NAME HEX\n" (or "NAME none\n") to text at *pos. */
static void append_hex_line(CHAR8 *text, UINTN *pos, const CHAR8 *name, const UINT8 *d, UINTN len)
{
	static const CHAR8 hex[] = "0123456789abcdef";
	UINTN i;

	for (i = 0; name[i]; i++)
		text[(*pos)++] = name[i];
	text[(*pos)++] = ' ';
	if (len == 0) {
		CopyMem(text + *pos, "none", 4);
		*pos += 4;
	}
	for (i = 0; i < len; i++) {
		text[(*pos)++] = hex[d[i] >> 4];
		text[(*pos)++] = hex[d[i] & 15];
	}
	text[(*pos)++] = '\n';
}

static void finish(void)
{
	Print(L"IGVMKIT-TCG2-DONE\n");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct tcg2_protocol *tcg2 = NULL;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root;
	EFI_PHYSICAL_ADDRESS location = 0, last = 0;
	UINTN final_seen = 0; /* NumberOfEvents of the final events table right after GetEventLog */
	BOOLEAN truncated = FALSE;
	struct log_algs algs = { { 0 }, { 0 }, 0 };
	UINT8 *log, *copy, *final_table = NULL;
	UINTN len = 0, events = 0, final_events = 0, final_start = 0, final_len = 0, n, i;
	UINT8 d256[64], d384[64];
	UINTN l256 = 0, l384 = 0, pos = 0;
	CHAR8 text[512];
	EFI_STATUS status;

	InitializeLib(image, systab);
	status = uefi_call_wrapper(BS->LocateProtocol, 3, &tcg2_protocol_guid, NULL, (void **)&tcg2);
	if (EFI_ERROR(status) || !tcg2) {
		Print(L"IGVMKIT-TCG2-ABSENT LocateProtocol status=0x%lx\n", (UINT64)status);
		finish();
		return EFI_SUCCESS;
	}
	status = uefi_call_wrapper(tcg2->get_event_log, 5, tcg2, TCG2_LOG_FORMAT_TCG_2, &location, &last,
				   &truncated);
	final_seen = final_events_count(&final_table);
	if (EFI_ERROR(status) || location == 0) {
		Print(L"IGVMKIT-TCG2-ERROR GetEventLog status=0x%lx\n", (UINT64)status);
		finish();
		return EFI_SUCCESS;
	}
	log = (UINT8 *)(UINTN)location;
	len = spec_id_event_length(log, &algs);
	if (len == 0) {
		Print(L"IGVMKIT-TCG2-ERROR the log does not start with a Spec ID event\n");
		finish();
		return EFI_SUCCESS;
	}
	/* Walk to the last entry GetEventLog named; the log ends after it. */
	while (last > location && location + len <= last) {
		n = event2_length(log + len, &algs);
		if (n == 0) {
			Print(L"IGVMKIT-TCG2-ERROR unknown digest algorithm at offset %ld\n", (UINT64)len);
			finish();
			return EFI_SUCCESS;
		}
		len += n;
		events++;
	}
	status = read_pcr7(tcg2, TPM_ALG_SHA256, d256, &l256);
	if (EFI_ERROR(status))
		Print(L"IGVMKIT-TCG2-ERROR PCR_Read sha256 status=0x%lx\n", (UINT64)status);
	status = read_pcr7(tcg2, TPM_ALG_SHA384, d384, &l384);
	if (EFI_ERROR(status))
		Print(L"IGVMKIT-TCG2-ERROR PCR_Read sha384 status=0x%lx\n", (UINT64)status);
	append_hex_line(text, &pos, (const CHAR8 *)"sha256", d256, l256);
	append_hex_line(text, &pos, (const CHAR8 *)"sha384", d384, l384);

	/* The events logged since the GetEventLog call, by then also in the final events table. */
	final_events = final_events_count(&final_table);
	for (i = 0; i < final_events; i++) {
		n = event2_length(final_table + 16 + final_start + final_len, &algs);
		if (n == 0)
			break;
		if (i < final_seen)
			final_start += n;
		else
			final_len += n;
	}

	copy = AllocatePool(len + final_len);
	if (!copy) {
		Print(L"IGVMKIT-TCG2-ERROR out of memory\n");
		finish();
		return EFI_SUCCESS;
	}
	CopyMem(copy, log, len);
	if (final_len)
		CopyMem(copy + len, final_table + 16 + final_start, final_len);

	Print(L"IGVMKIT-TCG2 log bytes=%ld events=%ld final_events=%ld appended=%ld truncated=%d\n",
	      (UINT64)(len + final_len), (UINT64)(events + 1), (UINT64)final_events,
	      (UINT64)(final_events - final_seen), (int)truncated);
	for (i = 0; i < pos; i++) {
		if (i == 0 || text[i - 1] == '\n')
			Print(L"IGVMKIT-TCG2 pcr7 ");
		Print(L"%c", (CHAR16)text[i]);
	}

	status = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	root = EFI_ERROR(status) ? NULL : LibOpenRoot(li->DeviceHandle);
	if (!root) {
		Print(L"IGVMKIT-TCG2-ERROR cannot open the volume\n");
		finish();
		return EFI_SUCCESS;
	}
	status = write_file(root, L"\\TCGLOG.BIN", copy, len + final_len);
	if (!EFI_ERROR(status))
		status = write_file(root, L"\\PCR7.TXT", text, pos);
	if (EFI_ERROR(status))
		Print(L"IGVMKIT-TCG2-ERROR writing the files: status=0x%lx\n", (UINT64)status);
	else
		Print(L"IGVMKIT-TCG2 files written\n");
	uefi_call_wrapper(root->Close, 1, root);
	FreePool(copy);
	finish();
	return EFI_SUCCESS;
}
