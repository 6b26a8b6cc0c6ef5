#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 14 (security settings and actionable errors): each CASE is one ctest entry.

usage: test_security_settings.py IGVMKIT SRCDIR CASE

Cases needing Debian's OVMF.fd (package ovmf) or openssl skip with 77 when absent.
Bit positions checked here are those of docs/measure.md "Policy bits" (AMD SEV-SNP
Firmware ABI 56860 rev. 1.57 §4.3 for the SNP policy; IGVM TdxPolicy for TDX).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

IK, SRC, CASE = sys.argv[1:4]
IK = os.path.abspath(IK)
OVMF = "/usr/share/ovmf/OVMF.fd"
SKIP = 77
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def need_ovmf():
    if not os.path.exists(OVMF):
        print("SKIP: %s not installed (Debian package ovmf)" % OVMF)
        sys.exit(SKIP)


def need_tool(tool):
    if not shutil.which(tool):
        print("SKIP: %s not installed" % tool)
        sys.exit(SKIP)


def run(args, env=None, cwd=None):
    e = {k: v for k, v in os.environ.items() if k != "SNP_POLICY"}
    if env:
        e.update(env)
    return subprocess.run([IK] + args, capture_output=True, text=True, env=e, cwd=cwd)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def layout(tmp, name, body):
    path = os.path.join(tmp, name + ".yaml")
    write(path, body)
    return path


def refused(tmp, name, body, code, pattern, extra=()):
    """The build fails with CODE, the message matches PATTERN, nothing is written."""
    path = layout(tmp, name, body)
    out = os.path.join(tmp, "out-" + name)
    r = run(["build", "-q", "-o", out] + list(extra) + [path])
    check(r.returncode == code, "%s: exit %d != %d: %s" % (name, r.returncode, code, r.stderr))
    check(re.search(pattern, r.stderr) is not None, "%s: message %r lacks %r" % (name, r.stderr, pattern))
    check(not os.path.exists(out) or os.listdir(out) == [], "%s: output written" % name)
    return r


def make_cert(d, name):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    r = subprocess.run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=igvmkit test %s/" % name, "-days", "3650", "-keyout", key,
                        "-out", cert], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("openssl req: " + r.stderr)
    return key, cert


OVMF_SNP = "platforms:\n  sev-snp:\n    policy: %s\ncomponents:\n  o: {type: ovmf, file: " + OVMF + "}\n"


