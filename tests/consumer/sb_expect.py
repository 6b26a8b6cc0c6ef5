#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent check of a firmware TCG2 event log against the Secure Boot policy it must measure
(issue 17, tests/consumer/boot_tpm.sh).  Nothing here uses igvmkit: the expected PCR 7 events are
built from the test's own inputs (the ESLs read from Debian's OVMF_VARS file by this script, the
customer certificate), so agreement with the firmware proves the rules igvmkit's prediction
follows, and agreement with igvmkit then proves igvmkit.

  sb_expect.py store-esl VARS.fd OUTDIR
      writes OUTDIR/NAME.esl for each of PK, KEK, db, dbx, dbt that the edk2 variable store
      VARS.fd holds (authenticated-variable format, live VAR_ADDED entries).
  sb_expect.py check --log TCGLOG.BIN --pcr PCR7.TXT --secure-boot 0|1
                  [--pk F] [--kek F] [--db F] [--dbx F] [--dbt F]
                  [--authority OWNER-GUID:CERT] [--tpm2-eventlog YAML] [--json OUT]
      F is an .esl (its bytes are the variable's data) or a certificate (PEM or DER: one
      EFI_CERT_X509 list, owner from --owner, default the zero GUID); an absent option is an
      absent (empty) variable.  Checks, printing one line each and exiting 1 on any failure:
        - the log parses (Spec ID event, crypto-agile events) and every PCR 7 event's digests
          are the SHA-256/SHA-384 of its event data;
        - PCR 7 replayed from the log equals PCR7.TXT (read from the TPM by tcglog.efi);
        - the PCR 7 events are, event by event (type and data bytes), what edk2 measures:
          EV_EFI_VARIABLE_DRIVER_CONFIG SecureBoot, PK, KEK, db, dbx (dbt if given), EV_SEPARATOR,
          and with --authority one EV_EFI_VARIABLE_AUTHORITY for the db entry (owner + DER)
          that verified the image;
        - PCR 7 computed from those expected events alone equals the TPM's PCR 7;
        - with --tpm2-eventlog, the PCR 7 values tpm2_eventlog replayed equal the TPM's.
      --json writes the firmware's PCR 7 events and PCR values (the FW.json below).
  sb_expect.py compare FW.json PREDICTED.json
      the firmware's PCR 7 events and TPM values (check --json) against igvmkit's prediction
      (the "boot" object of `igvmkit measure --boot --json`): type, size, SHA-256 and SHA-384 of
      every event, in order, and PCR 7 in both banks; prints them side by side, exits 1 on a
      difference.

