#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent IGVM generator and checker for igvmkit's tests (stdlib only).

Written from the field tables of igvm.md §1.2-§1.9 (docs/references.md;
microsoft/igvm igvm_defs), not from igvmkit's C code, so that `igvmkit inspect`
is tested on files igvmkit did not write.  This writer deliberately lays data
out differently from igvmkit's: data blobs in reverse header order, an
explicit all-zero page stored as data, and shared blobs.

  gen_igvm.py gen OUTDIR            write one file per platform type + bad inputs
  gen_igvm.py check IGVMKIT OUTDIR  compare `igvmkit inspect --json` field by field
  gen_igvm.py badcli IGVMKIT OUTDIR check exit code 3 and the message on bad inputs
  gen_igvm.py corpus OUTDIR         write the fuzz seed corpus
"""
import hashlib
import json
import os
import struct
import subprocess
import sys
import zlib

MAGIC = 0x4D564749  # "IGVM"

# type value -> (name, struct format of the body, field names); igvm.md §1.5/§1.6.
PARAM = ("<II", ["parameter_area_index", "byte_offset"])
TYPES = {
    0x001: ("SUPPORTED_PLATFORM", "<IBBHQ",
            ["compatibility_mask", "highest_vtl", "platform_type", "platform_version",
             "shared_gpa_boundary"]),
    0x101: ("GUEST_POLICY", "<QII", ["policy", "compatibility_mask", "reserved"]),
    0x102: ("RELOCATABLE_REGION", "<IHBBQQQQQ",
            ["compatibility_mask", "vp_index", "vtl", "flags", "relocation_alignment",
             "relocation_region_gpa", "relocation_region_size", "minimum_relocation_gpa",
             "maximum_relocation_gpa"]),
    0x103: ("PAGE_TABLE_RELOCATION_REGION", "<IHBBQQQ",
            ["compatibility_mask", "vp_index", "vtl", "reserved", "gpa", "size", "used_size"]),
    0x104: ("CORIM_DOCUMENT", "<IIII", ["compatibility_mask", "file_offset", "size_bytes", "reserved"]),
    0x105: ("CORIM_SIGNATURE", "<IIII", ["compatibility_mask", "file_offset", "size_bytes", "reserved"]),
    0x106: ("CCA_POLICY", "<IIQQBB6s",
            ["compatibility_mask", "reserved", "attributes_required_zeroes",
             "attributes_required_ones", "hash_algorithm", "lfa_policy", "reserved2"]),
    0x301: ("PARAMETER_AREA", "<QII", ["number_of_bytes", "parameter_area_index", "file_offset"]),
    0x302: ("PAGE_DATA", "<QIIIHH",
            ["gpa", "compatibility_mask", "file_offset", "flags", "data_type", "reserved"]),
    0x303: ("PARAMETER_INSERT", "<QII", ["gpa", "compatibility_mask", "parameter_area_index"]),
    0x304: ("VP_CONTEXT", "<QIIHH", ["gpa", "compatibility_mask", "file_offset", "vp_index", "reserved"]),
    0x305: ("REQUIRED_MEMORY", "<QIIII",
            ["gpa", "compatibility_mask", "number_of_bytes", "flags", "reserved"]),
    0x307: ("VP_COUNT_PARAMETER",) + PARAM,
    0x308: ("SRAT",) + PARAM,
    0x309: ("MADT",) + PARAM,
    0x30A: ("MMIO_RANGES",) + PARAM,
    0x30B: ("SNP_ID_BLOCK", "<IB3s48s16s16sIIII72s72sII72s72s72s72sII72s72s",
            ["compatibility_mask", "author_key_enabled", "reserved", "ld", "family_id", "image_id",
             "version", "guest_svn", "id_key_algorithm", "author_key_algorithm",
             "id_key_signature.r_comp", "id_key_signature.s_comp",
             "id_public_key.curve", "id_public_key.reserved", "id_public_key.qx", "id_public_key.qy",
             "author_key_signature.r_comp", "author_key_signature.s_comp",
             "author_public_key.curve", "author_public_key.reserved", "author_public_key.qx",
             "author_public_key.qy"]),
    0x30C: ("MEMORY_MAP",) + PARAM,
    0x30D: ("ERROR_RANGE", "<QII", ["gpa", "compatibility_mask", "size_bytes"]),
    0x30E: ("COMMAND_LINE",) + PARAM,
    0x30F: ("SLIT",) + PARAM,
    0x310: ("PPTT",) + PARAM,
    0x311: ("VBS_MEASUREMENT", "<8I64s256s512s",
            ["compatibility_mask", "version", "product_id", "module_id", "security_version",
             "policy_flags", "boot_digest_algo", "signing_algo", "boot_measurement_digest",
             "signature", "public_key"]),
    0x312: ("DEVICE_TREE",) + PARAM,
    0x313: ("ENVIRONMENT_INFO_PARAMETER",) + PARAM,
}
BY_NAME = {v[0]: k for k, v in TYPES.items()}
SIZES = {"PAGE_DATA": 24, "VP_CONTEXT": 20, "SNP_ID_BLOCK": 696, "VBS_MEASUREMENT": 864}
PLATFORMS = {"NATIVE": 0, "VSM_ISOLATION": 1, "SEV_SNP": 2, "TDX": 3, "SEV": 4, "SEV_ES": 5, "CCA": 6}
PLATFORM_NAMES = {v: k for k, v in PLATFORMS.items()}


def hdr(name, data=None, **fields):
    """A header: type name, field values (missing ones are 0) and optional file data."""
    return {"type": name, "fields": fields, "data": data}


def body_values(h):
    name, fmt, names = TYPES[BY_NAME[h["type"]]]
    vals = []
    for n, code in zip(names, [c for c in struct_codes(fmt)]):
        v = h["fields"].get(n, 0)
        if code.endswith("s") and isinstance(v, int):
            v = bytes(int(code[:-1]))
        vals.append(v)
    return fmt, names, vals


def struct_codes(fmt):
    """'<IB3s' -> ['I', 'B', '3s']."""
    out, num = [], ""
    for c in fmt[1:]:
        if c.isdigit():
            num += c
        else:
            out.extend([num + c] if c == "s" else [c] * int(num or "1"))
            num = ""
    return out


def serialize(headers, version=1, arch=0, reverse_data=True):
    """Writes the file; returns (bytes, per-header file offsets)."""
    fixed_size = 24 if version == 1 else 32
    vh_size = 0
    for h in headers:
        size = struct.calcsize(TYPES[BY_NAME[h["type"]]][1])
        vh_size += 8 + (size + 7) // 8 * 8
    data_start = fixed_size + vh_size
    # Data blobs: reverse header order (unlike igvmkit and the crate), identical blobs shared.
    data = bytearray()
    where = {}
    order = list(range(len(headers)))
    if reverse_data:
        order.reverse()
    for i in order:
        blob = headers[i]["data"]
        if blob is None:
            continue
        if blob not in where:
            where[blob] = data_start + len(data)
            data += blob
        headers[i]["fields"][
            "file_offset"] = where[blob]
    if not data:
        data += b"\0" * 8
    vh = bytearray()
    for h in headers:
        fmt, names, vals = body_values(h)
        body = struct.pack(fmt, *vals)
        vh += struct.pack("<II", BY_NAME[h["type"]], len(body)) + body
        vh += b"\0" * ((-len(body)) % 8)
    total = data_start + len(data)
    fixed = struct.pack("<IIIIII", MAGIC, version, fixed_size, len(vh), total, 0)
    if version == 2:
        fixed += struct.pack("<II", arch, 4096)
    crc = zlib.crc32(fixed + vh) & 0xFFFFFFFF
    fixed = fixed[:20] + struct.pack("<I", crc) + fixed[24:]
    return bytes(fixed + vh + data)


def page(fill, n=4096):
    return bytes([fill]) * n if isinstance(fill, int) else (fill * (n // len(fill) + 1))[:n]


# ---- VP contexts (igvm.md §1.9) ----

def vmsa(regs):
    """SEV-ES/SNP VMSA page from {field: value}; segments as (selector, attrib, limit, base)."""
    off = {"es": 0x0, "cs": 0x10, "ss": 0x20, "ds": 0x30, "fs": 0x40, "gs": 0x50, "gdtr": 0x60,
           "ldtr": 0x70, "idtr": 0x80, "tr": 0x90, "efer": 0xD0, "cr4": 0x148, "cr3": 0x150,
           "cr0": 0x158, "dr7": 0x160, "dr6": 0x168, "rflags": 0x170, "rip": 0x178,
           "rsp": 0x1D8, "rax": 0x1F8, "g_pat": 0x268, "rdx": 0x310, "rsi": 0x330,
           "sev_features": 0x3B0, "xcr0": 0x3E8}
    p = bytearray(4096)
    for k, v in regs.items():
        if isinstance(v, tuple):
            struct.pack_into("<HHIQ", p, off[k], *v)
        elif k == "vmpl":
            p[0xCA] = v
        elif k == "mxcsr":
            struct.pack_into("<I", p, 0x408, v)
        else:
            struct.pack_into("<Q", p, off[k], v)
    return bytes(p)


NATIVE_LAYOUT = [("rax", "Q"), ("rcx", "Q"), ("rdx", "Q"), ("rbx", "Q"), ("rsp", "Q"),
                 ("rbp", "Q"), ("rsi", "Q"), ("rdi", "Q")] + \
    [("r%d" % i, "Q") for i in range(8, 16)] + \
    [("rip", "Q"), ("rflags", "Q"), ("idtr_base", "Q"), ("idtr_limit", "H"), ("_r0", "H"),
     ("_r1", "H"), ("gdtr_limit", "H"), ("gdtr_base", "Q"), ("code_selector", "H"),
     ("code_attributes", "H"), ("code_base", "I"), ("code_limit", "I"), ("data_selector", "H"),
     ("data_attributes", "H"), ("data_base", "I"), ("data_limit", "I"), ("gs_base", "Q"),
     ("cr0", "Q"), ("cr3", "Q"), ("cr4", "Q"), ("efer", "Q")]


def native_context(regs):
    fmt = "<" + "".join(c for _, c in NATIVE_LAYOUT)
    assert struct.calcsize(fmt) == 232
    raw = struct.pack(fmt, *[regs.get(n, 0) for n, _ in NATIVE_LAYOUT])
    return raw + bytes(4096 - len(raw))


def cca_context(regs):
    names = ["x%d" % i for i in range(8)] + ["pc", "flags"]
    raw = struct.pack("<10Q", *[regs.get(n, 0) for n in names])
    return raw + bytes(4096 - len(raw))


def vbs_context(regs):
    """[(vtl, register_name, value int or 16 bytes)] -> VbsVpContextHeader + records."""
    out = struct.pack("<I", len(regs))
    for vtl, name, value in regs:
        if isinstance(value, int):
            value = struct.pack("<QQ", value & (2**64 - 1), value >> 64)
        out += struct.pack("<BI11s16s", vtl, name, bytes(11), value)
    return out


# ---- the files ----

def golden():
    """igvm.md §1.13: NATIVE platform, one page of 0x01 at 0x1000; byte-identical to the crate."""
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=1, platform_type=0, platform_version=1),
          hdr("PAGE_DATA", page(1), gpa=0x1000, compatibility_mask=1)]
    return serialize(hs), hs, 1, 0


def native_file():
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, platform_type=0, platform_version=1),
          hdr("REQUIRED_MEMORY", gpa=0x100000, compatibility_mask=1, number_of_bytes=0x200000),
          hdr("PARAMETER_AREA", number_of_bytes=0x1000, parameter_area_index=0),
          hdr("VP_COUNT_PARAMETER", parameter_area_index=0, byte_offset=0),
          hdr("MEMORY_MAP", parameter_area_index=0, byte_offset=0x10),
          hdr("PARAMETER_INSERT", gpa=0x9000, compatibility_mask=1, parameter_area_index=0),
          hdr("PAGE_DATA", page(b"ROM!"), gpa=0xFFFF0000, compatibility_mask=1),
          hdr("PAGE_DATA", page(b"ROM!"), gpa=0xFFFF1000, compatibility_mask=1),  # shared blob
          hdr("PAGE_DATA", page(0), gpa=0xFFFF2000, compatibility_mask=1),  # explicit zeros
          hdr("PAGE_DATA", None, gpa=0xFFFF3000, compatibility_mask=1),  # file_offset 0
          hdr("VP_CONTEXT", native_context({"rip": 0xFFF0, "rflags": 2, "cr0": 0x60000010,
                                            "code_selector": 0xF000, "code_base": 0xFFFF0000,
                                            "code_limit": 0xFFFF, "code_attributes": 0x9B,
                                            "data_limit": 0xFFFF, "data_attributes": 0x93,
                                            "rdx": 0x600}),
              compatibility_mask=1, vp_index=0)]
    return serialize(hs, version=2), hs, 2, 0


def snp_file():
    ctx = vmsa({"cs": (0xF000, 0x9B, 0xFFFF, 0xFFFF0000), "ds": (0, 0x93, 0xFFFF, 0),
                "gdtr": (0, 0, 0xFFFF, 0), "rip": 0xFFF0, "rflags": 2, "cr0": 0x10,
                "efer": 0x1000, "g_pat": 0x0007040600070406, "rdx": 0xA00F11, "xcr0": 1,
                "sev_features": 0x21, "mxcsr": 0x1F80, "vmpl": 0})
    idb = dict(compatibility_mask=1, author_key_enabled=0, ld=bytes(range(48)),
               family_id=b"F" * 16, image_id=b"I" * 16, version=1, guest_svn=7,
               id_key_algorithm=1, **{"id_key_signature.r_comp": bytes([1]) * 48 + bytes(24),
                                      "id_key_signature.s_comp": bytes([2]) * 48 + bytes(24),
                                      "id_public_key.curve": 2,
                                      "id_public_key.qx": bytes([3]) * 48 + bytes(24),
                                      "id_public_key.qy": bytes([4]) * 48 + bytes(24)})
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, highest_vtl=0, platform_type=2,
              platform_version=1),
          hdr("GUEST_POLICY", policy=0x30000, compatibility_mask=1),
          hdr("PARAMETER_AREA", number_of_bytes=0x1000, parameter_area_index=3),
          hdr("ENVIRONMENT_INFO_PARAMETER", parameter_area_index=3, byte_offset=4),
          hdr("PARAMETER_INSERT", gpa=0x800000, compatibility_mask=1, parameter_area_index=3),
          hdr("PAGE_DATA", page(0x90), gpa=0xFFFFE000, compatibility_mask=1),
          hdr("PAGE_DATA", page(0x91), gpa=0xFFFFF000, compatibility_mask=1),
          hdr("PAGE_DATA", None, gpa=0x80A000, compatibility_mask=1, data_type=1),  # SECRETS
          hdr("PAGE_DATA", page(b"\x22\0\0\0"), gpa=0x80B000, compatibility_mask=1,
              data_type=2),  # CPUID_DATA
          hdr("PAGE_DATA", None, gpa=0x80C000, compatibility_mask=1, flags=2),  # unmeasured
          hdr("VP_CONTEXT", ctx, gpa=0xFFFFFFFFF000, compatibility_mask=1, vp_index=0),
          hdr("SNP_ID_BLOCK", **idb)]
    return serialize(hs), hs, 1, 0


def sev_es_file():
    ctx = vmsa({"cs": (0xF000, 0x9B, 0xFFFF, 0xFFFF0000), "rip": 0xFFF0, "rflags": 2,
                "cr0": 0x10, "efer": 0x1000, "rdx": 0x800F12})
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x4, platform_type=5, platform_version=1),
          hdr("PAGE_DATA", page(0x55), gpa=0xFFFFF000, compatibility_mask=4),
          hdr("PAGE_DATA", page(0x56), gpa=0xFFFFE000, compatibility_mask=4, flags=2),
          hdr("VP_CONTEXT", ctx, gpa=0xFFFFFFFFF000, compatibility_mask=4, vp_index=0),
          hdr("VP_CONTEXT", ctx, gpa=0xFFFFFFFFF000 - 0x1000, compatibility_mask=4, vp_index=1)]
    return serialize(hs), hs, 1, 0


def sev_file():
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x2, platform_type=4, platform_version=1),
          hdr("PAGE_DATA", page(0x66), gpa=0xFFFFF000, compatibility_mask=2),
          hdr("REQUIRED_MEMORY", gpa=0, compatibility_mask=2, number_of_bytes=0xA0000),
          hdr("VP_CONTEXT", native_context({"rip": 0xFFF0, "code_selector": 0xF000}),
              compatibility_mask=2)]
    return serialize(hs, version=2), hs, 2, 0


def tdx_file():
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, platform_type=3, platform_version=1,
              shared_gpa_boundary=1 << 47),
          hdr("GUEST_POLICY", policy=0x2, compatibility_mask=1),
          hdr("PARAMETER_AREA", number_of_bytes=0x2000, parameter_area_index=1,
              data=page(0) + page(7)),
          hdr("COMMAND_LINE", parameter_area_index=1, byte_offset=0x100),
          hdr("PARAMETER_INSERT", gpa=0x7000, compatibility_mask=1, parameter_area_index=1),
          hdr("PAGE_DATA", None, gpa=0x200000, compatibility_mask=1, flags=1),  # 2 MiB, zeros
          hdr("PAGE_DATA", page(0x77), gpa=0xFFFFF000, compatibility_mask=1),
          hdr("PAGE_DATA", page(0x78), gpa=0x1000, compatibility_mask=1, flags=2),
          hdr("PAGE_DATA", page(0x79), gpa=0x2000, compatibility_mask=1, flags=4)]
    return serialize(hs), hs, 1, 0


VBS_REGS = [(2, 0x20010, 0x1000), (2, 0x20004, 0x8000), (2, 0x40000, 0x80000031),
            (2, 0x40002, 0x3000), (2, 0x40003, 0x20), (2, 0x80001, 0x500),
            (2, 0x60001, struct.pack("<QIHH", 0, 0xFFFFFFFF, 8, 0xA09B)),
            (2, 0x70001, bytes(6) + struct.pack("<HQ", 0x27, 0x5000))]


def vsm_file():
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x10, highest_vtl=2, platform_type=1,
              platform_version=1),
          hdr("RELOCATABLE_REGION", compatibility_mask=0x10, vp_index=0, vtl=2, flags=3,
              relocation_alignment=0x200000, relocation_region_gpa=0x200000,
              relocation_region_size=0x100000, minimum_relocation_gpa=0x200000,
              maximum_relocation_gpa=0x40000000),
          hdr("PAGE_TABLE_RELOCATION_REGION", compatibility_mask=0x10, vp_index=0, vtl=2,
              gpa=0x3000, size=0x4000, used_size=0x2000),
          hdr("REQUIRED_MEMORY", gpa=0x200000, compatibility_mask=0x10, number_of_bytes=0x100000,
              flags=1),
          hdr("PAGE_DATA", page(0x30), gpa=0x3000, compatibility_mask=0x10),
          hdr("PAGE_DATA", page(0x31), gpa=0x200000, compatibility_mask=0x10),
          hdr("ERROR_RANGE", gpa=0x10000, compatibility_mask=0x10, size_bytes=0x1000),
          hdr("VP_CONTEXT", vbs_context(VBS_REGS), compatibility_mask=0x10, vp_index=0),
          hdr("VBS_MEASUREMENT", compatibility_mask=0x10, version=1, product_id=2, module_id=3,
              security_version=4, policy_flags=5, boot_digest_algo=1, signing_algo=1,
              boot_measurement_digest=bytes([0xAB]) * 32 + bytes(32),
              signature=bytes([0xCD]) * 96 + bytes(160), public_key=bytes([0xEF]) * 97 + bytes(415))]
    return serialize(hs), hs, 1, 0


def cca_file():
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, platform_type=6, platform_version=1),
          hdr("CORIM_DOCUMENT", b"\xd9\x01\xf5corim-document", compatibility_mask=1,
              size_bytes=17),
          hdr("CORIM_SIGNATURE", b"\xd2\x84cose-sign1", compatibility_mask=1, size_bytes=12),
          hdr("CCA_POLICY", compatibility_mask=1, attributes_required_zeroes=1,
              attributes_required_ones=2, hash_algorithm=2, lfa_policy=1),
          hdr("PAGE_DATA", page(0xC0), gpa=0x40000000, compatibility_mask=1),
          hdr("PAGE_DATA", page(0xC1), gpa=0x40001000, compatibility_mask=1),
          hdr("VP_CONTEXT", cca_context({"x0": 0x48000000, "pc": 0x40000000, "flags": 0}),
              compatibility_mask=1)]
    return serialize(hs, version=2, arch=1), hs, 2, 1


def multi_file():
    """Four platforms sharing pages; every remaining parameter type."""
    all4 = 0x1 | 0x2 | 0x4 | 0x8
    ctx = vmsa({"cs": (0xF000, 0x9B, 0xFFFF, 0xFFFF0000), "rip": 0xFFF0, "rflags": 2,
                "cr0": 0x10, "efer": 0x1000, "sev_features": 1})
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=0x1, platform_type=2, platform_version=1),
          hdr("SUPPORTED_PLATFORM", compatibility_mask=0x2, platform_type=3, platform_version=1),
          hdr("SUPPORTED_PLATFORM", compatibility_mask=0x4, platform_type=0, platform_version=1),
          hdr("SUPPORTED_PLATFORM", compatibility_mask=0x8, platform_type=5, platform_version=1),
          hdr("GUEST_POLICY", policy=0xB0000, compatibility_mask=1),
          hdr("PARAMETER_AREA", number_of_bytes=0x4000, parameter_area_index=0),
          hdr("SRAT", parameter_area_index=0, byte_offset=0),
          hdr("MADT", parameter_area_index=0, byte_offset=0x1000),
          hdr("MMIO_RANGES", parameter_area_index=0, byte_offset=0x2000),
          hdr("SLIT", parameter_area_index=0, byte_offset=0x2100),
          hdr("PPTT", parameter_area_index=0, byte_offset=0x2200),
          hdr("DEVICE_TREE", parameter_area_index=0, byte_offset=0x3000),
          hdr("PARAMETER_INSERT", gpa=0x10000, compatibility_mask=all4, parameter_area_index=0),
          hdr("PAGE_DATA", page(0xA1), gpa=0xFFFFF000, compatibility_mask=all4),
          hdr("PAGE_DATA", page(0xA2), gpa=0xFFFFE000, compatibility_mask=0x1 | 0x2),
          hdr("PAGE_DATA", page(0xA3), gpa=0xFFFFE000, compatibility_mask=0x4 | 0x8),
          hdr("PAGE_DATA", None, gpa=0x80A000, compatibility_mask=0x1, data_type=1),
          hdr("VP_CONTEXT", ctx, gpa=0xFFFFFFFFF000, compatibility_mask=0x1),
          hdr("VP_CONTEXT", ctx, gpa=0xFFFFFFFFF000, compatibility_mask=0x8),
          hdr("VP_CONTEXT", native_context({"rip": 0xFFF0}), compatibility_mask=0x4)]
    return serialize(hs), hs, 1, 0


FILES = {
    "golden-1.13": golden, "native": native_file, "sev-snp": snp_file, "sev-es": sev_es_file,
    "sev": sev_file, "tdx": tdx_file, "vsm": vsm_file, "cca": cca_file, "multi": multi_file,
}

# The §1.13 bytes, as printed in igvm.md (crate output, verified there).
GOLDEN_PREFIX = bytes.fromhex(
    "4947564d01000000180000003800000050100000a13993e7010000001000000001000000000001000000000000000000"
    "0203000018000000001000000000000001000000500000000000000000000000")


# ---- bad inputs for the CLI: (name, bytes, expected message fragment) ----

def patch_crc(b):
    b = bytearray(b)
    fixed = 24 if struct.unpack_from("<I", b, 4)[0] == 1 else 32
    vho, vhs = struct.unpack_from("<II", b, 8)
    b[20:24] = b"\0\0\0\0"
    crc = zlib.crc32(bytes(b[:fixed]) + bytes(b[vho:vho + vhs])) & 0xFFFFFFFF
    struct.pack_into("<I", b, 20, crc)
    return bytes(b)


def bad_inputs():
    g = golden()[0]
    out = []
    out.append(("truncated-fixed-header", g[:10], "shorter than the 24-byte IGVM fixed header"))
    out.append(("truncated", g[:100], "total_file_size 0x1050 does not match the file size 0x64"))
    wrong = bytearray(g)
    wrong[0:4] = b"MVGI"
    out.append(("wrong-magic", bytes(wrong), "magic 0x4947564d is not 'IGVM'"))
    huge = bytearray(g)
    struct.pack_into("<I", huge, 12, 0xFFFFFFFF)
    out.append(("variable-header-size-ffffffff", bytes(huge),
                "variable_header_size 0xffffffff: the variable header section"))
    badcrc = bytearray(g)
    badcrc[20] ^= 1
    out.append(("bad-checksum", bytes(badcrc), "does not match the CRC-32 0xe79339a1"))
    # Zero-length header loop: the section filled with type 0 / length 0 entries.
    loop = bytearray(g)
    loop[0x18:0x50] = bytes(0x38)
    out.append(("zero-length-header-loop", patch_crc(loop),
                "header 0 at offset 0x18: type 0x0 is not a known IGVM variable header type"))
    zlen = bytearray(g)
    struct.pack_into("<I", zlen, 0x34, 0)  # PAGE_DATA length 0
    out.append(("zero-length-known-header", patch_crc(zlen),
                "header 1 (PAGE_DATA) at offset 0x30: length 0 is not 24"))
    into = bytearray(g)
    struct.pack_into("<I", into, 0x44, 0x20)  # file_offset into the headers
    out.append(("data-offset-into-headers", patch_crc(into),
                "header 1 (PAGE_DATA) at offset 0x30: file_offset 0x20 points into the headers"))
    past = bytearray(g)
    struct.pack_into("<I", past, 0x44, 0x51)  # 4096 bytes from 0x51 run past 0x1050
    out.append(("data-offset-past-end", patch_crc(past),
                "file_offset 0x51 + 0x1000 bytes of data runs past the end of the file"))
    opt = bytearray(g)
    struct.pack_into("<I", opt, 0x30, 0x80000302)
    out.append(("optional-bit", patch_crc(opt), "has IGVM_VHT_OPTIONAL_BIT set"))
    return out


def lenient_inputs():
    """Files the igvm crate accepts but igvmkit's strict reader rejects: (name, bytes, message)."""
    out = []
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=1, platform_type=0, platform_version=1),
          hdr("PAGE_DATA", page(1), gpa=0x1000, compatibility_mask=1),
          hdr("PAGE_DATA", page(2), gpa=0x1000, compatibility_mask=1)]
    out.append(("overlapping-pages", serialize(hs),
                "header 2 (PAGE_DATA) at offset 0x50: gpa range [0x1000, 0x2000) overlaps"))
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=1, platform_type=0, platform_version=1),
          hdr("PAGE_DATA", page(1), gpa=0x1000, compatibility_mask=0x7)]
    out.append(("mask-names-no-platform", serialize(hs),
                "compatibility_mask 0x7 has bits 0x6 that name no declared platform"))
    hs = [hdr("SUPPORTED_PLATFORM", compatibility_mask=1, platform_type=0, platform_version=1),
          hdr("PAGE_DATA", page(1), gpa=0x1000, compatibility_mask=1),
          hdr("VP_CONTEXT", native_context({"rip": 0xFFF0}), compatibility_mask=1)]
    raw = bytearray(serialize(hs))
    raw[0x50 + 8 + 20] = 0xAA  # a padding byte after the 20-byte VP_CONTEXT body
    out.append(("nonzero-padding", patch_crc(raw), "padding byte at offset 0x6c is 0xaa"))
    return out


