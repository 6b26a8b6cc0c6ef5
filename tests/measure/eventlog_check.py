#!/usr/bin/env python3
"""`igvmkit eventlog LOG --check INPUT`: a firmware log written by tcglog.py against igvmkit's
Secure Boot prediction for a variable store igvmkit built from signature lists written here.

The expected PCR 7 events are built from the inputs alone, as edk2 measures them
(SecurityPkg/Tcg/Tcg2Dxe MeasureAllSecureVariables: SecureBoot, PK, KEK, db, dbx as
EV_EFI_VARIABLE_DRIVER_CONFIG with UEFI_VARIABLE_DATA, then the PCR 7 separator; an image
verified by db adds EV_EFI_VARIABLE_AUTHORITY {db, SignatureOwner + certificate}).  Each case
changes the log the way a real mismatch would and checks the verdict names the variable.

usage: eventlog_check.py IGVMKIT
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tcglog  # noqa: E402
from tcglog import (SHA1, SHA256, SHA384, EFI_GLOBAL_VARIABLE, EFI_IMAGE_SECURITY_DATABASE,  # noqa: E402
                    EFI_CERT_X509, EFI_CERT_SHA256, OWNER, EV_EFI_VARIABLE_DRIVER_CONFIG,
                    EV_EFI_VARIABLE_AUTHORITY, EV_SEPARATOR)

ik = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="ik-eventlog-check-")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def path(name):
    return os.path.join(tmp, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def certificate():
    """DER of a real certificate: Debian ovmf's snakeoil PK/KEK, else one openssl makes."""
    pem = "/usr/share/ovmf/PkKek-1-snakeoil.pem"
    if not os.path.exists(pem):
        pem = path("made.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                            "/CN=igvmkit eventlog test", "-days", "1", "-keyout", path("made.key"),
                            "-out", pem], capture_output=True)
        if r.returncode != 0:
            print("SKIP: no certificate (neither Debian ovmf's snakeoil nor openssl)")
            sys.exit(77)
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], capture_output=True)
    if der.returncode != 0:
        print("SKIP: openssl cannot convert the certificate")
        sys.exit(77)
    return der.stdout


cert = certificate()
write("cert.der", cert)
pk = tcglog.esl(EFI_CERT_X509, OWNER, [cert])
db = tcglog.esl(EFI_CERT_X509, OWNER, [cert])
dbx = tcglog.esl(EFI_CERT_SHA256, OWNER, [hashlib.sha256(b"revoked").digest()])
for name, data in (("pk.esl", pk), ("kek.esl", pk), ("db.esl", db), ("dbx.esl", dbx)):
    write(name, data)
r = subprocess.run([ik, "vars", "store", "--pk", path("pk.esl"), "--kek", path("kek.esl"),
                    "--db", path("db.esl"), "--dbx", path("dbx.esl"), "-t", "0",
                    "-o", path("store.fd")], capture_output=True, text=True)
if r.returncode != 0:
    print(f"FAIL igvmkit vars store: {r.stderr}")
    sys.exit(1)

SB = [("SecureBoot", EFI_GLOBAL_VARIABLE, b"\x01"), ("PK", EFI_GLOBAL_VARIABLE, pk),
      ("KEK", EFI_GLOBAL_VARIABLE, pk), ("db", EFI_IMAGE_SECURITY_DATABASE, db),
      ("dbx", EFI_IMAGE_SECURITY_DATABASE, dbx)]
AUTHORITY = tcglog.guid_bytes(OWNER) + cert


