#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a minimal x86-64 EFI application (PE32+) for firmware boot tests.

It prints a marker line through ConOut->OutputString and returns EFI_SUCCESS.
The layout follows the PE/COFF rules in docs/vars.md ("boot test"): headers in
0x200 bytes, one .text section at RVA 0x1000, no relocations needed (the code
is RIP-relative), NX_COMPAT, file length a multiple of 8 so every Authenticode
tool computes the same digest.

usage: make-hello-efi.py OUT.efi [MARKER]
"""
import struct
import sys

out = sys.argv[1]
marker = sys.argv[2] if len(sys.argv) > 2 else "IGVMKIT-EFI-APP-STARTED"
text = (marker + "\r\n").encode("utf-16-le") + b"\0\0"

FILE_ALIGN = 0x200
SECT_ALIGN = 0x1000
TEXT_RVA = 0x1000
MSG_OFF = 0x40  # message placed 0x40 bytes into .text

# sub rsp,0x28; mov rcx,[rdx+0x40] (SystemTable->ConOut); lea rdx,[rip+msg];
# call [rcx+8] (OutputString); xor eax,eax; add rsp,0x28; ret
code = bytearray(b"\x48\x83\xec\x28" b"\x48\x8b\x4a\x40")
lea_at = len(code)
code += b"\x48\x8d\x15\x00\x00\x00\x00"
code += b"\xff\x51\x08" b"\x31\xc0" b"\x48\x83\xc4\x28" b"\xc3"
struct.pack_into("<i", code, lea_at + 3, MSG_OFF - (lea_at + 7))
body = bytes(code).ljust(MSG_OFF, b"\xcc") + text
raw_size = (len(body) + FILE_ALIGN - 1) // FILE_ALIGN * FILE_ALIGN
body = body.ljust(raw_size, b"\0")

dos = bytearray(0x40)
dos[0:2] = b"MZ"
struct.pack_into("<I", dos, 0x3C, 0x40)

coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664, 1, 0, 0, 0, 0xF0, 0x022E)
size_of_image = TEXT_RVA + (len(body) + SECT_ALIGN - 1) // SECT_ALIGN * SECT_ALIGN
opt = struct.pack(
    "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
    0x20B, 0, 0, raw_size, 0, 0, TEXT_RVA, TEXT_RVA, 0x10000000, SECT_ALIGN, FILE_ALIGN,
    0, 0, 0, 0, 1, 1, 0, size_of_image, FILE_ALIGN, 0, 10, 0x0160,
    0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
opt += b"\0" * (16 * 8)
assert len(opt) == 0xF0
section = struct.pack("<8sIIIIIIHHI", b".text", len(body), TEXT_RVA, raw_size, FILE_ALIGN,
                      0, 0, 0, 0, 0x60000020)
headers = (bytes(dos) + coff + opt + section).ljust(FILE_ALIGN, b"\0")
with open(out, "wb") as f:
    f.write(headers + body)