# ---- checking `igvmkit inspect --json` ----

def as_int(v):
    if isinstance(v, str):
        assert v.startswith("0x"), v
        return int(v, 16)
    return v


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def eq(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failures += 1
            print("FAIL: %s: got %r, expected %r" % (what, got, want))


def expected_summary(hs, mask):
    """Per-platform page counts, computed here independently of igvmkit."""
    s = {"pages": 0, "measured_pages": 0, "unmeasured_pages": 0, "shared_pages": 0,
         "zero_pages": 0, "data_pages": 0, "vp_contexts": 0, "parameter_areas": 0,
         "parameter_area_bytes": 0}
    areas = {}
    for h in hs:
        f = h["fields"]
        if h["type"] == "PARAMETER_AREA":
            areas[f.get("parameter_area_index", 0)] = f["number_of_bytes"]
        if h["type"] == "PARAMETER_INSERT" and f["compatibility_mask"] & mask:
            s["parameter_areas"] += 1
            s["parameter_area_bytes"] += areas[f.get("parameter_area_index", 0)]
        if h["type"] == "VP_CONTEXT" and f["compatibility_mask"] == mask:
            s["vp_contexts"] += 1
        if h["type"] != "PAGE_DATA" or not f["compatibility_mask"] & mask:
            continue
        flags = f.get("flags", 0)
        n = 512 if flags & 1 else 1
        s["pages"] += n
        if flags & 4:
            s["shared_pages"] += n
        elif flags & 2:
            s["unmeasured_pages"] += n
        else:
            s["measured_pages"] += n
        # An explicit all-zero page read from a file is still "data" for the model.
        if h["data"] is None:
            s["zero_pages"] += n
        else:
            s["data_pages"] += n
    return s


def check_file(ck, name, raw, hs, version, arch, doc):
    ck.eq(name + " format", doc["format"], "igvm")
    fx = doc["fixed_header"]
    ck.eq(name + " magic", as_int(fx["magic"]), MAGIC)
    ck.eq(name + " format_version", fx["format_version"], version)
    ck.eq(name + " architecture", fx["architecture"], ["X64", "AARCH64"][arch])
    ck.eq(name + " total_file_size", as_int(fx["total_file_size"]), len(raw))
    ck.eq(name + " checksum", as_int(fx["checksum"]), struct.unpack_from("<I", raw, 20)[0])
    ck.eq(name + " variable_header_size", as_int(fx["variable_header_size"]),
          struct.unpack_from("<I", raw, 12)[0])
    ck.eq(name + " header count", len(doc["headers"]), len(hs))
    plats = [h for h in hs if h["type"] == "SUPPORTED_PLATFORM"]
    ck.eq(name + " platform count", len(doc["platforms"]), len(plats))
    for p, jp in zip(plats, doc["platforms"]):
        ck.eq(name + " platform_type", jp["platform_type"], PLATFORM_NAMES[p["fields"]["platform_type"]])
        ck.eq(name + " platform mask", as_int(jp["compatibility_mask"]), p["fields"]["compatibility_mask"])
    off = 24 if version == 1 else 32
    for i, (h, jh) in enumerate(zip(hs, doc["headers"])):
        where = "%s header %d (%s)" % (name, i, h["type"])
        ck.eq(where + " type", jh["type"], h["type"])
        ck.eq(where + " type_value", as_int(jh["type_value"]), BY_NAME[h["type"]])
        ck.eq(where + " offset", as_int(jh["offset"]), off)
        fmt, names, vals = body_values(h)
        ck.eq(where + " length", jh["length"], struct.calcsize(fmt))
        off += 8 + (struct.calcsize(fmt) + 7) // 8 * 8
        for n, v in zip(names, vals):
            node = jh["fields"]
            for part in n.split(".")[:-1]:
                node = node[part]
            got = node[n.split(".")[-1]]
            if isinstance(v, bytes):
                ck.eq(where + " " + n, got, v.hex())
            else:
                ck.eq(where + " " + n, as_int(got), v)
        if h["data"] is not None:
            ck.eq(where + " data.size", jh["data"]["size"], len(h["data"]))
            ck.eq(where + " data.sha256", jh["data"]["sha256"], hashlib.sha256(h["data"]).hexdigest())
        elif "data" in jh:
            ck.eq(where + " data", jh["data"], None)
        if h["type"] == "VP_CONTEXT":
            check_context(ck, where, h, jh, plats)
    for p, js in zip(plats, doc["summary"]):
        exp = expected_summary(hs, p["fields"]["compatibility_mask"])
        for k, v in exp.items():
            ck.eq("%s summary %s %s" % (name, js["platform_type"], k), js[k], v)
        ck.eq(name + " summary page_bytes", js["page_bytes"], exp["pages"] * 4096)


def check_context(ck, where, h, jh, plats):
    mask = h["fields"]["compatibility_mask"]
    ptype = [PLATFORM_NAMES[p["fields"]["platform_type"]] for p in plats
             if p["fields"]["compatibility_mask"] == mask][0]
    ctx = jh["context"]
    data = h["data"]
    ck.eq(where + " context platform", jh["platform_type"], ptype)
    if ptype in ("SEV_SNP", "SEV_ES"):
        ck.eq(where + " format", ctx["format"], "sev_vmsa")
        ck.eq(where + " rip", as_int(ctx["rip"]), struct.unpack_from("<Q", data, 0x178)[0])
        ck.eq(where + " cr0", as_int(ctx["cr0"]), struct.unpack_from("<Q", data, 0x158)[0])
        ck.eq(where + " efer", as_int(ctx["efer"]), struct.unpack_from("<Q", data, 0xD0)[0])
        ck.eq(where + " rdx", as_int(ctx["rdx"]), struct.unpack_from("<Q", data, 0x310)[0])
        sel, attr, lim, base = struct.unpack_from("<HHIQ", data, 0x10)
        ck.eq(where + " cs", [as_int(ctx["cs"][k]) for k in ("selector", "attrib", "limit", "base")],
              [sel, attr, lim, base])
        feat = struct.unpack_from("<Q", data, 0x3B0)[0]
        ck.eq(where + " sev_features", as_int(ctx["sev_features"]), feat)
        ck.eq(where + " SNP feature", "SNP" in ctx["sev_features_names"], bool(feat & 1))
    elif ptype in ("NATIVE", "SEV"):
        ck.eq(where + " format", ctx["format"], "native_x64")
        off = 0
        for n, c in NATIVE_LAYOUT:
            if not n.startswith("_"):
                ck.eq(where + " " + n, as_int(ctx[n]), struct.unpack_from("<" + c, data, off)[0])
            off += struct.calcsize(c)
    elif ptype == "CCA":
        ck.eq(where + " format", ctx["format"], "cca_aarch64")
        ck.eq(where + " pc", as_int(ctx["pc"]), struct.unpack_from("<Q", data, 0x40)[0])
        ck.eq(where + " x0", as_int(ctx["x0"]), struct.unpack_from("<Q", data, 0)[0])
    elif ptype == "VSM_ISOLATION":
        ck.eq(where + " format", ctx["format"], "vbs")
        ck.eq(where + " register_count", ctx["register_count"], len(VBS_REGS))
        names = {0x20010: "Rip", 0x20004: "Rsp", 0x40000: "Cr0", 0x40002: "Cr3", 0x40003: "Cr4",
                 0x80001: "Efer", 0x60001: "Cs", 0x70001: "Gdtr"}
        for (vtl, rn, val), jr in zip(VBS_REGS, ctx["registers"]):
            if isinstance(val, int):
                val = struct.pack("<QQ", val, 0)
            ck.eq(where + " vbs vtl", jr["vtl"], vtl)
            ck.eq(where + " vbs register_name", as_int(jr["register_name"]), rn)
            ck.eq(where + " vbs name", jr["name"], names[rn])
            ck.eq(where + " vbs value", jr["register_value"], val.hex())


def run(igvmkit, *args):
    p = subprocess.run([igvmkit] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd = sys.argv[1]
    if cmd in ("gen", "corpus"):
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        for name, fn in FILES.items():
            with open(os.path.join(out, name + ".igvm"), "wb") as f:
                f.write(fn()[0])
        for name, raw, _ in bad_inputs():
            with open(os.path.join(out, "bad-" + name + ".bin"), "wb") as f:
                f.write(raw)
        return 0
    if cmd == "check":
        igvmkit, out = sys.argv[2], sys.argv[3]
        os.makedirs(out, exist_ok=True)
        ck = Checker()
        g = golden()[0]
        ck.eq("golden prefix (igvm.md §1.13)", g[:0x50], GOLDEN_PREFIX)
        ck.eq("golden size", len(g), 0x1050)
        for name, fn in FILES.items():
            raw, hs, version, arch = fn()
            path = os.path.join(out, name + ".igvm")
            with open(path, "wb") as f:
                f.write(raw)
            rc, so, se = run(igvmkit, "inspect", "--json", path)
            ck.eq(name + " exit code (stderr: %s)" % se.strip(), rc, 0)
            if rc != 0:
                continue
            check_file(ck, name, raw, hs, version, arch, json.loads(so))
            rc, so, se = run(igvmkit, "inspect", path)
            ck.eq(name + " text exit code", rc, 0)
            ck.eq(name + " text mentions every header", all(
                "[%d] " % i in so for i in range(len(hs))), True)
        # Schema stability: the whole document for the §1.13 file, as docs/inspect-json.md
        # describes it (values hand-checked: sha256 of 4096 x 0x01, CRC 0xe79339a1).
        rc, so, se = run(igvmkit, "inspect", "--json", os.path.join(out, "golden-1.13.igvm"))
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "golden-1.13.inspect.json")) as f:
            ck.eq("golden-1.13 JSON document", so, f.read())
        print("inspect --json checks: %d, failures: %d" % (ck.checks, ck.failures))
        return 1 if ck.failures else 0
    if cmd == "badcli":
        igvmkit, out = sys.argv[2], sys.argv[3]
        ck = Checker()
        os.makedirs(out, exist_ok=True)
        for name, raw, msg in bad_inputs():
            path = os.path.join(out, "bad-" + name + ".bin")
            with open(path, "wb") as f:
                f.write(raw)
            for args in (["inspect", path], ["inspect", "--json", path],
                         ["inspect", "--lenient", path]):
                rc, so, se = run(igvmkit, *args)
                ck.eq("%s %s exit code" % (name, args), rc, 3)
                ck.eq("%s %s stdout empty" % (name, args), so, "")
                ck.eq("%s prefix" % name, se.startswith("igvmkit inspect: error: %s:" % path), True)
                ck.eq("%s message has %r (got %r)" % (name, msg, se.strip()), msg in se, True)
        for name, raw, msg in lenient_inputs():
            path = os.path.join(out, "lenient-" + name + ".igvm")
            with open(path, "wb") as f:
                f.write(raw)
            rc, so, se = run(igvmkit, "inspect", path)
            ck.eq("%s strict exit code" % name, rc, 3)
            ck.eq("%s message has %r (got %r)" % (name, msg, se.strip()), msg in se, True)
            rc, so, se = run(igvmkit, "inspect", "--lenient", "--json", path)
            ck.eq("%s --lenient exit code (%s)" % (name, se.strip()), rc, 0)
            if rc == 0:
                ck.eq("%s --lenient JSON" % name, json.loads(so)["format"], "igvm")
        with open(os.path.join(out, "lenient-overlapping-pages.igvm"), "rb") as f:
            p = subprocess.run([igvmkit, "inspect", "--lenient", "-"], stdin=f,
                               capture_output=True, text=True)
        ck.eq("standard input exit code", p.returncode, 0)
        ck.eq("standard input output", "PAGE_DATA" in p.stdout, True)
        rc, so, se = run(igvmkit, "inspect", os.path.join(out, "does-not-exist.igvm"))
        ck.eq("missing file exit code", rc, 4)
        rc, so, se = run(igvmkit, "inspect")
        ck.eq("no file exit code", rc, 2)
        rc, so, se = run(igvmkit, "inspect", "--bogus", "x")
        ck.eq("bad option exit code", rc, 2)
        print("bad-input CLI checks: %d, failures: %d" % (ck.checks, ck.failures))
        return 1 if ck.failures else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