def firmware_log(algs=(SHA1, SHA256), sb=SB, authority=False, cc=False, other_db=None):
    """What OVMF (TPM) or TDVF (cc) logs: other registers' events around the PCR 7 ones."""
    log = tcglog.Log(algs, cc=cc)
    reg7 = 1 if cc else 7
    if cc:  # TDVF: TD HOB and CFV into RTMR[0] first (OvmfPkg/IntelTdx TdxHelperLib)
        log.add(1, 0x8000000B, b"\x08TdHob\0\0" + bytes(16), digest_of=b"td hob")
        log.add(1, 0x8000000A, b"\x09Cfv\0\0\0\0\0\0" + bytes(16), digest_of=b"cfv")
    else:
        log.add(0, tcglog.EV_S_CRTM_VERSION, "1.0\0".encode("utf-16-le"))
    for name, guid, data in sb:
        if name == "db" and other_db is not None:
            data = other_db
        log.variable(reg7, EV_EFI_VARIABLE_DRIVER_CONFIG, guid, name, data)
    log.add(reg7, EV_SEPARATOR, bytes(4))
    log.variable(1 if not cc else 1, tcglog.EV_EFI_VARIABLE_BOOT, EFI_GLOBAL_VARIABLE, "BootOrder",
                 b"\x00\x00")
    log.add(2 if cc else 4, tcglog.EV_EFI_ACTION, b"Calling EFI Application from Boot Option")
    if authority:
        log.variable(reg7, EV_EFI_VARIABLE_AUTHORITY, EFI_IMAGE_SECURITY_DATABASE, "db", AUTHORITY)
    return log


def run_check(log, *extra, cc=False, json_out=False):
    lp = write("log.bin", log.bytes() + b"\xff" * 512)
    args = [ik, "eventlog", *(["--ccel"] if cc else []), *(["--json"] if json_out else []),
            lp, "--check", path("store.fd"), *extra]
    return subprocess.run(args, capture_output=True, text=True)


def pcr7(log, alg):
    return log.replay()[tcglog.ALGS[alg][0]][7 if not log.cc else 1]


# 1. The store as the firmware measured it: every event and PCR 7 match.
log = firmware_log()
r = run_check(log)
check(r.returncode == 0 and "verdict: match (6 of 6 Secure Boot events, PCR 7 equal)" in r.stdout
      and f"log {pcr7(log, SHA256)}, predicted {pcr7(log, SHA256)}: equal" in r.stdout,
      "matching log: exit 0, 6 events, PCR 7 sha256 equal (tcglog.py's replay)")
print(r.stdout)
r = run_check(log, json_out=True)
doc = json.loads(r.stdout) if r.returncode == 0 else {}
check(doc.get("check", {}).get("match") is True
      and [e["name"] for e in doc["check"]["events"]] == ["SecureBoot", "PK", "KEK", "db", "dbx", "separator"]
      and doc["check"]["pcr7"][0]["log"] == pcr7(log, SHA256),
      "--json: match, the six events named, PCR 7 from the log")

# 2. A customer db the prediction does not know: db differs, PCR 7 differs.
other = tcglog.esl(EFI_CERT_SHA256, OWNER, [hashlib.sha256(b"customer").digest()])
r = run_check(firmware_log(other_db=other))
check(r.returncode == 1 and "DIFFERENT     db" in r.stdout and "variable data: 76 bytes logged" in r.stdout
      and "PCR 7 differs" in r.stdout, "other db: exit 1, db DIFFERENT (its data sizes), PCR 7 differs")

# 3. dbx not measured: MISSING dbx.
r = run_check(firmware_log(sb=SB[:4]))
check(r.returncode == 1 and "MISSING       dbx" in r.stdout, "no dbx event: exit 1, dbx MISSING")

# 4. PK and KEK swapped: the order changes PCR 7.
r = run_check(firmware_log(sb=[SB[0], SB[2], SB[1], SB[3], SB[4]]))
check(r.returncode == 1 and "out of order" in r.stdout, "PK and KEK swapped: exit 1, out of order")

# 5. An image verified by db: EV_EFI_VARIABLE_AUTHORITY is not predicted without --sb-authority ...
log = firmware_log(authority=True)
r = run_check(log)
check(r.returncode == 1 and "NOT PREDICTED db" in r.stdout and "EV_EFI_VARIABLE_AUTHORITY" in r.stdout,
      "authority event, no --sb-authority: exit 1, NOT PREDICTED db")
# ... and is with the certificate that verified it.
r = run_check(log, "--sb-authority", path("cert.der"))
check(r.returncode == 0 and "verdict: match (7 of 7" in r.stdout
      and f"log {pcr7(log, SHA256)}, predicted {pcr7(log, SHA256)}: equal" in r.stdout,
      "authority event with --sb-authority cert.der: exit 0, 7 events, PCR 7 equal")

