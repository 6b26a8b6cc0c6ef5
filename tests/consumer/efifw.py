#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The '.efifw' payloads of a FUKI (PE image), read independently of igvmkit's fuki/ code.

usage: efifw.py FUKI.efi OUT   writes the payload of the only (else the first) '.efifw' section
                               to OUT and prints its firmware id; exit 1 when there is none.
"""
import struct
import sys


def efifw_payloads(path):
    """(fwid, payload) of each '.efifw' section of the PE image PATH (PE/COFF section table;
    the section body: u32 magic 0xFEEDDEAD, header_len, fwid_len with NUL, payload_len, then
    the id at header_len and the payload after it, as systemd's efi-firmware.h lays it out)."""
    data = open(path, "rb").read()
    if len(data) < 0x40 or data[:2] != b"MZ":
        return []
    lfanew = struct.unpack_from("<I", data, 0x3c)[0]
    if data[lfanew:lfanew + 4] != b"PE\0\0":
        return []
    nsec, = struct.unpack_from("<H", data, lfanew + 6)
    opt_size, = struct.unpack_from("<H", data, lfanew + 20)
    table = lfanew + 24 + opt_size
    out = []
    for i in range(nsec):
        name, vsize, _, raw, ptr = struct.unpack_from("<8sIIII", data, table + 40 * i)
        if name.rstrip(b"\0") != b".efifw":
            continue
        body = data[ptr:ptr + (min(vsize, raw) if vsize else raw)]
        magic, hlen, flen, plen = struct.unpack_from("<IIII", body, 0)
        if magic != 0xFEEDDEAD:
            raise ValueError("%s: .efifw section %d without the 0xFEEDDEAD magic" % (path, i))
        out.append((body[hlen:hlen + flen - 1].decode(), body[hlen + flen:hlen + flen + plen]))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    parts = efifw_payloads(sys.argv[1])
    if not parts:
        print("efifw.py: %s has no '.efifw' section" % sys.argv[1], file=sys.stderr)
        sys.exit(1)
    with open(sys.argv[2], "wb") as f:
        f.write(parts[0][1])
    print(parts[0][0])


if __name__ == "__main__":
    main()