def case_policy_bits(tmp):
    """Item 5: reserved policy / SEV_FEATURES bits refused at line:column; weakening bits warned."""
    need_ovmf()
    at = r"\.yaml:line 3, column 13: 'platforms\.sev-snp\.policy': SNP guest policy "
    refused(tmp, "all-ones", OVMF_SNP % "0xffffffffffffffff", 3,
            at + r"0xffffffffffffffff sets reserved bit\(s\) 0xfffffffffc000000")
    refused(tmp, "bit63", OVMF_SNP % "0x8000000000030000", 3, at + r".*reserved bit\(s\) 0x8000000000000000")
    refused(tmp, "bit36", OVMF_SNP % "0x1000030000", 3, at + r".*reserved bit\(s\) 0x1000000000")
    refused(tmp, "no-mbo", OVMF_SNP % "0x10000", 3, at + r"0x10000 lacks bit 17")
    refused(tmp, "tdx", "platforms:\n  tdx:\n    policy: 0x10000002\ncomponents:\n  o: {type: ovmf, file: %s}\n"
            % OVMF, 3, r"line 3, column 13: 'platforms\.tdx\.policy': TDX guest policy 0x10000002 sets reserved bit\(s\) 0x10000000")
    refused(tmp, "features", "platforms:\n  sev-snp:\n    sev-features: 0x800001\ncomponents:\n"
            "  o: {type: ovmf, file: %s}\n" % OVMF, 3,
            r"line 3, column 19: 'platforms\.sev-snp\.sev-features': SEV_FEATURES 0x800001 sets reserved bit\(s\) 0x800000")
    # --print-layout agrees with the build: the same error, no layout shown
    r = run(["build", "--print-layout", os.path.join(tmp, "all-ones.yaml")])
    check(r.returncode == 3 and "reserved bit" in r.stderr and r.stdout == "", "--print-layout: " + r.stderr)
    # every allowed bit builds and is written as given (never dropped)
    out = os.path.join(tmp, "ok")
    path = layout(tmp, "allbits", OVMF_SNP % "0x3ffffff")
    r = run(["build", "-o", out, path])
    check(r.returncode == 0, "all known bits build: " + r.stderr)
    if r.returncode == 0:
        j = json.loads(run(["inspect", "--json", os.path.join(out, "allbits.igvm")]).stdout)
        pol = [h["fields"]["policy"] for h in j["headers"] if h["type"] == "GUEST_POLICY"]
        check(pol == ["0x3ffffff"], "policy written as given: %s" % pol)
        check(re.search(r"allbits\.yaml:2:3: sev-snp policy 0x3ffffff sets MIGRATE_MA .*DEBUG", r.stderr) is not None,
              "summary warns of MIGRATE_MA and DEBUG: " + r.stderr)
        m = json.load(open(os.path.join(out, "allbits.measurements.json")))
        check(any("DEBUG" in w and "MIGRATE_MA" in w for w in m.get("warnings", [])),
              "measurements JSON records the warning: %s" % m.get("warnings"))
    # a safe policy: no warning, no "warnings" key
    out = os.path.join(tmp, "safe")
    r = run(["build", "-o", out, layout(tmp, "safe", OVMF_SNP % "0x30000")])
    m = json.load(open(os.path.join(out, "safe.measurements.json"))) if r.returncode == 0 else {}
    check(r.returncode == 0 and "warning" not in r.stderr and "warnings" not in m, "safe policy: " + r.stderr)
    # TDX DEBUG_ALLOWED warns too
    out = os.path.join(tmp, "tdxdbg")
    r = run(["build", "-o", out, layout(tmp, "tdxdbg", "platforms:\n  tdx:\n    policy: 0x3\ncomponents:\n"
                                                      "  o: {type: ovmf, file: %s}\n" % OVMF)])
    check(r.returncode == 0 and "tdx policy 0x3 sets DEBUG_ALLOWED" in r.stderr, "TDX debug warning: " + r.stderr)


def case_sign_id_block_policy(tmp):
    """Item 5/13: sign-id-block --policy refuses reserved bits at the option, not at a header."""
    for pol, want in (("0xffffffffffffffff", "reserved bit"), ("0x10000", "lacks bit 17")):
        r = run(["sign-id-block", "--policy", pol, "--id-key", "k.pem", "-o", "x.igvm", "in.igvm"], cwd=tmp)
        check(r.returncode == 2 and "--policy: SNP guest policy" in r.stderr and want in r.stderr
              and "header" not in r.stderr, "--policy %s: %d %s" % (pol, r.returncode, r.stderr))


