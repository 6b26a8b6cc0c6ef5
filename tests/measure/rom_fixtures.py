#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Synthetic OVMF-style ROMs for the measurement tests, built from the footer-table,
ASEV and TDVF layouts (measure.md §1, §2.3, §4.2), plus variants named after what they break.

    rom_fixtures.py NAME OUT     writes fixture NAME to OUT
    rom_fixtures.py --list       lists the fixture names
"""
import struct
import sys
import uuid

PAGE = 4096


def guid(text):
    return uuid.UUID(text).bytes_le


FOOTER = "96b582de-1fb2-45f7-baea-a366c55a082d"
SEV_ES_RESET = "00f771de-1a7e-4fcb-890e-68c77e2fb44e"
SECRET = "4c2eb361-7d9b-4cc3-8081-127c90d3d294"
HASH_AREA = "7255371f-3a3b-4b04-927b-1da6efa8d454"
ASEV_PTR = "dc886566-984a-4798-a75e-5585a7bf67cc"
TDVF_PTR = "e47a6535-984a-4798-865e-4685a7bf8ec2"
TDVF_GUID = "e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae"

# ASEV descriptors: every type, including an SVSM CAA and a type QEMU does not know (0x20).
ASEV_SECTIONS = [
    (0x800000, 0x3000, 1), (0x803000, 0x1000, 2), (0x804000, 0x1000, 3),
    (0x805000, 0x1000, 4), (0x806000, 0x2000, 0x10), (0x808000, 0x1000, 0x20),
    (0x809000, 0x2000, 1),
]


def entry(text, data):
    return data + struct.pack("<H", len(data) + 18) + guid(text)


def build(size=0x10000, with_reset=True, with_hash_area=True, asev=ASEV_SECTIONS, tdvf=True,
          asev_sig=b"ASEV", asev_version=1, asev_count=None, tdvf_length_delta=0,
          tdvf_sections=None, footer_len_delta=0, bad_entry_len=None, hash_base=0x806C00):
    # Deterministic, page-distinct content.
    rom = bytearray((i * 7 + (i >> 12) * 13) & 0xFF for i in range(size))
    meta = size - 0x1000  # metadata structures live in the last page
    # ASEV table at meta.
    asev_blob = b""
    if asev is not None:
        count = len(asev) if asev_count is None else asev_count
        asev_blob = struct.pack("<4sIII", asev_sig, 16 + 12 * len(asev), asev_version, count)
        asev_blob += b"".join(struct.pack("<III", *s) for s in asev)
        rom[meta:meta + len(asev_blob)] = asev_blob
    # TDVF after it (GUID first), sections: BFV covering the second half, CFV the first
    # quarter, a TempMem, a TD_HOB, and a BFV-like section with partial raw data.
    tdvf_off = meta + 0x200
    if tdvf:
        sections = tdvf_sections if tdvf_sections is not None else [
            (size // 2, size // 2, (1 << 32) - size // 2, size // 2, 0, 1),
            (0, size // 4, (1 << 32) - size, size // 4, 1, 0),
            (0, 0, 0x810000, 0x3000, 3, 0),
            (0, 0, 0x809000, 0x2000, 2, 0),
            (size // 4, 0x1800, 0x900000, 0x3000, 0, 1),
        ]
        desc = struct.pack("<4sIII", b"TDVF", 16 + 32 * len(sections) + tdvf_length_delta, 1,
                           len(sections))
        desc += b"".join(struct.pack("<IIQQII", *s) for s in sections)
        rom[tdvf_off - 16:tdvf_off] = guid(TDVF_GUID)
        rom[tdvf_off:tdvf_off + len(desc)] = desc
    # Footer table, entries written back to front as the firmware does.
    entries = b""
    if with_reset:
        entries += entry(SEV_ES_RESET, struct.pack("<I", 0x80B004))
    entries += entry(SECRET, struct.pack("<II", 0x806000, 0xC00))
    if with_hash_area:
        entries += entry(HASH_AREA, struct.pack("<II", hash_base, 0x400))
    if asev is not None:
        entries += entry(ASEV_PTR, struct.pack("<I", size - meta))
    if tdvf:
        entries += entry(TDVF_PTR, struct.pack("<I", size - tdvf_off))
    if bad_entry_len is not None:
        entries = entries[:-18] + struct.pack("<H", bad_entry_len) + entries[-16:]
    total = len(entries) + 18 + footer_len_delta
    table = entries + struct.pack("<H", total) + guid(FOOTER)
    end = size - 32
    rom[end - len(table):end] = table
    rom[end:] = b"\x90" * 16 + b"VTF\0" + bytes(12)
    return bytes(rom)


FIXTURES = {
    # valid
    "rom-all-sections": lambda: build(),
    "rom-no-hash-area": lambda: build(with_hash_area=False),
    # missing metadata
    "rom-no-footer-table": lambda: build()[:-48] + bytes(16) + build()[-32:],
    "rom-no-reset-block": lambda: build(with_reset=False),
    "rom-no-asev": lambda: build(asev=None),
    "rom-no-tdvf": lambda: build(tdvf=False),
    # malformed
    "rom-footer-length-too-large": lambda: build(footer_len_delta=0x7000),
    "rom-footer-entry-length-short": lambda: build(bad_entry_len=5),
    "rom-asev-bad-signature": lambda: build(asev_sig=b"ASEX"),
    "rom-asev-bad-version": lambda: build(asev_version=2),
    "rom-asev-count-huge": lambda: build(asev_count=0x10000),
    "rom-asev-section-unaligned": lambda: build(asev=[(0x800100, 0x1000, 1)]),
    "rom-tdvf-length-mismatch": lambda: build(tdvf_length_delta=8),
    "rom-tdvf-raw-data-outside": lambda: build(tdvf_sections=[(0x8000, 0x10000, 0x1000, 0x10000, 0, 1)]),
    "rom-tdvf-section-huge": lambda: build(tdvf_sections=[(0, 0, 0x1000, 1 << 40, 3, 0)]),
    "rom-asev-sections-huge": lambda: build(asev=[(0, 0xFFFFF000, 1)] * 2),
    "rom-tdvf-type-payload": lambda: build(tdvf_sections=[(0, 0, 0x1000, 0x1000, 5, 0)]),
    "rom-hash-area-no-room": lambda: build(hash_base=0x806F80),
    "rom-size-not-page-multiple": lambda: build()[0x100:],
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(FIXTURES))
        return 0
    name, out = sys.argv[1:3]
    with open(out, "wb") as f:
        f.write(FIXTURES[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
