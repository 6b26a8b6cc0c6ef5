#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a small valid IGVM file independently of igvmkit.

Layout and golden bytes: igvm.md section 1.13 (v1, one NATIVE platform, one
PAGE_DATA page at gpa 0x1000 filled with FILL; CRC-32 over the fixed and
variable headers with the checksum field zero).  With the default FILL 0x01
and one page the file is the section 1.13 example, CRC 0xe79339a1.
usage: mkigvm.py OUT [FILL] [PAGES]
"""
import struct
import sys
import zlib

def igvm(fill=1, pages=1):
    # IGVM_VHS_SUPPORTED_PLATFORM: compatibility_mask 1, highest_vtl 0,
    # platform_type NATIVE, platform_version 1, shared_gpa_boundary 0
    plat_body = bytes.fromhex('01000000' '00' '00' '0100' '0000000000000000')
    headers = struct.pack('<II', 0x001, 16) + plat_body
    data_start = 24 + 16 + 8 + pages * 32
    for i in range(pages):
        # IGVM_VHS_PAGE_DATA: gpa, compatibility_mask, file_offset, flags, data_type, reserved
        body = struct.pack('<QIIIHH', 0x1000 * (i + 1), 1, data_start + 4096 * i, 0, 0, 0)
        headers += struct.pack('<II', 0x302, 24) + body
    total = data_start + 4096 * pages
    fixed = struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total, 0)
    crc = zlib.crc32(fixed + headers) & 0xffffffff
    fixed = struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total, crc)
    return fixed + headers + bytes([fill]) * (4096 * pages)

if __name__ == '__main__':
    fill = int(sys.argv[2], 0) if len(sys.argv) > 2 else 1
    pages = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    data = igvm(fill, pages)
    if fill == 1 and pages == 1:
        # golden: igvm.md section 1.13
        assert data[0x14:0x18] == bytes.fromhex('a13993e7'), data[0x14:0x18].hex()
        assert len(data) == 0x1050
    open(sys.argv[1], 'wb').write(data)
