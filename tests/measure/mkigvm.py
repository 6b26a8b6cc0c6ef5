#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes small IGVM files for the measurement tests, independently of igvmkit's writer
(igvm.md §1.2-§1.6, §1.14: v1 fixed header, 8-byte framed variable headers, CRC-32 over the
fixed header and the variable headers, blobs after the headers, zero pages as file_offset 0).

    mkigvm.py NAME OUT     NAME: snp-ovmf (Debian OVMF.fd wrapped as measure.md §5.3 describes),
                           snp-small, snp-no-vmsa, snp-tdx-small, sev-es-small
Each file's expected QEMU-model SNP digest is printed by `mkigvm.py --expect NAME` where a
Python model exists (snp_ref.py's PAGE_INFO chain and VMSA).
"""
import struct
import sys
import zlib

import snp_ref

SNP, TDX, SEV_ES = 2, 3, 5
MASK = {SNP: 1, TDX: 2, SEV_ES: 4}


class Igvm:
    def __init__(self):
        self.headers = []  # (type, body, blob or None, offset of the file_offset field in body)

    def platform(self, ptype):
        self.headers.append((0x001, struct.pack("<IBBHQ", MASK[ptype], 0, ptype, 1, 0), None, None))

    def policy(self, value, mask):
        self.headers.append((0x101, struct.pack("<QII", value, mask, 0), None, None))

    def page(self, gpa, mask, data=None, flags=0, data_type=0):
        body = struct.pack("<QIIIHH", gpa, mask, 0, flags, data_type, 0)
        self.headers.append((0x302, body, data, 12))

    def area(self, index, size):
        self.headers.append((0x301, struct.pack("<QII", size, index, 0), None, None))

    def insert(self, gpa, mask, index):
        self.headers.append((0x303, struct.pack("<QII", gpa, mask, index), None, None))

    def vmsa(self, gpa, mask, page, vp=0):
        self.headers.append((0x304, struct.pack("<QIIHH", gpa, mask, 0, vp, 0), page, 12))

    def write(self):
        var_size = sum(8 + (len(b) + 7) // 8 * 8 for _, b, _, _ in self.headers)
        data_start = 24 + var_size
        data, seen, var = b"", {}, b""
        for htype, body, blob, off_field in self.headers:
            if blob is not None and any(blob):
                blob = blob + bytes(-len(blob) % 4096)
                if blob not in seen:
                    seen[blob] = data_start + len(data)
                    data += blob
                body = body[:off_field] + struct.pack("<I", seen[blob]) + body[off_field + 4:]
            var += struct.pack("<II", htype, len(body)) + body + bytes(-len(body) % 8)
        if not data:
            data = bytes(1)
        total = data_start + len(data)
        fixed = struct.pack("<IIIIII", 0x4D564749, 1, 24, var_size, total, 0)
        crc = zlib.crc32(fixed + var) & 0xFFFFFFFF
        fixed = fixed[:20] + struct.pack("<I", crc)
        return fixed + var + data


def pattern(seed):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(4096))


def snp_small(with_vmsa=True, tdx=False):
    f = Igvm()
    f.platform(SNP)
    if tdx:
        f.platform(TDX)
    f.policy(0x30000, MASK[SNP])
    both = MASK[SNP] | (MASK[TDX] if tdx else 0)
    f.area(0, 0x2000)
    f.insert(0x20000, both, 0)
    for i in range(3):
        f.page(0x100000 + 0x1000 * i, both, pattern(i))
    f.page(0x103000, both)  # zero page
    f.page(0x104000, MASK[SNP], data_type=1)  # SECRETS
    f.page(0x105000, MASK[SNP], data_type=2)  # CPUID_DATA
    f.page(0x106000, both, flags=2)  # unmeasured
    if with_vmsa:
        f.vmsa(0xFFFFFFFFF000, MASK[SNP], snp_ref.vmsa(0xFFFFFFF0, 1, 0x00A00F11, "qemu"))
    return f


def snp_small_expect(vcpus, sig):
    """QEMU model: insert first (it precedes all pages here), then the page runs, then VMSAs."""
    c = snp_ref.Chain()
    for g in (0x20000, 0x21000):
        c.add(snp_ref.UNMEASURED, g)
    for i in range(3):
        c.add(snp_ref.NORMAL, 0x100000 + 0x1000 * i, pattern(i))
    c.add(snp_ref.NORMAL, 0x103000, bytes(4096))
    c.add(snp_ref.SECRETS, 0x104000)
    c.add(snp_ref.CPUID, 0x105000)
    c.add(snp_ref.UNMEASURED, 0x106000)
    c.add(snp_ref.VMSA, 0xFFFFFFFFF000, snp_ref.vmsa(0xFFFFFFF0, 1, 0x00A00F11, "qemu"))
    for _ in range(1, vcpus):
        c.add(snp_ref.VMSA, 0xFFFFFFFFF000, snp_ref.vmsa(0xFFFFFFF0, 1, sig, "qemu"))
    return c.ld.hex()


def sev_es_small():
    f = Igvm()
    f.platform(SEV_ES)
    for i in range(2):
        f.page(0x100000 + 0x1000 * i, MASK[SEV_ES], pattern(i))
    f.page(0x102000, MASK[SEV_ES])
    f.vmsa(0xFFFFFFFFF000, MASK[SEV_ES], snp_ref.vmsa(0xFFFFFFF0, 0, 0x00800F12, "qemu"))
    return f


def snp_ovmf():
    rom = snp_ref.Rom(open("/usr/share/ovmf/OVMF.fd", "rb").read())
    f = Igvm()
    f.platform(SNP)
    f.policy(0x30000, 1)
    for off in range(0, rom.n, 4096):
        f.page(rom.gpa + off, 1, rom.data[off:off + 4096])
    for base, length, kind in rom.asev():
        for g in range(base, base + length, 4096):
            f.page(g, 1, data_type={2: 1, 3: 2}.get(kind, 0))
    f.vmsa(0xFFFFFFFFF000, 1, snp_ref.vmsa(0xFFFFFFF0, 1, 0x00800F12, "qemu"))
    return f


def snp_huge_area():
    f = snp_small()
    f.headers.insert(2, (0x301, struct.pack("<QII", 1 << 44, 7, 0), None, None))
    f.insert(0x40000000, MASK[SNP], 7)
    return f


BUILDERS = {
    "snp-huge-parameter-area": snp_huge_area,
    "snp-ovmf": snp_ovmf,
    "snp-small": snp_small,
    "snp-no-vmsa": lambda: snp_small(with_vmsa=False),
    "snp-tdx-small": lambda: snp_small(tdx=True),
    "sev-es-small": sev_es_small,
}


def main():
    if sys.argv[1] == "--expect":
        vcpus, sig = int(sys.argv[2]), int(sys.argv[3], 0)
        print(snp_small_expect(vcpus, sig))
        return 0
    name, out = sys.argv[1:3]
    with open(out, "wb") as fh:
        fh.write(BUILDERS[name]().write())
    return 0


if __name__ == "__main__":
    sys.exit(main())