# 6. A log with SHA-384 only: PCR 7 compared in that bank.
log = firmware_log(algs=(SHA384,))
r = run_check(log)
check(r.returncode == 0 and f"PCR 7 sha384: log {pcr7(log, SHA384)}" in r.stdout
      and "the log has no sha256 bank" in r.stdout, "SHA-384 log: PCR 7 sha384 compared")

# 7. TDX CCEL: RTMR[0] (MR index 1) holds the TD HOB and CFV too; the Secure Boot events match.
# a CCEL log given without --ccel: every event missing from PCR 7, and a hint to give --ccel
r = run_check(firmware_log(algs=(SHA384,), cc=True))
check(r.returncode == 1 and "hint: no predicted event is in PCR 7" in r.stdout and "give --ccel" in r.stdout,
      "CC log without --ccel: exit 1 with the --ccel hint")
r = run_check(firmware_log(algs=(SHA384,), cc=True), json_out=True)
check(r.returncode == 1 and "give --ccel" in json.loads(r.stdout)["check"].get("hint", ""),
      "CC log without --ccel: JSON check.hint")
r = run_check(firmware_log())
check("hint:" not in r.stdout, "no hint for a TPM log")
r = run_check(firmware_log(algs=(SHA384,), cc=True), cc=True)
check(r.returncode == 0 and "Secure Boot events of RTMR[0]" in r.stdout and "RTMR[0] not compared" in r.stdout,
      "CCEL log: Secure Boot events of RTMR[0] match, RTMR[0] itself not compared")
r = run_check(firmware_log(algs=(SHA384,), cc=True, other_db=other), cc=True)
check(r.returncode == 1 and "DIFFERENT     db" in r.stdout, "CCEL log with another db: exit 1, db DIFFERENT")

# 8. A layout as INPUT: built as `igvmkit build` builds it, the store it seeds predicted.
if os.path.exists("/usr/share/ovmf/OVMF.fd"):
    lay = write("seeded.yaml", f"""version: 1
components:
  ovmf:
    type: ovmf
    file: /usr/share/ovmf/OVMF.fd
platforms:
  sev-snp:
variables:
  store: rom
  pk: {path("pk.esl")}
  kek: {path("kek.esl")}
  db: {path("db.esl")}
  dbx: {path("dbx.esl")}
outputs:
  igvm: seeded.igvm
""".encode())
    lp = write("log.bin", firmware_log().bytes())
    r = subprocess.run([ik, "eventlog", lp, "--check", lay], capture_output=True, text=True)
    check(r.returncode == 0 and "verdict: match (6 of 6" in r.stdout,
          f"layout INPUT (Debian OVMF.fd seeded with the lists): match {r.stderr.strip()}")
    check(not os.path.exists(path("seeded.igvm")) and not os.path.exists("seeded.igvm"),
          "layout INPUT: nothing written")
else:
    print("note: /usr/share/ovmf/OVMF.fd (Debian ovmf) absent: the layout INPUT case is left out")

# 9. Usage and bad INPUT.
r = subprocess.run([ik, "eventlog", path("log.bin"), "--sb-authority", path("cert.der")],
                   capture_output=True, text=True)
check(r.returncode == 2, "--sb-authority without --check: exit 2")
r = subprocess.run([ik, "eventlog", path("log.bin"), "--check", write("nostore.bin", b"no store here" * 10)],
                   capture_output=True, text=True)
check(r.returncode not in (0, 1) and "nostore.bin" in r.stderr and r.stdout == "",
      f"INPUT without a variable store: exit {r.returncode}, named: {r.stderr.strip()}")
other_cert = write("other.der", cert[:-1] + bytes([cert[-1] ^ 1]))
r = subprocess.run([ik, "eventlog", path("log.bin"), "--check", path("store.fd"), "--sb-authority", other_cert],
                   capture_output=True, text=True)
check(r.returncode == 3 and "other.der" in r.stderr and "db" in r.stderr and r.stdout == "",
      f"--sb-authority not in db: exit {r.returncode}, named: {r.stderr.strip()}")
r = subprocess.run([ik, "eventlog", write("bad.bin", b"\xff" * 64), "--check", path("store.fd")],
                   capture_output=True, text=True)
check(r.returncode == 7 and "bad.bin" in r.stderr, "--check with a log that is not one: exit 7")

shutil.rmtree(tmp)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