Sources: TCG PC Client Platform Firmware Profile 1.05 (event log, UEFI_VARIABLE_DATA, event
types); TCG EFI Protocol Specification (crypto-agile log); edk2-stable202211 (Debian 12's OVMF
2022.11) SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c (mVariableType order, MeasureAllSecureVariables,
empty variable = VariableDataLength 0) and SecurityPkg/Library/DxeImageVerificationLib
(EV_EFI_VARIABLE_AUTHORITY of the EFI_SIGNATURE_DATA in db); UEFI 2.10 §32 (EFI_SIGNATURE_LIST),
edk2 MdeModulePkg/Include/Guid/VariableFormat.h (AUTHENTICATED_VARIABLE_HEADER).
"""
import argparse
import base64
import hashlib
import json
import re
import struct
import sys
import uuid

EV_SEPARATOR = 0x4
EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001
EV_EFI_VARIABLE_AUTHORITY = 0x800000E0
EVENT_NAMES = {EV_SEPARATOR: "EV_SEPARATOR", EV_EFI_VARIABLE_DRIVER_CONFIG: "EV_EFI_VARIABLE_DRIVER_CONFIG",
               EV_EFI_VARIABLE_AUTHORITY: "EV_EFI_VARIABLE_AUTHORITY"}
ALGS = {0x0004: ("sha1", 20), 0x000B: ("sha256", 32), 0x000C: ("sha384", 48), 0x000D: ("sha512", 64)}
GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")  # EFI_GLOBAL_VARIABLE
IMAGE_DB = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")  # EFI_IMAGE_SECURITY_DATABASE_GUID
CERT_X509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")  # EFI_CERT_X509_GUID
AUTH_VAR_STORE = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")  # gEfiAuthenticatedVariableGuid
SECURE_VARS = [("PK", GLOBAL), ("KEK", GLOBAL), ("db", IMAGE_DB), ("dbx", IMAGE_DB), ("dbt", IMAGE_DB)]


class LogError(Exception):
    pass


def parse_log(data):
    """Crypto-agile TCG2 log -> list of (index, offset, pcr, type, {alg: digest}, event bytes)."""
    if len(data) < 32:
        raise LogError("log shorter than its first event header")
    pcr, etype = struct.unpack_from("<II", data, 0)
    (size,) = struct.unpack_from("<I", data, 28)
    spec = data[32:32 + size]
    if etype != 0x3 or not spec.startswith(b"Spec ID Event03\0"):
        raise LogError("first event is not a TCG_EfiSpecIdEvent")
    (nalg,) = struct.unpack_from("<I", spec, 24)
    sizes = {}
    for i in range(nalg):
        alg, dsize = struct.unpack_from("<HH", spec, 28 + 4 * i)
        sizes[alg] = dsize
    events = []
    off = 32 + size
    while off < len(data):
        start = off
        try:
            pcr, etype, count = struct.unpack_from("<III", data, off)
            off += 12
            digests = {}
            for _ in range(count):
                (alg,) = struct.unpack_from("<H", data, off)
                if alg not in sizes:
                    raise LogError(f"event {len(events) + 1} at offset {start}: algorithm 0x{alg:04x} not in Spec ID event")
                digests[ALGS.get(alg, (f"0x{alg:04x}",))[0]] = data[off + 2:off + 2 + sizes[alg]]
                off += 2 + sizes[alg]
            (esize,) = struct.unpack_from("<I", data, off)
            off += 4
        except struct.error:
            raise LogError(f"event {len(events) + 1} at offset {start}: truncated header") from None
        if off + esize > len(data):
            raise LogError(f"event {len(events) + 1} at offset {start}: event data runs past the end")
        events.append((len(events) + 1, start, pcr, etype, digests, data[off:off + esize]))
        off += esize
    return events


def variable_data(guid, name, data):
    """UEFI_VARIABLE_DATA (PFP 1.05 §10.4.1)."""
    uname = name.encode("utf-16-le")
    return guid.bytes_le + struct.pack("<QQ", len(name), len(data)) + uname + data


def read_cert_der(path):
    raw = open(path, "rb").read()
    m = re.search(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", raw, re.S)
    return base64.b64decode(b"".join(m.group(1).split())) if m else raw


def esl_of(path, owner):
    if path.endswith(".esl"):
        return open(path, "rb").read()
    der = read_cert_der(path)
    return CERT_X509.bytes_le + struct.pack("<III", 28 + 16 + len(der), 0, 16 + len(der)) + owner.bytes_le + der


def store_variables(path):
    """Live variables of an edk2 authenticated variable store (a VARS file or a unified OVMF.fd)."""
    img = open(path, "rb").read()
    if img[0x28:0x2C] != b"_FVH":
        raise SystemExit(f"{path}: no firmware volume header at offset 0")
    (hlen,) = struct.unpack_from("<H", img, 0x30)
    if uuid.UUID(bytes_le=img[hlen:hlen + 16]) != AUTH_VAR_STORE:
        raise SystemExit(f"{path}: offset {hlen}: not an authenticated variable store")
    (ssize,) = struct.unpack_from("<I", img, hlen + 16)
    off, end, out = hlen + 28, hlen + ssize, {}
    while off + 60 <= end:
        start_id, state, _, attrs = struct.unpack_from("<HBBI", img, off)
        if start_id != 0x55AA:
            break
        nsize, dsize = struct.unpack_from("<II", img, off + 36)
        guid = uuid.UUID(bytes_le=img[off + 44:off + 60])
        name = img[off + 60:off + 60 + nsize].decode("utf-16-le").rstrip("\0")
        data = img[off + 60 + nsize:off + 60 + nsize + dsize]
        if state == 0x3F:  # VAR_ADDED and not deleted
            out[(name, guid)] = data
        off = (off + 60 + nsize + dsize + 3) & ~3
    return out


def cmd_store_esl(args):
    variables = store_variables(args.store)
    for name, guid in SECURE_VARS:
        if (name, guid) in variables:
            with open(f"{args.outdir}/{name}.esl", "wb") as f:
                f.write(variables[(name, guid)])
            print(f"{name}.esl {len(variables[(name, guid)])} bytes")
    return 0


def expected_events(args):
    owner = uuid.UUID(args.owner)
    exp = [(EV_EFI_VARIABLE_DRIVER_CONFIG, "SecureBoot", variable_data(GLOBAL, "SecureBoot", bytes([args.secure_boot])))]
    for name, guid in SECURE_VARS:
        path = getattr(args, name.lower())
        if name == "dbt" and path is None:
            continue  # edk2 measures dbt only where it exists
        exp.append((EV_EFI_VARIABLE_DRIVER_CONFIG, name, variable_data(guid, name, esl_of(path, owner) if path else b"")))
    exp.append((EV_SEPARATOR, "separator", b"\0\0\0\0"))
    if args.authority:
        aowner, cert = args.authority.split(":", 1)
        sig_data = uuid.UUID(aowner).bytes_le + read_cert_der(cert)
        exp.append((EV_EFI_VARIABLE_AUTHORITY, "db (authority)", variable_data(IMAGE_DB, "db", sig_data)))
    return exp


def extend(events, alg):
    h = getattr(hashlib, alg)
    pcr = bytes(h().digest_size)
    for ev in events:
        pcr = h(pcr + h(ev).digest()).digest()
    return pcr


def cmd_check(args):
    failures = 0

    def verdict(ok, text):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + text)
        failures += 0 if ok else 1

    try:
        events = parse_log(open(args.log, "rb").read())
    except LogError as e:
        print(f"FAIL {args.log}: {e}")
        return 1
    tpm = {}
    for line in open(args.pcr):
        alg, value = line.split()
        tpm[alg] = None if value == "none" else bytes.fromhex(value)
    pcr7 = [e for e in events if e[2] == 7]
    exp = expected_events(args)
    print(f"log: {len(events)} events after the Spec ID event, {len(pcr7)} in PCR 7; expected {len(exp)}")
    for alg in ("sha256", "sha384"):
        if tpm.get(alg) is None:
            verdict(False, f"the TPM has no {alg} bank")
            continue
        bad = [e[0] for e in pcr7 if e[4].get(alg) != getattr(hashlib, alg)(e[5]).digest()]
        verdict(not bad, f"{alg}: each PCR 7 event's digest is the hash of its data" + (f" (not events {bad})" if bad else ""))
        replay = bytes(len(tpm[alg]))
        for e in pcr7:
            replay = getattr(hashlib, alg)(replay + e[4][alg]).digest()
        verdict(replay == tpm[alg], f"{alg}: PCR 7 replayed from the log {replay.hex()} = TPM {tpm[alg].hex()}")
        predicted = extend([x[2] for x in exp], alg)
        verdict(predicted == tpm[alg], f"{alg}: PCR 7 from the expected events alone {predicted.hex()}")
    for i in range(max(len(exp), len(pcr7))):
        got = pcr7[i] if i < len(pcr7) else None
        want = exp[i] if i < len(exp) else None
        gtype = EVENT_NAMES.get(got[3], hex(got[3])) if got else "(none)"
        label = want[1] if want else "(unexpected)"
        ok = got is not None and want is not None and got[3] == want[0] and got[5] == want[2]
        detail = f"#{got[0]} at {got[1]}" if got else "missing"
        verdict(ok, f"PCR 7 event {i + 1} {label}: {gtype} {detail} "
                    f"data {len(got[5]) if got else 0} bytes sha256 {got[4]['sha256'].hex() if got else '-'}"
                    + ("" if ok or not want or not got else f" (expected {len(want[2])} bytes, sha256 "
                                                            f"{hashlib.sha256(want[2]).hexdigest()})"))
    if args.tpm2_eventlog:
        text = open(args.tpm2_eventlog).read()
        for alg in ("sha256", "sha384"):
            m = re.search(rf"^  {alg}:\n(?:    \d+ *: 0x[0-9a-fA-F]+\n)*?    7 *: 0x([0-9a-fA-F]+)", text, re.M)
            value = bytes.fromhex(m.group(1)) if m else None
            verdict(value is not None and value == tpm.get(alg),
                    f"{alg}: tpm2_eventlog's replayed PCR 7 {value.hex() if value else '(none)'} = TPM")
    if args.json:
        doc = {"pcr7": {a: (v.hex() if v else None) for a, v in tpm.items()},
               "events": [{"index": e[0], "offset": e[1], "type": EVENT_NAMES.get(e[3], hex(e[3])),
                           "data_len": len(e[5]), "sha256": e[4]["sha256"].hex(),
                           "sha384": e[4]["sha384"].hex()} for e in pcr7]}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    return 1 if failures else 0


def cmd_compare(args):
    fw = json.load(open(args.fw))
    boot = json.load(open(args.predicted)).get("boot")
    if boot is None:
        print(f"FAIL {args.predicted}: no \"boot\" object (igvmkit measure --boot --json)")
        return 1
    pred = [e for e in boot["events"] if e.get("pcr") == 7]
    failures = 0
    for i in range(max(len(fw["events"]), len(pred))):
        f = fw["events"][i] if i < len(fw["events"]) else None
        p = pred[i] if i < len(pred) else None
        ok = (f is not None and p is not None and f["type"] == p["type"] and f["data_len"] == p["size"]
              and f["sha256"] == p["sha256"] and f["sha384"] == p["sha384"])
        failures += 0 if ok else 1
        name = p["name"] if p else "(not predicted)"
        print(f"{'ok  ' if ok else 'FAIL'} {i + 1} {name:<10} {p['type'] if p else '-':<30} "
              f"firmware #{f['index'] if f else '-'} sha256 {f['sha256'] if f else '(none)'}"
              + ("" if ok else f" / igvmkit {p['sha256'] if p else '(none)'} size {p['size'] if p else '-'}"
                                f" vs {f['data_len'] if f else '-'}"))
    for alg in ("sha256", "sha384"):
        ok = boot["pcr7"][alg] == fw["pcr7"][alg]
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} PCR 7 {alg} igvmkit {boot['pcr7'][alg]} TPM {fw['pcr7'][alg]}")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("store-esl")
    s.add_argument("store")
    s.add_argument("outdir")
    c = sub.add_parser("check")
    c.add_argument("--log", required=True)
    c.add_argument("--pcr", required=True)
    c.add_argument("--secure-boot", type=int, choices=(0, 1), required=True)
    for name, _ in SECURE_VARS:
        c.add_argument("--" + name.lower())
    c.add_argument("--owner", default=str(uuid.UUID(int=0)))
    c.add_argument("--authority")
    c.add_argument("--tpm2-eventlog")
    c.add_argument("--json")
    m = sub.add_parser("compare")
    m.add_argument("fw")
    m.add_argument("predicted")
    args = ap.parse_args()
    return {"store-esl": cmd_store_esl, "check": cmd_check, "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
