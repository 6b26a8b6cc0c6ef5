#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the IGVM files the diff tests compare, independently of igvmkit's writer.

Format facts: igvm.md section 1 (fixed header 24 bytes for v1; 8-byte TLV framing with the
body length unpadded; CRC-32 over fixed header with checksum 0 plus the variable headers;
file_offset absolute, 0 = no data).  Cross-checked against section 1.13: a v1 file with one
NATIVE platform and one page of 0x01 at gpa 0x1000 has CRC 0xe79339a1 (asserted below).

usage: gen_igvm.py OUTDIR   writes one file per variant in VARIANTS
"""
import os
import struct
import sys
import zlib

IGVM_MAGIC = 0x4D564749
VHT_SUPPORTED_PLATFORM = 0x001
VHT_GUEST_POLICY = 0x101
VHT_PARAMETER_AREA = 0x301
VHT_PAGE_DATA = 0x302
VHT_PARAMETER_INSERT = 0x303
VHT_VP_CONTEXT = 0x304
VHT_MEMORY_MAP = 0x30C
NATIVE, SEV_SNP, TDX, SEV_ES = 0, 2, 3, 5


def tlv(vtype, body):
    pad = (-len(body)) % 8
    return struct.pack('<II', vtype, len(body)) + body + bytes(pad)


def build(headers, dedup=True, reverse_data=False, gap=0):
    """headers: list of (type, body_fn, data) where body_fn(file_offset) -> body bytes and data
    is the file data (bytes) or None.  Data blobs are laid out after the variable headers in
    header order (or reversed), identical blobs stored once when DEDUP; GAP zero bytes are
    left between the fixed header and the variable headers."""
    vh_offset = 24 + gap
    vh_size = sum(8 + len(fn(0)) + (-len(fn(0))) % 8 for _, fn, _ in headers)
    data_start = vh_offset + vh_size
    entries = [(i, data) for i, (_, _, data) in enumerate(headers) if data is not None]
    first = {}
    if dedup:
        unique = []
        for i, data in entries:
            if data not in first:
                first[data] = i
                unique.append((i, data))
    else:
        unique = entries
    placed = list(reversed(unique)) if reverse_data else unique
    offset, chunks, off_of = data_start, [], {}
    for i, data in placed:
        off_of[i] = offset
        chunks.append(data)
        offset += len(data)
    section = b''.join(chunks)
    vh_parts = []
    for i, (vtype, fn, data) in enumerate(headers):
        if data is None:
            off = 0
        else:
            off = off_of[i] if i in off_of else off_of[first[data]]
        vh_parts.append(tlv(vtype, fn(off)))
    vh = b''.join(vh_parts)
    assert len(vh) == vh_size
    total = data_start + len(section)
    fixed = struct.pack('<IIIIII', IGVM_MAGIC, 1, vh_offset, vh_size, total, 0)
    gap_bytes = bytes(gap)
    crc = zlib.crc32(fixed + vh) & 0xffffffff
    fixed = struct.pack('<IIIIII', IGVM_MAGIC, 1, vh_offset, vh_size, total, crc)
    return fixed + gap_bytes + vh + section


def platform(mask, ptype, vtl=0, boundary=0):
    return (VHT_SUPPORTED_PLATFORM,
            lambda off: struct.pack('<IBBHQ', mask, vtl, ptype, 1, boundary), None)


def policy(value, mask):
    return (VHT_GUEST_POLICY, lambda off: struct.pack('<QII', value, mask, 0), None)


def page(gpa, mask, data, flags=0, data_type=0):
    return (VHT_PAGE_DATA,
            lambda off: struct.pack('<QIIIHH', gpa, mask, off, flags, data_type, 0), data)


def vp_context(gpa, mask, data, vp_index=0):
    return (VHT_VP_CONTEXT,
            lambda off: struct.pack('<QIIHH', gpa, mask, off, vp_index, 0), data)


def fill(byte):
    return bytes([byte]) * 4096


def vmsa(rip=0xfff0):
    """A minimal SEV-SNP VMSA page (igvm.md 1.9 offsets): cs, rip, efer SVME, cr0, rflags,
    sev_features SNP, xcr0, g_pat; enough to be recognisable, not a tested boot state."""
    v = bytearray(4096)
    struct.pack_into('<HHIQ', v, 0x010, 0xf000, 0x9b, 0xffff, 0xffff0000)  # cs
    struct.pack_into('<Q', v, 0x0D0, 0x1000)  # efer.SVME
    struct.pack_into('<Q', v, 0x158, 0x10)  # cr0
    struct.pack_into('<Q', v, 0x170, 0x2)  # rflags
    struct.pack_into('<Q', v, 0x178, rip)
    struct.pack_into('<Q', v, 0x268, 0x0007040600070406)  # g_pat
    struct.pack_into('<Q', v, 0x3B0, 0x1)  # sev_features.SNP
    struct.pack_into('<Q', v, 0x3E8, 0x1)  # xcr0
    return bytes(v)


SNP, NAT = 0x1, 0x2  # mask bits of the base file


def base_headers(snp_mask=SNP, nat_mask=NAT, pol=0x30000, pages=None, rip=0xfff0,
                 with_native=True):
    both = snp_mask | (nat_mask if with_native else 0)
    hs = [platform(snp_mask, SEV_SNP)]
    if with_native:
        hs.append(platform(nat_mask, NATIVE))
    hs.append(policy(pol, snp_mask))
    for gpa, data in (pages if pages is not None else base_pages()):
        hs.append(page(gpa, both, data))
    hs.append(vp_context(0xFFFFFFFFF000, snp_mask, vmsa(rip)))
    return hs


def split_headers():
    """base_headers with each shared page as one header per platform (SNP's, then NATIVE's):
    what a writer that never shares headers across platforms emits."""
    hs = []
    for h in base_headers():
        if h[0] == VHT_PAGE_DATA:
            gpa = struct.unpack_from('<Q', h[1](0))[0]
            hs.append(page(gpa, SNP, h[2]))
            hs.append(page(gpa, NAT, h[2]))
        else:
            hs.append(h)
    return hs


def base_pages():
    # 0x3000 repeats 0x1000's contents (deduplicated by default); 0x4000 is a zero page
    return [(0x1000, fill(0x11)), (0x2000, fill(0x22)), (0x3000, fill(0x11)),
            (0x4000, None), (0x5000, fill(0x55))]


def flipped_page():
    pages = base_pages()
    data = bytearray(pages[1][1])
    data[0x123] ^= 0xff
    pages[1] = (0x2000, bytes(data))
    return pages


def inserted_page():
    pages = base_pages()
    pages.insert(2, (0x8000, fill(0x80)))
    return pages


def swapped_pages():
    pages = base_pages()
    pages[0], pages[1] = pages[1], pages[0]
    return pages


def explicit_zero_page():
    pages = base_pages()
    pages[3] = (0x4000, bytes(4096))
    return pages


VARIANTS = {
    'base.igvm': lambda: build(base_headers()),
    'copy.igvm': lambda: build(base_headers()),
    'page-byte.igvm': lambda: build(base_headers(pages=flipped_page())),
    'policy.igvm': lambda: build(base_headers(pol=0xB0000)),
    'no-native.igvm': lambda: build(base_headers(with_native=False)),
    'layout.igvm': lambda: build(base_headers(), dedup=False, reverse_data=True),
    'renumbered.igvm': lambda: build(base_headers(snp_mask=0x4, nat_mask=0x1)),
    'inserted.igvm': lambda: build(base_headers(pages=inserted_page())),
    'swapped.igvm': lambda: build(base_headers(pages=swapped_pages())),
    'vmsa-rip.igvm': lambda: build(base_headers(rip=0xfff4)),
    'gap.igvm': lambda: build(base_headers(), gap=8),
    'zero-explicit.igvm': lambda: build(base_headers(pages=explicit_zero_page())),
    'split.igvm': lambda: build(split_headers()),
}


def golden_check():
    # igvm.md section 1.13: byte-identical to the igvm crate's serializer
    data = build([platform(1, NATIVE), page(0x1000, 1, fill(0x01))])
    assert len(data) == 0x1050, hex(len(data))
    assert data[0x14:0x18] == bytes.fromhex('a13993e7'), data[0x14:0x18].hex()


if __name__ == '__main__':
    golden_check()
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, make in VARIANTS.items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(make())