def case_secure_boot_setup_mode(tmp):
    """Item 6: a store without PK warns and records setup mode, by layout and by regen."""
    need_ovmf()
    need_tool("openssl")
    make_cert(tmp, "db")
    make_cert(tmp, "PK")
    base = "platforms: [sev-snp]\ncomponents:\n  o: {type: ovmf, file: %s}\nvariables:\n  secure-boot: true\n  db: [db.pem]\n" % OVMF
    for name, body, pk in (("nopk", base, False), ("withpk", base + "  pk: PK.pem\n", True)):
        out = os.path.join(tmp, name)
        r = run(["build", "-o", out, layout(tmp, name, body)])
        check(r.returncode == 0, "%s builds: %s" % (name, r.stderr))
        check(("setup mode" in r.stderr) == (not pk), "%s: setup-mode warning iff no PK: %s" % (name, r.stderr))
        if r.returncode == 0:
            sb = json.load(open(os.path.join(out, name + ".measurements.json"))).get("secure_boot")
            check(sb == {"enabled": True, "pk_present": pk, "setup_mode": not pk}, "%s: secure_boot %s" % (name, sb))
    # regen --db and regen --secure-boot --db: the same warning and record
    vendor = os.path.join(tmp, "withpk", "withpk.igvm")
    plain = os.path.join(tmp, "plain")
    r = run(["build", "-q", "-o", plain, layout(tmp, "plain", "platforms: [sev-snp]\ncomponents:\n  o: {type: ovmf, file: %s}\n" % OVMF)])
    check(r.returncode == 0, "plain build: " + r.stderr)
    for extra in ((), ("--secure-boot",)):
        out = os.path.join(tmp, "regen%d.igvm" % len(extra))
        r = run(["regen", "--db", os.path.join(tmp, "db.pem")] + list(extra) +
                ["--vcpus", "1", "-o", out, os.path.join(plain, "plain.igvm")])
        check(r.returncode == 0 and "no PK is enrolled" in r.stderr and "setup mode" in r.stderr,
              "regen %s warns: %s" % (extra, r.stderr))
        js = out + ".measurements.json"  # regen names it after the whole output (docs/cmd/regen.md)
        sb = json.load(open(js)).get("secure_boot") if os.path.exists(js) else None
        check(sb is not None and sb["pk_present"] is False and sb["setup_mode"] is True, "regen %s records %s" % (extra, sb))
    # a store that keeps its PK: no warning
    out = os.path.join(tmp, "regenpk.igvm")
    r = run(["regen", "--db", os.path.join(tmp, "db.pem"), "--vcpus", "1", "-o", out, vendor])
    check(r.returncode == 0 and "setup mode" not in r.stderr, "regen with PK kept: " + r.stderr)


def case_hermetic(tmp):
    """Item 7/16: the environment reaches ${NAME} only when allowed; the summary lists outside values."""
    need_ovmf()
    lay = os.path.join(SRC, "layouts", "default.yaml")

    def snp_policy(d):
        j = json.loads(run(["inspect", "--json", os.path.join(d, "ovmf.igvm")]).stdout)
        return [h["fields"]["policy"] for h in j["headers"]
                if h["type"] == "GUEST_POLICY" and h["applies_to"] == ["SEV_SNP"]]

    o = os.path.join(tmp, "plain")
    r = run(["build", "-o", o, lay], env={"SNP_POLICY": "0xB0000"})
    check(r.returncode == 0 and snp_policy(o) == ["0x30000"], "environment ignored by default: %s" % r.stderr)
    check("from the environment" not in r.stdout and "DEBUG" not in r.stderr, "nothing from outside: " + r.stdout)
    o = os.path.join(tmp, "allowed")
    r = run(["build", "-o", o, "--allow-env", "SNP_POLICY", lay], env={"SNP_POLICY": "0xB0000"})
    check(r.returncode == 0 and snp_policy(o) == ["0xb0000"], "--allow-env: " + r.stderr)
    check("${SNP_POLICY} = '0xB0000' from the environment" in r.stdout, "summary names it: " + r.stdout)
    check("sets DEBUG" in r.stderr, "and warns of the debug policy: " + r.stderr)
    o = os.path.join(tmp, "define")
    r = run(["build", "-o", o, "-D", "SNP_POLICY=0x70000", lay])
    check(r.returncode == 0 and "${SNP_POLICY} = '0x70000' from -D" in r.stdout, "-D listed: " + r.stdout)
    refused(tmp, "description", "description: \"${NOPE}\"\nplatforms: [sev-snp]\ncomponents:\n"
            "  o: {type: ovmf, file: %s}\n" % OVMF, 3, r"line 1, column 14: undefined variable 'NOPE'")


def case_parameter_overlap(tmp):
    """Item 8: overlapping parameters of one area are refused, naming both places."""
    need_ovmf()
    body = ("platforms: [sev-snp]\ncomponents:\n  o: {type: ovmf, file: %s}\nparameter-areas:\n"
            "  p:\n    address: 0x7000000\n    parameters: {%s}\n")
    refused(tmp, "vp-env", body % (OVMF, "vp-count: 2, environment-info: 0"), 3,
            r"line 7, column 31: parameter 'environment-info' at byte offset 0 overlaps 'vp-count' at byte offset 2 \(line 7, column 18\) in area 'p'")
    refused(tmp, "vp-mm", body % (OVMF, "vp-count: 0, memory-map: 0"), 3,
            r"line 7, column 31: parameter 'memory-map' at byte offset 0 overlaps 'vp-count' at byte offset 0 \(line 7, column 18\)")
    r = run(["build", "-q", "-o", os.path.join(tmp, "ok"), layout(tmp, "ok", body % (OVMF, "vp-count: 0, environment-info: 4"))])
    check(r.returncode == 0, "adjacent parameters build: " + r.stderr)


