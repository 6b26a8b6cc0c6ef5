#!/usr/bin/env python3
"""An independent writer and replayer of TCG PC Client crypto-agile event logs, for the tests.

Written from the TCG PC Client Platform Firmware Profile Specification (section "Event
Logging"; the same structures are in edk2 MdePkg/Include/IndustryStandard/UefiTcgPlatform.h),
not from igvmkit's reader:

  TCG_PCClientPCREvent  PCRIndex u32, EventType u32, Digest[20], EventSize u32, Event
  TCG_EfiSpecIDEventStruct  "Spec ID Event03\\0", platformClass u32, specVersionMinor u8,
      specVersionMajor u8, specErrata u8, uintnSize u8, numberOfAlgorithms u32,
      {algorithmId u16, digestSize u16}*, vendorInfoSize u8, vendorInfo
  TCG_PCR_EVENT2  PCRIndex u32, EventType u32, count u32, {hashAlg u16, digest}*, EventSize u32, Event
  UEFI_VARIABLE_DATA  VariableName GUID, UnicodeNameLength u64, VariableDataLength u64,
      UnicodeName (UTF-16LE), VariableData
  TCG_EfiStartupLocalityEvent  "StartupLocality\\0", StartupLocality u8 (EV_NO_ACTION, PCR 0)

The realistic Secure Boot sequence follows what edk2 measures into PCR 7 (SecureBoot, PK, KEK,
db, dbx as EV_EFI_VARIABLE_DRIVER_CONFIG, then the separator), with EFI_SIGNATURE_LISTs built
from a real certificate when one is on the machine (Debian ovmf's PkKek-1-snakeoil.pem).
"""
import base64
import hashlib
import os
import struct
import uuid

SHA1, SHA256, SHA384, SHA512, SM3 = 0x0004, 0x000B, 0x000C, 0x000D, 0x0012
ALGS = {SHA1: ("sha1", 20), SHA256: ("sha256", 32), SHA384: ("sha384", 48),
        SHA512: ("sha512", 64), SM3: ("sm3", 32)}

EV_NO_ACTION = 0x3
EV_SEPARATOR = 0x4
EV_S_CRTM_VERSION = 0x8
EV_POST_CODE = 0x1
EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001
EV_EFI_VARIABLE_BOOT = 0x80000002
EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003
EV_EFI_ACTION = 0x80000007
EV_EFI_PLATFORM_FIRMWARE_BLOB = 0x80000008
EV_EFI_HANDOFF_TABLES = 0x80000009
EV_EFI_VARIABLE_AUTHORITY = 0x800000E0

EFI_GLOBAL_VARIABLE = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
EFI_IMAGE_SECURITY_DATABASE = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
EFI_CERT_X509 = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
EFI_CERT_SHA256 = "c1c41626-504c-4092-aca9-41f936934328"
OWNER = "77fa9abd-0359-4d32-bd60-28f4e78f784b"  # the Microsoft owner GUID Debian's store uses


def guid_bytes(s):
    return uuid.UUID(s).bytes_le


def hash_of(alg, data):
    name = ALGS[alg][0]
    return hashlib.new(name, data).digest()


def spec_id_event(algs, vendor=b"", major=2, minor=0, errata=0, uintn=2, n_algs=None):
    body = b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, minor, major, errata, uintn,
                                               len(algs) if n_algs is None else n_algs)
    for a in algs:
        body += struct.pack("<HH", a, ALGS[a][1] if a in ALGS else 32)
    return body + bytes([len(vendor)]) + vendor


def first_record(spec):
    return struct.pack("<II", 0, EV_NO_ACTION) + bytes(20) + struct.pack("<I", len(spec)) + spec


def event2(pcr, etype, data, algs, digests=None):
    """A TCG_PCR_EVENT2; digests of the data unless given (EV_NO_ACTION: zeros)."""
    out = struct.pack("<III", pcr, etype, len(algs))
    for a in algs:
        if digests is not None:
            d = digests[a]
        elif etype == EV_NO_ACTION:
            d = bytes(ALGS[a][1])
        else:
            d = hash_of(a, data)
        out += struct.pack("<H", a) + d
    return out + struct.pack("<I", len(data)) + data


def uefi_variable_data(guid, name, data):
    n = name.encode("utf-16-le")
    return guid_bytes(guid) + struct.pack("<QQ", len(name), len(data)) + n + data


def esl(sig_type, owner, entries):
    """EFI_SIGNATURE_LIST with one EFI_SIGNATURE_DATA per entry (all the same size)."""
    size = 16 + len(entries[0])
    body = b"".join(guid_bytes(owner) + e for e in entries)
    return guid_bytes(sig_type) + struct.pack("<III", 28 + len(body), 0, size) + body


