#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes an x86-64 EFI application that calls SetVariable once and reports the result.

The application calls RuntimeServices->SetVariable(NAME, GUID, ATTR, size, DATA) with the
bytes of DATA (e.g. an EFI_VARIABLE_AUTHENTICATION_2 file) and prints "SETVAR-OK" when it
returns EFI_SUCCESS, "SETVAR-FAIL" otherwise, on ConOut.  Layout as make-hello-efi.py.

usage: make-setvar-efi.py OUT.efi NAME GUID ATTR DATAFILE
"""
import struct
import sys
import uuid

out, name, guid, attr, data_path = sys.argv[1:6]
attr = int(attr, 0)
data = open(data_path, "rb").read()

FILE_ALIGN, SECT_ALIGN, TEXT_RVA = 0x200, 0x1000, 0x1000

# Data items placed after the code, 16-byte aligned.
items = {
    "name": name.encode("utf-16-le") + b"\0\0",
    "guid": uuid.UUID(guid).bytes_le,
    "ok": "SETVAR-OK\r\n".encode("utf-16-le") + b"\0\0",
    "fail": "SETVAR-FAIL\r\n".encode("utf-16-le") + b"\0\0",
    "data": data,
}

code = bytearray()
fixups = []  # (offset of disp32, item name)


def emit(b):
    code.extend(b)


def lea(prefix, item):
    emit(prefix)
    fixups.append((len(code), item))
    emit(b"\0\0\0\0")


emit(b"\x53")                      # push rbx
emit(b"\x48\x83\xec\x30")          # sub rsp,0x30
emit(b"\x48\x89\xd3")              # mov rbx,rdx           (SystemTable)
emit(b"\x48\x8b\x43\x58")          # mov rax,[rbx+0x58]    (RuntimeServices)
lea(b"\x48\x8d\x0d", "name")       # lea rcx,[rip+name]
lea(b"\x48\x8d\x15", "guid")       # lea rdx,[rip+guid]
emit(b"\x41\xb8" + struct.pack("<I", attr))        # mov r8d,attr
emit(b"\x49\xb9" + struct.pack("<Q", len(data)))   # mov r9,size
lea(b"\x4c\x8d\x15", "data")       # lea r10,[rip+data]
emit(b"\x4c\x89\x54\x24\x20")      # mov [rsp+0x20],r10    (5th argument)
emit(b"\xff\x50\x58")              # call [rax+0x58]       (SetVariable)
emit(b"\x48\x85\xc0")              # test rax,rax
lea(b"\x48\x8d\x15", "ok")         # lea rdx,[rip+ok]
lea(b"\x4c\x8d\x05", "fail")       # lea r8,[rip+fail]
emit(b"\x49\x0f\x45\xd0")          # cmovnz rdx,r8
emit(b"\x48\x8b\x4b\x40")          # mov rcx,[rbx+0x40]    (ConOut)
emit(b"\xff\x51\x08")              # call [rcx+8]          (OutputString)
emit(b"\x31\xc0")                  # xor eax,eax
emit(b"\x48\x83\xc4\x30")          # add rsp,0x30
emit(b"\x5b")                      # pop rbx
emit(b"\xc3")                      # ret

body = bytearray(code)
where = {}
for k, v in items.items():
    body.extend(b"\xcc" * (-len(body) % 16))
    where[k] = len(body)
    body.extend(v)
for off, item in fixups:
    struct.pack_into("<i", body, off, where[item] - (off + 4))
raw_size = (len(body) + FILE_ALIGN - 1) // FILE_ALIGN * FILE_ALIGN
body = bytes(body).ljust(raw_size, b"\0")

dos = bytearray(0x40)
dos[0:2] = b"MZ"
struct.pack_into("<I", dos, 0x3C, 0x40)
coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664, 1, 0, 0, 0, 0xF0, 0x022E)
size_of_image = TEXT_RVA + (len(body) + SECT_ALIGN - 1) // SECT_ALIGN * SECT_ALIGN
opt = struct.pack(
    "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
    0x20B, 0, 0, raw_size, 0, 0, TEXT_RVA, TEXT_RVA, 0x10000000, SECT_ALIGN, FILE_ALIGN,
    0, 0, 0, 0, 1, 1, 0, size_of_image, FILE_ALIGN, 0, 10, 0x0160,
    0x100000, 0x1000, 0x100000, 0x1000, 0, 16) + b"\0" * (16 * 8)
section = struct.pack("<8sIIIIIIHHI", b".text", len(body), TEXT_RVA, raw_size, FILE_ALIGN,
                      0, 0, 0, 0, 0x60000020)
headers = (bytes(dos) + coff + opt + section).ljust(FILE_ALIGN, b"\0")
with open(out, "wb") as f:
    f.write(headers + body)