def case_measure_input_kind(tmp):
    """Item 9: what is no IGVM file and no OVMF ROM is refused by name, for every platform."""
    one, text, pe = (os.path.join(tmp, n) for n in ("one.bin", "hostname", "fuki.efi"))
    write(one, "x")
    write(text, "vm-host\n")
    with open(pe, "wb") as f:
        f.write(b"MZ" + bytes(4094))
    for platform, extra in (("sev", []), ("sev-es", ["--vcpu-type", "EPYC-v4"]),
                            ("sev-snp", ["--vcpu-type", "EPYC-v4"]), ("tdx", [])):
        for path, want in ((one, "1 byte(s) of no known format"), (text, "8 byte(s) of no known format"),
                           (pe, "a PE image (FUKI, UKI or EFI application)")):
            r = run(["measure", "--platform", platform] + extra + [path])
            check(r.returncode == 3 and want in r.stderr and r.stdout == "",
                  "measure --platform %s %s: %d %s" % (platform, os.path.basename(path), r.returncode, r.stderr))
    if os.path.exists(OVMF):
        r = run(["measure", "--platform", "sev", OVMF])
        check(r.returncode == 0, "OVMF.fd still measures: " + r.stderr)


def case_raw_messages(tmp):
    """Item 11: a raw component's messages quote the file size and the size given."""
    f = os.path.join(tmp, "f5000")
    with open(f, "wb") as h:
        h.write(bytes(5000))
    refused(tmp, "small", "platforms: [sev-snp]\ncomponents:\n  r: {type: raw, file: f5000, address: 0x1000, size: 0x10}\n",
            3, r"'size' 0x10 is smaller than file '.*f5000' \(0x1388 bytes\)")
    refused(tmp, "beyond", "platforms: [sev-snp]\ncomponents:\n  r: {type: raw, file: f5000, address: 0xFFFFFFFFFFFFF000, size: 0x2000}\n",
            3, r"address 0xfffffffffffff000 \+ 'size' 0x2000 lies beyond")


def case_messages(tmp):
    """Item 13: messages name the option that fixes them; one wording for lost standard output."""
    need_tool("openssl")
    a = os.path.join(tmp, "a.igvm")
    r = run(["build", "-q", "-o", tmp, layout(tmp, "a", "platforms: [native]\ncomponents:\n"
                                                         "  r: {type: raw, file: a.yaml, address: 0x1000}\n")])
    check(r.returncode == 0, "tiny IGVM: " + r.stderr)
    r = run(["fuki", "--fwid", "x", "--fwid", "x", "-o", os.path.join(tmp, "d.efi"), a, a])
    check(r.returncode != 0 and "--fwid" in r.stderr, "duplicate fwid names --fwid: " + r.stderr)
    key, cert = make_cert(tmp, "k")
    signed = os.path.join(tmp, "s.efi")
    r = run(["fuki", "--key", key, "--cert", cert, "-o", signed, a])
    check(r.returncode == 0, "signed FUKI: " + r.stderr)
    r = run(["fuki", "--into", signed, "--fwid", "y", "-o", os.path.join(tmp, "i.efi"), a])
    check(r.returncode != 0 and "--unsign" in r.stderr, "signed --into names --unsign: " + r.stderr)
    wordings = set()
    for args in (["inspect", a], ["digest", signed], ["measure", "--platform", "sev", OVMF]):
        if args[0] == "measure" and not os.path.exists(OVMF):
            continue
        with open("/dev/full", "w") as full:
            p = subprocess.run([IK] + args, stdout=full, stderr=subprocess.PIPE, text=True)
        m = re.search(r"error: (cannot write to standard output)", p.stderr)
        check(p.returncode == 4 and m is not None, "%s > /dev/full: %d %s" % (args[0], p.returncode, p.stderr))
        wordings.add(m.group(1) if m else p.stderr)
    check(len(wordings) == 1, "one wording for lost standard output: %s" % wordings)