def certificate_der():
    """A real certificate when Debian's ovmf is installed, else a fixed stand-in."""
    for path in ("/usr/share/ovmf/PkKek-1-snakeoil.pem",):
        if os.path.exists(path):
            text = open(path).read()
            b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
            return base64.b64decode(b64)
    return b"\x30\x82\x01\x00" + bytes(range(256))


class Log:
    """Builds a log and replays it on its own (REG = H(REG || digest), from zero)."""

    def __init__(self, algs, locality=None, cc=False):
        self.algs = list(algs)
        self.cc = cc
        self.records = [first_record(spec_id_event(self.algs))]
        self.events = []  # (pcr, type, data, {alg: digest})
        self.locality = locality
        if locality is not None:
            self.add(0, EV_NO_ACTION, b"StartupLocality\0" + bytes([locality]))

    def add(self, pcr, etype, data, digest_of=None):
        """Measures DIGEST_OF (default: DATA) and logs DATA, as firmware does for blobs."""
        digests = None
        if etype != EV_NO_ACTION:
            digests = {a: hash_of(a, data if digest_of is None else digest_of) for a in self.algs}
        self.records.append(event2(pcr, etype, data, self.algs, digests))
        self.events.append((pcr, etype, data, digests))

    def variable(self, pcr, etype, guid, name, data):
        self.add(pcr, etype, uefi_variable_data(guid, name, data))

    def bytes(self):
        return b"".join(self.records)

    def offsets(self):
        """Byte offset of every record (index 0: the Spec ID record)."""
        out, at = [], 0
        for r in self.records:
            out.append(at)
            at += len(r)
        return out

    def replay(self):
        """{alg name: {register index: hex}} of the registers an event extended."""
        out = {}
        for a in self.algs:
            size = ALGS[a][1]
            regs = {}
            if self.locality is not None and not self.cc:
                regs[0] = bytes(size - 1) + bytes([self.locality])
            for pcr, etype, _data, digests in self.events:
                if etype == EV_NO_ACTION:
                    continue
                regs[pcr] = hash_of(a, regs.get(pcr, bytes(size)) + digests[a])
            out[ALGS[a][0]] = {k: v.hex() for k, v in regs.items()}
        return out


def secure_boot_log(algs=(SHA1, SHA256), locality=3, cc=False, pcr7=7, pcr0=0, pcr4=4):
    """A log of the shape OVMF with a TPM writes up to the first boot option (PCR 0..7)."""
    cert = certificate_der()
    log = Log(algs, locality=locality if not cc else None, cc=cc)
    if not cc:
        log.add(pcr0, EV_S_CRTM_VERSION, "1.0\0".encode("utf-16-le"))
        log.add(pcr0, EV_EFI_PLATFORM_FIRMWARE_BLOB, struct.pack("<QQ", 0xFFC84000, 0x348000),
                digest_of=b"firmware volume bytes")
    sb = [("SecureBoot", EFI_GLOBAL_VARIABLE, b"\x01"),
          ("PK", EFI_GLOBAL_VARIABLE, esl(EFI_CERT_X509, OWNER, [cert])),
          ("KEK", EFI_GLOBAL_VARIABLE, esl(EFI_CERT_X509, OWNER, [cert])),
          ("db", EFI_IMAGE_SECURITY_DATABASE, esl(EFI_CERT_X509, OWNER, [cert])),
          ("dbx", EFI_IMAGE_SECURITY_DATABASE,
           esl(EFI_CERT_SHA256, OWNER, [hashlib.sha256(b"revoked %d" % i).digest() for i in range(3)]))]
    for name, guid, data in sb:
        log.variable(pcr7, EV_EFI_VARIABLE_DRIVER_CONFIG, guid, name, data)
    log.add(pcr7, EV_SEPARATOR, bytes(4))
    for pcr in ([1, 2, 3, 4, 5, 6] if not cc else [2, 3]):
        log.add(pcr, EV_SEPARATOR, bytes(4))
    log.variable(1 if not cc else pcr7, EV_EFI_VARIABLE_BOOT, EFI_GLOBAL_VARIABLE, "BootOrder",
                 b"\x00\x00\x01\x00")
    log.add(pcr4, EV_EFI_ACTION, b"Calling EFI Application from Boot Option")
    log.variable(pcr7, EV_EFI_VARIABLE_AUTHORITY, EFI_IMAGE_SECURITY_DATABASE, "db",
                 guid_bytes(OWNER) + cert)
    log.add(pcr4, EV_EFI_BOOT_SERVICES_APPLICATION,
            struct.pack("<QQQQ", 0x7E000000, 0x20000, 0, 0), digest_of=b"shimx64.efi")
    return log
