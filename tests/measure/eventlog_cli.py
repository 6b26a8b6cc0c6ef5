#!/usr/bin/env python3
"""`igvmkit eventlog` end to end: listing and replay of logs built here by tcglog.py (an
independent writer following the TCG PC Client PFP layout), the replay against tcglog.py's own
replay and against Debian's tpm2_eventlog (tpm2-tools 5.4, its `pcrs:` section), TPM and CC
(TDX CCEL) logs, 0x00/0xff fill, and a bad-input table: every error names the event index and
the byte offset and exits with the code docs/exit-codes.md gives.

usage: eventlog_cli.py IGVMKIT
"""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tcglog  # noqa: E402
from tcglog import SHA1, SHA256, SHA384, SHA512, SM3  # noqa: E402

ik = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="ik-eventlog-")
failures = []
figures = {"registers": 0, "tpm2_eventlog": 0, "tpm2_compared": 0}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def run(*args):
    return subprocess.run([ik, "eventlog", *args], capture_output=True, text=True)


def listing(path, *opts):
    r = run("--json", *opts, path)
    if r.returncode != 0:
        raise SystemExit(f"FAIL igvmkit eventlog --json {path}: exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def replayed(doc):
    """{alg: {register index: hex}} from igvmkit's JSON."""
    return {b["algorithm"]: {r["index"]: r["value"] for r in b["registers"]}
            for b in doc["banks"] if b["replayed"]}


def tpm2_pcrs(path):
    """{alg: {pcr: hex}} of tpm2_eventlog's `pcrs:` section."""
    r = subprocess.run(["tpm2_eventlog", path], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    out, bank, in_pcrs = {}, None, False
    for line in r.stdout.splitlines():
        if line.startswith("pcrs:"):
            in_pcrs = True
            continue
        if not in_pcrs:
            continue
        m = re.match(r"^  (\w+):$", line)
        if m:
            bank = out.setdefault(m.group(1), {})
            continue
        m = re.match(r"^    (\d+)\s*: 0x([0-9A-Fa-f]+)$", line)
        if m and bank is not None:
            bank[int(m.group(1))] = m.group(2).lower()
    return out


def tpm2_54_pcr0(log, alg):
    """PCR 0 as tpm2_eventlog 5.4 replays it: from zero, and it extends EV_NO_ACTION events'
    (zero) digests too, so a StartupLocality event changes PCR 0 differently from the
    specification (PFP "StartupLocality": PCR 0 starts at the locality)."""
    import hashlib
    name, size = tcglog.ALGS[alg]
    reg = bytes(size)
    for pcr, etype, _data, digests in log.events:
        if pcr == 0:
            d = bytes(size) if etype == tcglog.EV_NO_ACTION else digests[alg]
            reg = hashlib.new(name, reg + d).digest()
    return reg.hex()


have_tpm2 = shutil.which("tpm2_eventlog") is not None
if not have_tpm2:
    print("note: tpm2_eventlog (Debian tpm2-tools) not installed: the cross-check is left out")

# ---- good logs: igvmkit's replay == tcglog.py's replay == tpm2_eventlog's ----
try:
    hashlib.new("sm3")
    sm3 = [SM3]
except ValueError:
    sm3 = []
cases = [
    ("tpm-sha1-sha256-locality3", tcglog.secure_boot_log((SHA1, SHA256), locality=3), b"", False),
    ("tpm-four-banks-ff-fill", tcglog.secure_boot_log((SHA1, SHA256, SHA384, SHA512), locality=None),
     b"\xff" * 4096, False),
    ("tpm-sha256-zero-fill", tcglog.secure_boot_log((SHA256,), locality=None), bytes(100), False),
    ("tpm-sha256-sha384-sm3", tcglog.secure_boot_log((SHA256, SHA384, *sm3), locality=0), b"", False),
    ("cc-sha384-ff-fill", tcglog.secure_boot_log((SHA384,), cc=True, pcr7=1, pcr4=2),
     b"\xff" * 65536 if True else b"", True),
]
for name, log, fill, cc in cases:
    path = write(name + ".bin", log.bytes() + fill)
    bare = write(name + ".nofill.bin", log.bytes())
    doc = listing(path, *(["--ccel"] if cc else []))
    want = {("sm3_256" if a == "sm3" else a): regs for a, regs in log.replay().items()}
    got = replayed(doc)
    check(doc["fill_bytes"] == len(fill) and doc["log_bytes"] == len(log.bytes()),
          f"{name}: {len(log.records)} events, {len(fill)} bytes of fill recognised")
    check(len(doc["events"]) == len(log.records), f"{name}: every event listed")
    check(got == {a: {int(k): v for k, v in regs.items()} for a, regs in want.items() if a in got}
          and set(got) == set(want),
          f"{name}: igvmkit replay == tcglog.py replay ({', '.join(sorted(got))})")
    figures["registers"] += sum(len(v) for v in got.values())
    variables = [e["variable"]["name"] for e in doc["events"]
                 if e["type_name"] == "EV_EFI_VARIABLE_DRIVER_CONFIG"]
    check(variables == ["SecureBoot", "PK", "KEK", "db", "dbx"],
          f"{name}: Secure Boot variables decoded: {variables}")
    if cc:
        check(doc["events"][0]["register_name"] == "MRTD"
              and all(e["register_name"].startswith("RTMR") for e in doc["events"][1:]),
              f"{name}: MR indexes named RTMR[n]")
    if not have_tpm2:
        continue
    theirs = tpm2_pcrs(bare)
    check(theirs is not None, f"{name}: tpm2_eventlog reads the log")
    if theirs is None:
        continue
    for alg, regs in got.items():
        tname = {"sm3_256": "sm3_256"}.get(alg, alg)
        if tname not in theirs:
            continue
        for idx, value in regs.items():
            if idx == 0 and log.locality is not None and not cc:
                # tpm2-tools 5.4 extends the StartupLocality event itself (see tpm2_54_pcr0).
                alg_id = next(a for a, (n, _s) in tcglog.ALGS.items() if n == alg or (n, alg) == ("sm3", "sm3_256"))
                check(theirs[tname].get(0) == tpm2_54_pcr0(log, alg_id),
                      f"{name}: tpm2_eventlog {alg} PCR 0 differs only by its StartupLocality handling")
                continue
            ok = theirs[tname].get(idx) == value
            figures["tpm2_eventlog"] += ok
            figures["tpm2_compared"] += 1
            if not ok:
                check(False, f"{name}: {alg} register {idx}: igvmkit {value}, tpm2_eventlog {theirs[tname].get(idx)}")
        check(set(theirs[tname]) == set(regs), f"{name}: tpm2_eventlog {alg} lists the same registers")

# ---- real logs: Debian OVMF under swtpm, recorded by tests/consumer/boot_tpm.sh (tests/consumer/recorded/README.md) ----
data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "consumer", "recorded")
REAL = [  # file, PCR 7 the TPM reported (sha256, sha384), Debian store it matches, its sha256
    ("ovmf-4m-empty.tcglog",
     ("65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068",
      "98441c7f7625d10058c47683aec486ce311c633235eb555593a7ee791121e3578ae72d04ecef661f272d59058b77af35"),
     "/usr/share/OVMF/OVMF_VARS_4M.fd", "5d2ac383371b408398accee7ec27c8c09ea5b74a0de0ceea6513388b15be5d1e", 0),
    ("ovmf-4m-ms.tcglog",
     ("81b7f651b9b1f31e4824b72743979a27f1b1aa4b3b058c49c297494e2b5d4843",
      "7a9fce8ba3e8ff8df6a013eb0f1a1c3605e7157b8db3af9efa1ef6b4ed8bfb726ac4d5705c9b24102fe77b16887a6150"),
     "/usr/share/OVMF/OVMF_VARS_4M.ms.fd", "e6044c5d1fd81998a5967d907ec425e48da534832c7d9b0b4c7a702b62019c50", 1),
]
for name, tpm_pcr7, store, store_sha, check_exit in REAL:
    path = os.path.join(data, name)
    doc = listing(path)
    got = replayed(doc)
    check((got["sha256"][7], got["sha384"][7]) == tpm_pcr7,
          f"real {name}: PCR 7 replayed == the TPM's PCR 7 (sha256, sha384)")
    names = [e["variable"]["name"] for e in doc["events"] if e["type_name"] == "EV_EFI_VARIABLE_DRIVER_CONFIG"]
    check(names == ["SecureBoot", "PK", "KEK", "db", "dbx"], f"real {name}: variables {names}")
    if have_tpm2:
        theirs = tpm2_pcrs(path)
        same = sum(theirs.get(a, {}).get(i) == v for a, regs in got.items() for i, v in regs.items())
        total = sum(len(v) for v in got.values())
        figures["tpm2_eventlog"] += same
        figures["tpm2_compared"] += total
        check(same == total and {a: set(v) for a, v in theirs.items()} == {a: set(v) for a, v in got.items()},
              f"real {name}: {same}/{total} registers equal tpm2_eventlog's")
    # --check against the Debian store it was booted from (the ms log: with SecureBootEnable=0,
    # so only SecureBoot differs from the shipped, enforcing store).
    if os.path.exists(store) and hashlib.sha256(open(store, "rb").read()).hexdigest() == store_sha:
        r = run(path, "--check", store)
        want = ("verdict: match (6 of 6" if check_exit == 0
                else "DIFFERENT     SecureBoot   event 4 at 0x193: value 00 logged, 01 predicted")
        check(r.returncode == check_exit and want in r.stdout,
              f"real {name} --check {os.path.basename(store)}: exit {r.returncode}, '{want}'")
    else:
        print(f"note: {store} is not the Debian 12 build the log was taken with: --check left out")

# ---- the text listing ----
log = tcglog.secure_boot_log((SHA1, SHA256), locality=3)
path = write("text.bin", log.bytes())
r = run(path)
check(r.returncode == 0 and "PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG" in r.stdout
      and "db d719b2cb-3d3a-4596-a3bc-dad00e67656f" in r.stdout and "startup locality: 3" in r.stdout
      and re.search(r"PCR 7\s+" + log.replay()["sha256"][7], r.stdout) is not None,
      "text listing: variable events, startup locality, PCR 7")
r = run("-q", path)
check(r.returncode == 0 and r.stdout == "", "-q prints nothing")
odd_name = write("line\nbreak.bin", log.bytes())
r = run(odd_name)
check(r.returncode == 0 and r.stdout.splitlines()[0].endswith("line\\nbreak.bin: TPM 2.0 crypto-agile event log "
                                                             "(Spec ID Event03, version 2.0 errata 0, UINTN 2 bytes)"),
      "a file name with a newline is escaped in the listing")

# An EV_EFI_VARIABLE_* event whose data is not UEFI_VARIABLE_DATA is listed, not refused.
odd = tcglog.Log((SHA256,))
odd.add(7, tcglog.EV_EFI_VARIABLE_DRIVER_CONFIG, b"\x01\x02\x03")
path = write("odd-variable.bin", odd.bytes())
doc = listing(path)
check("variable_error" in doc["events"][1], "undecodable UEFI_VARIABLE_DATA is listed with the reason")

# ---- bad input: (name, bytes, exit code, event index, record offset, message part) ----
base = tcglog.secure_boot_log((SHA1, SHA256), locality=None)
raw = base.bytes()
offs = base.offsets()


def patched(at, data):
    return raw[:at] + data + raw[at + len(data):]


spec_len = len(base.records[0])
cc_mr0 = tcglog.Log((SHA384,), cc=True)
cc_mr0.add(0, tcglog.EV_SEPARATOR, bytes(4))
sha1_log = struct.pack("<II", 0, tcglog.EV_S_CRTM_VERSION) + bytes(20) + struct.pack("<I", 4) + b"1.0\0"
v02 = tcglog.first_record(b"Spec ID Event02\0" + bytes(12))
ccel_table = b"CCEL" + struct.pack("<I", 56) + bytes(28) + bytes([1, 0, 0, 0]) + \
    struct.pack("<QQ", 0x10000, 0x7F000000)
many_algs = tcglog.first_record(tcglog.spec_id_event([SHA256] * 17))
bad = [
    ("truncated-digest", raw[:offs[5] + 20], 3, 5, offs[5], "sha1 digest"),
    ("truncated-header", raw[:offs[7] + 6], 3, 7, offs[7], "record truncated: 6 bytes left"),
    ("truncated-event-data", raw[:-3], 3, len(offs) - 1, offs[-1], "EventSize"),
    ("unknown-algorithm", patched(offs[3] + 12, struct.pack("<H", 0x0099)), 3, 3, offs[3],
     "algorithm 0x0099"),
    ("digest-count-3-of-2", patched(offs[2] + 8, struct.pack("<I", 3)), 3, 2, offs[2], "digest count 3"),
    ("digest-count-huge", patched(offs[4] + 8, struct.pack("<I", 0xFFFFFFFF)), 3, 4, offs[4],
     "digest count 4294967295"),
    ("duplicate-algorithm", patched(offs[2] + 34, struct.pack("<H", SHA1)), 3, 2, offs[2],
     "repeats algorithm 0x0004"),
    ("event-size-past-end", patched(offs[-1] + 68, struct.pack("<I", 0x7FFFFFFF)), 3,
     len(offs) - 1, offs[-1], "EventSize 2147483647"),
    ("spec-id-sha256-size-20", patched(32 + 28 + 4 + 2, struct.pack("<H", 20)), 3, 0, 0,
     "sha256 (0x000b) digests are 20 bytes"),
    ("pcr-index-30", patched(offs[3], struct.pack("<I", 30)), 3, 3, offs[3], "PCRIndex 30"),
    ("trailing-garbage", raw + b"\x01\x02\x03", 3, len(offs), len(raw), "3 bytes left"),
    ("fill-then-garbage", raw + b"\xff" * 16 + b"\x01", 3, len(offs), len(raw), "digest count"),
    ("cc-mr-index-0", cc_mr0.bytes(), 3, 1, cc_mr0.offsets()[1], "MR index 0"),
    # a TPM log given with --ccel: its PCR 0 event is no RTMR, and the message says what to do
    ("cc-given-a-tpm-log", raw, 3, 1, offs[1], "read without --ccel"),
    ("too-many-algorithms", many_algs, 6, 0, 0, "17 algorithms"),
    ("sha1-tcg12-log", sha1_log, 7, 0, 0, "not a crypto-agile event log"),
    ("spec-id-event02", v02, 7, 0, 0, "Spec ID Event02"),
    ("ccel-acpi-table", ccel_table, 7, 0, 0, "/sys/firmware/acpi/tables/data/CCEL"),
    ("all-ff-area", b"\xff" * 4096, 7, 0, 0, "no events"),
    ("empty", b"", 7, 0, 0, "fewer than the 32"),
]
for name, data, code, idx, off, part in bad:
    path = write("bad-" + name + ".bin", data)
    opts = ["--ccel"] if name.startswith("cc-") else []
    r = run(*opts, path)
    place = f"event {idx} at offset 0x{off:x}"
    check(r.returncode == code and place in r.stderr and part in r.stderr and r.stdout == ""
          and os.path.basename(path) in r.stderr,
          f"bad {name}: exit {r.returncode} (want {code}), '{place}', '{part}'"
          + ("" if r.returncode == code and place in r.stderr and part in r.stderr
             else f" -- got: {r.stderr.strip()}"))

r = run()
check(r.returncode == 2, "no LOG: exit 2")
r = run(os.path.join(tmp, "missing.bin"))
check(r.returncode == 4, "missing LOG: exit 4")

print(f"figures: {figures['registers']} registers of the written logs equal tcglog.py's replay; "
      f"{figures['tpm2_eventlog']} of {figures['tpm2_compared']} registers compared equal "
      "tpm2_eventlog's (PCR 0 of StartupLocality logs aside)")
shutil.rmtree(tmp)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
