#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent model of the PCR 7 Secure Boot events edk2 measures (standard library only).

Written from the specifications, not from igvmkit's C code:
  * UEFI_VARIABLE_DATA (TCG PC Client Platform Firmware Profile, "UEFI_VARIABLE_DATA";
    edk2 MdePkg/Include/IndustryStandard/UefiTcgPlatform.h): VariableName (GUID, 16 bytes),
    UINT64 UnicodeNameLength (characters, no NUL), UINT64 VariableDataLength, UnicodeName
    (UTF-16LE, no NUL), VariableData.
  * Order and absent-variable rule: edk2-stable202211 SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c
    MeasureAllSecureVariables (SecureBoot, PK, KEK, db, dbx always, absent ones with length 0;
    dbt only when present), then MeasureSeparatorEvent(7) (UINT32 0).
  * SecureBoot value: AuthVariableLib (PK present and SecureBootEnable 1 or absent).
  * EV_EFI_VARIABLE_AUTHORITY: DxeImageVerificationLib Measurement.c (db GUID, "db",
    the EFI_SIGNATURE_DATA).
  * Extend: PCR = H(PCR || H(event data)), from zero.

Usage:
  sb_events_ref.py golden           print the golden values test_sb_events.c checks
  sb_events_ref.py check IGVMKIT STORE [AUTHORITY_DER...]
      read the store's variables with `igvmkit vars extract` (the existing, separately tested
      reader), model the events here and compare with `igvmkit measure --boot --json`.
"""
import hashlib
import json
import struct
import subprocess
import sys
import tempfile
import os
import uuid

GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c").bytes_le
IMAGE_DB = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f").bytes_le
SB_ENABLE_NS = "f0a30bc7-af08-4556-99c4-001009c93a44"


def uefi_variable_data(guid_le, name, data):
    uname = name.encode("utf-16-le")
    return guid_le + struct.pack("<QQ", len(name), len(data)) + uname + data


def extend(events, h):
    reg = bytes(h().digest_size)
    for e in events:
        reg = h(reg + h(e).digest()).digest()
    return reg


def events_for(vars_, secure_boot=None, authorities=(), separator=True):
    """vars_: {name: bytes}; absent names are missing.  Returns [(name, type, bytes)]."""
    if secure_boot is None:
        sbe = vars_.get("SecureBootEnable")
        secure_boot = 1 if "PK" in vars_ and (sbe is None or sbe[:1] == b"\x01") else 0
    out = [("SecureBoot", 0x80000001, uefi_variable_data(GLOBAL, "SecureBoot", bytes([secure_boot])))]
    for name, ns in (("PK", GLOBAL), ("KEK", GLOBAL), ("db", IMAGE_DB), ("dbx", IMAGE_DB)):
        out.append((name, 0x80000001, uefi_variable_data(ns, name, vars_.get(name, b""))))
    if "dbt" in vars_:
        out.append(("dbt", 0x80000001, uefi_variable_data(IMAGE_DB, "dbt", vars_["dbt"])))
    if separator:
        out.append(("separator", 4, struct.pack("<I", 0)))
    seen = []
    for a in authorities:
        if a in seen:
            continue
        seen.append(a)
        out.append(("db", 0x800000E0, uefi_variable_data(IMAGE_DB, "db", a)))
    return out


def golden():
    # the cases of tests/vars/test_sb_events.c, built the same way there
    owner = uuid.UUID("11111111-2222-3333-4444-555555555555").bytes_le
    sha256_type = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
    hash_ = bytes(range(32))
    entry = owner + hash_
    db = sha256_type + struct.pack("<III", 28 + 48, 0, 48) + entry
    cases = {
        "empty": events_for({}),
        "full": events_for({"PK": b"pk-data", "KEK": b"kek", "db": db, "dbx": b"x" * 5,
                            "dbt": b"t", "dbr": b"r"}, authorities=[entry, entry]),
        "sbe0": events_for({"PK": b"pk-data", "SecureBootEnable": b"\x00"}),
    }
    print("UEFI_VARIABLE_DATA(db, 010203):", uefi_variable_data(IMAGE_DB, "db", b"\x01\x02\x03").hex())
    for k, ev in cases.items():
        print(k, "events", len(ev))
        for name, t, data in ev:
            print("  %-10s %08x %4d sha256 %s" % (name, t, len(data), hashlib.sha256(data).hexdigest()))
        print("  pcr7 sha256", extend([e[2] for e in ev], hashlib.sha256).hex())
        print("  pcr7 sha384", extend([e[2] for e in ev], hashlib.sha384).hex())


def check(igvmkit, store, authorities):
    names = {"PK": None, "KEK": None, "db": None, "dbx": None, "dbt": None, "SecureBootEnable": SB_ENABLE_NS}
    vars_ = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, guid in names.items():
            out = os.path.join(tmp, n)
            cmd = [igvmkit, "vars", "extract", store, n, "-o", out] + (["--guid", guid] if guid else [])
            if subprocess.run(cmd, capture_output=True).returncode == 0:
                vars_[n] = open(out, "rb").read()
    auth_entries = []
    cmd = [igvmkit, "measure", "--boot", "--json", store]
    for a in authorities:
        der = open(a, "rb").read()
        cmd += ["--sb-authority", a]
        # the db entry holding this DER (owner + DER), found by walking the ESLs here
        db, off = vars_["db"], 0
        while off < len(db):
            size, hsize, ssize = struct.unpack_from("<III", db, off + 16)
            p = off + 28 + hsize
            while p < off + size:
                if db[p + 16:p + ssize] == der:
                    auth_entries.append(db[p:p + ssize])
                p += ssize
            off += size
    got = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)["boot"]
    want = events_for(vars_, authorities=auth_entries)
    fails = 0
    if len(got["events"]) != len(want):
        print("FAIL: %d events, model has %d" % (len(got["events"]), len(want)))
        return 1
    for g, (name, t, data) in zip(got["events"], want):
        ok = (g["name"] == name and g["size"] == len(data) and
              g["sha256"] == hashlib.sha256(data).hexdigest() and g["sha384"] == hashlib.sha384(data).hexdigest())
        print("%s: %s %s sha256 %s" % ("ok" if ok else "FAIL", store, name, g["sha256"]))
        fails += not ok
    for alg, key in ((hashlib.sha256, "sha256"), (hashlib.sha384, "sha384")):
        model = extend([e[2] for e in want], alg).hex()
        ok = model == got["pcr7"][key]
        print("%s: %s PCR 7 %s %s" % ("ok" if ok else "FAIL", store, key, model))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "golden":
        golden()
        sys.exit(0)
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    print(__doc__)
    sys.exit(2)