def case_nested_places(tmp):
    """Item 13: errors inside an SVSM ELF or an included file also name the layout's place."""
    need_ovmf()
    write(os.path.join(tmp, "bad.elf"), "not an elf")
    refused(tmp, "svsm", "platforms: [sev-snp]\ncomponents:\n  s: {type: svsm, file: bad.elf}\n"
            "  o: {type: ovmf, file: %s}\n" % OVMF, 3,
            r"svsm\.yaml:line 3, column 25: component 's': .*bad\.elf:offset 0x0: not an ELF file")
    write(os.path.join(tmp, "inc.yaml"), "platforms: [sev-snp\n")
    refused(tmp, "top", "include: inc.yaml\nplatforms: [sev-snp]\n", 3,
            r"inc\.yaml:line 2, column 1: .*\(included from .*top\.yaml:line 1, column 10\)")


def case_docs_agree(tmp):
    """Item 16: shipped text says what the layout does; citations lead to public sources."""
    # distro.yaml's descriptor description names the platforms the layout selects
    r = run(["build", "--print-layout", "-D", "SIGN_KEY=k", "-D", "SIGN_CERT=c",
             os.path.join(SRC, "layouts", "distro.yaml")])
    check(r.returncode == 0, "distro --print-layout: " + r.stderr)
    m = re.search(r"^\s+description: (.*)$", r.stdout, re.M)
    desc = m.group(1) if m else ""
    plats = re.search(r"^platforms:\n((?:  .*\n)+)", r.stdout, re.M)
    names = re.findall(r"^  ([a-z-]+):", plats.group(1), re.M) if plats else []
    spelled = {"sev-snp": "SEV-SNP", "sev-es": "SEV-ES", "tdx": "TDX", "native": "native", "sev": "SEV,"}
    for n in names:
        check(spelled[n] in desc, "descriptor description %r names %s" % (desc, n))
    check(not re.search(r"\bSEV[,)]", desc), "description names no plain SEV: %r" % desc)
    # no file cites the research notes by path; every 'NOTE.md §N' has a public source listed
    refs = open(os.path.join(SRC, "docs", "references.md")).read()
    listed = set()
    for note, first, last in re.findall(r"`([a-z-]+)\.md §(\d+)`(?:(?:, |–)`§(\d+)`)?", refs):
        for n in range(int(first), int(last or first) + 1):
            listed.add((note, n))
    for row in re.findall(r"^\| `([a-z-]+)\.md §(\d+)`–`§(\d+)`", refs, re.M):
        for n in range(int(row[1]), int(row[2]) + 1):
            listed.add((row[0], n))
    missing = set()
    for top in ("assemble", "cli", "common", "descriptor", "diff", "fuki", "igvm", "layout", "layouts",
                "libigvmkit", "measure", "sign", "templates", "tests", "vars", "docs", "examples", "include"):
        for dirpath, _, files in os.walk(os.path.join(SRC, top)):
            for fn in files:
                if not fn.endswith((".c", ".h", ".py", ".sh", ".md", ".yaml", ".txt", ".1", ".5")):
                    continue
                text = open(os.path.join(dirpath, fn), encoding="utf-8", errors="replace").read()
                check("shared/" + "research" not in text, "%s cites the research notes by path" % fn)
                for note, n in re.findall(r"\b(igvm|measure|vars|uki-sign|style|users)\.md §(\d+)", text):
                    if (note, int(n)) not in listed:
                        missing.add("%s: %s.md §%s" % (fn, note, n))
    check(not missing, "citations without a public source in docs/references.md: %s" % sorted(missing)[:10])


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if CASE not in CASES:
        raise SystemExit("unknown case %s (have %s)" % (CASE, ", ".join(sorted(CASES))))
    with tempfile.TemporaryDirectory() as tmp:
        CASES[CASE](tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok")
