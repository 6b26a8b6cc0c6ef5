#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `igvmkit regen` (customer regeneration, issue 7 item 3).

usage: test_regen.py IGVMKIT SRCDIR CASE

The vendor image is the default layout built from Debian's OVMF.fd (package ovmf);
certificates are made here with openssl.  The regenerated store is read back from the
IGVM's ROM pages (the PAGE_DATA run ending at 4 GiB, offsets from `igvmkit inspect
--json`) with `igvmkit vars list` and, where installed, efitools' sig-list-to-certs; a
re-signed FUKI is checked with sbverify.
"""
import hashlib
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


def need(path_or_tool):
    if not (os.path.exists(path_or_tool) or shutil.which(path_or_tool)):
        print("SKIP: %s not installed" % path_or_tool)
        sys.exit(SKIP)


def run(args, cwd=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([IK] + args, capture_output=True, text=True, cwd=cwd, env=e)


def make_cert(d, name):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    subprocess.run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=regen test %s/" % name, "-days", "3650", "-set_serial", "7",
                    "-keyout", key, "-out", cert], capture_output=True, check=True)
    return key, cert


def vendor_igvm(tmp):
    out = os.path.join(tmp, "vendor")
    r = run(["build", "-q", "-o", out, os.path.join(SRC, "layouts", "default.yaml")])
    if r.returncode != 0:
        raise SystemExit("vendor build failed: " + r.stderr)
    return os.path.join(out, "ovmf.igvm")


def rom_from_igvm(path, platform="SEV_SNP"):
    """The ROM as loaded: PAGE_DATA of PLATFORM from 4 GiB downwards while contiguous."""
    j = json.loads(run(["inspect", "--json", path]).stdout)
    data = open(path, "rb").read()
    pages = {int(h["fields"]["gpa"], 16): h for h in j["headers"]
             if h["type"] == "PAGE_DATA" and platform in h["applies_to"]}
    gpa, out = (1 << 32) - 4096, []
    while gpa in pages:
        off = int(pages[gpa]["fields"]["file_offset"], 16)
        out.append(data[off:off + 4096] if off else bytes(4096))
        gpa -= 4096
    return b"".join(reversed(out))


def digests(path):
    j = json.load(open(path))
    return {(m["platform"], m.get("vcpus"), m.get("vcpu_type")): m["digest"] for m in j["measurements"]}


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def store_certs(tmp, igvm, platform, var="db"):
    """Subjects of the certificates in VAR of the store in IGVM's ROM pages, through efitools."""
    rom = os.path.join(tmp, "rom-%s-%s.fd" % (os.path.basename(igvm), platform))
    open(rom, "wb").write(rom_from_igvm(igvm, platform))
    esl = rom + "." + var + ".esl"
    r = run(["vars", "extract", rom, var, "-o", esl])
    check(r.returncode == 0, "vars extract %s: %s" % (var, r.stderr))
    subjects = []
    if shutil.which("sig-list-to-certs") and r.returncode == 0:
        prefix = esl + "-cert"
        subprocess.run(["sig-list-to-certs", esl, prefix], capture_output=True, check=True)
        i = 0
        while os.path.exists("%s-%d.der" % (prefix, i)):
            s = subprocess.run(["openssl", "x509", "-inform", "der", "-in", "%s-%d.der" % (prefix, i),
                                "-noout", "-subject"], capture_output=True, text=True, check=True)
            subjects.append(s.stdout.strip())
            i += 1
    return rom, subjects


def case_igvm(tmp):
    """A vendor IGVM with a test CA's db: new store, new measurements, same bytes as a seeded build."""
    need(OVMF)
    need("openssl")
    vendor = vendor_igvm(tmp)
    before = sha(vendor)
    _, cust = make_cert(tmp, "customer-db")
    out = os.path.join(tmp, "customer.igvm")
    r = run(["regen", "--db", cust, "--dbx-hash", "ab" * 32, "-o", out, vendor])
    check(r.returncode == 0, "regen: " + r.stderr)
    if r.returncode != 0:
        return
    check(sha(vendor) == before, "input untouched")
    # printed old and new measurement per platform
    for plat in ("sev-snp", "sev-es", "tdx"):
        check(re.search(r"^%s\s" % plat, r.stdout, re.M) is not None, "%s measurement printed" % plat)
    olds = re.findall(r"^  old ([0-9a-f]+)$", r.stdout, re.M)
    news = re.findall(r"^  new ([0-9a-f]+)$", r.stdout, re.M)
    check(len(olds) == len(news) == 3, "old/new pairs: %s" % r.stdout)
    # the measurements JSON beside the output, recomputed by `igvmkit measure` independently
    meas = os.path.join(tmp, "customer.measurements.json")
    check(os.path.exists(meas), "measurements JSON written")
    new = digests(meas)
    ref = run(["measure", "--json", "--platform", "sev-snp", out])
    if ref.returncode == 0:
        check(new.get(("sev-snp", 1, "EPYC-v4")) in ref.stdout, "igvmkit measure agrees on SEV-SNP")
    vendor_meas = digests(os.path.join(os.path.dirname(vendor), "ovmf.measurements.json"))
    for k in (("sev-snp", 1, "EPYC-v4"), ("sev-es", 1, "EPYC-v4")):
        check(k in new and new[k] != vendor_meas.get(k), "%s changes" % (k,))
        check(new.get(k) in news and vendor_meas.get(k) in olds, "%s old/new printed" % (k,))
    # the store in the new file: vars list and efitools read the new db certificate
    for plat in ("SEV_SNP", "TDX"):
        rom, subjects = store_certs(tmp, out, plat)
        lst = run(["vars", "list", rom])
        check("CN=regen test customer-db" in lst.stdout and "ab" * 32 in lst.stdout,
              "%s: vars list shows the new db and dbx" % plat)
        if shutil.which("sig-list-to-certs"):
            check(subjects == ["subject=CN = regen test customer-db"], "%s: sig-list-to-certs: %s" % (plat, subjects))
    # --extract-rom gives the same ROM image
    rom = os.path.join(tmp, "extracted.fd")
    r = run(["regen", "--extract-rom", rom, out])
    check(r.returncode == 0 and open(rom, "rb").read() == rom_from_igvm(out), "--extract-rom: " + r.stderr)
    # outside the store, the ROM pages are the vendor's
    a, b = rom_from_igvm(vendor), rom_from_igvm(out)
    check(len(a) == len(b) and a[0x20000:] == b[0x20000:] and a[:0x20000] != b[:0x20000],
          "only the store changed")
    # regen equals building the seeds in: byte-identical IGVM
    _, pk = make_cert(tmp, "PK")
    _, kek = make_cert(tmp, "KEK")
    lay = os.path.join(tmp, "seeded.yaml")
    open(lay, "w").write("include: %s\nvariables:\n  secure-boot: true\n  time: '2024-05-06 07:08:09'\n"
                         "  pk: %s\n  kek: %s\n  db: %s\n" % (os.path.join(SRC, "layouts", "default.yaml"),
                                                          pk, kek, cust))
    r = run(["build", "-q", "-o", os.path.join(tmp, "seeded"), lay])
    check(r.returncode == 0, "seeded build: " + r.stderr)
    out2 = os.path.join(tmp, "regen-all.igvm")
    r = run(["regen", "--pk", pk, "--kek", kek, "--db", cust, "--secure-boot", "--time", "2024-05-06 07:08:09",
             "--vcpus", "2", "--vcpu-type", "EPYC-Milan", "-o", out2, vendor])
    check(r.returncode == 0, "regen with PK/KEK: " + r.stderr)
    check(os.path.exists(out2) and open(out2, "rb").read() ==
          open(os.path.join(tmp, "seeded", "ovmf.igvm"), "rb").read(),
          "regen output is byte-identical to building the same seeds into the layout")
    m2 = digests(os.path.join(tmp, "regen-all.measurements.json"))
    seeded = digests(os.path.join(tmp, "seeded", "ovmf.measurements.json"))
    check(m2.get(("sev-snp", 2, "EPYC-Milan")) == seeded.get(("sev-snp", 2, "EPYC-Milan")) and
          ("sev-snp", 1, "EPYC-v4") not in m2, "--vcpus/--vcpu-type choose the measurements")
    # --append keeps the store's db entries and adds new ones
    _, extra = make_cert(tmp, "extra")
    out3 = os.path.join(tmp, "appended.igvm")
    r = run(["regen", "--append", "--db", extra, "--no-measurements", "-o", out3, out])
    check(r.returncode == 0 and not os.path.exists(os.path.join(tmp, "appended.measurements.json")),
          "--append, --no-measurements: " + r.stderr)
    if r.returncode == 0:
        rom, subjects = store_certs(tmp, out3, "SEV_SNP")
        lst = run(["vars", "list", rom]).stdout
        check("customer-db" in lst and "CN=regen test extra" in lst, "--append keeps and adds db entries")


def case_fuki(tmp):
    """A signed vendor FUKI: re-wrapped with the same sections, re-signed with the customer key."""
    need(OVMF)
    need("openssl")
    vendor = vendor_igvm(tmp)
    vkey, vcert = make_cert(tmp, "vendor")
    ckey, ccert = make_cert(tmp, "customer")
    _, cust = make_cert(tmp, "customer-db")
    vfuki = os.path.join(tmp, "vendor.efi")
    r = run(["fuki", "-o", vfuki, "--fwid", "ovmf", "--cmdline", "console=ttyS0", "--key", vkey, "--cert", vcert,
             vendor])
    check(r.returncode == 0, "vendor fuki: " + r.stderr)
    before = sha(vfuki)
    out = os.path.join(tmp, "customer.efi")
    r = run(["regen", "--db", cust, "--key", ckey, "--cert", ccert, "-o", out, vfuki])
    check(r.returncode == 0, "regen FUKI: " + r.stderr)
    if r.returncode != 0:
        return
    check(sha(vfuki) == before, "input FUKI untouched")
    check(os.path.exists(os.path.join(tmp, "customer.measurements.json")), "measurements JSON")
    if shutil.which("sbverify"):
        v = subprocess.run(["sbverify", "--cert", ccert, out], capture_output=True, text=True)
        check(v.returncode == 0, "sbverify --cert customer: " + v.stdout + v.stderr)
        v = subprocess.run(["sbverify", "--cert", vcert, out], capture_output=True, text=True)
        check(v.returncode != 0, "the vendor's signature is gone")
    r = run(["verify", "--cert", ccert, out])
    check(r.returncode == 0, "igvmkit verify: " + r.stdout + r.stderr)
    # same sections, same firmware id; only the store pages differ
    d = run(["diff", vfuki, out])
    check("4 sections (.text .cmdline .efifw 'ovmf' .sbat)" in d.stdout, "same sections: " + d.stdout[:400])
    sem = re.findall(r"^  section 2 '\.efifw' firmware 'ovmf': header \d+ \(PAGE_DATA\) gpa (0x[0-9a-f]+)",
                     d.stdout, re.M)
    check(sem and all(0xFFE00000 <= int(g, 16) < 0xFFE20000 for g in sem), "only store pages differ: %s" % sem)
    # unsigned re-wrap of an unsigned vendor add-on is the vendor's file when nothing changes size
    ufuki = os.path.join(tmp, "vendor-unsigned.efi")
    run(["fuki", "-o", ufuki, "--fwid", "ovmf", vendor])
    uout = os.path.join(tmp, "regen-unsigned.efi")
    r = run(["regen", "--db", cust, "--unsigned", "-o", uout, ufuki])
    ref = os.path.join(tmp, "ref.efi")
    run(["regen", "--db", cust, "-o", os.path.join(tmp, "ref.igvm"), vendor])
    run(["fuki", "-o", ref, "--fwid", "ovmf", os.path.join(tmp, "ref.igvm")])
    check(r.returncode == 0 and open(uout, "rb").read() == open(ref, "rb").read(),
          "re-wrapped FUKI equals wrapping the regenerated IGVM with 'igvmkit fuki'")
    # several '.efifw' sections (one per variant): each regenerated, one measurements JSON each
    r = run(["build", "-q", "--variant", "snp", "-o", os.path.join(tmp, "snp"),
             os.path.join(SRC, "layouts", "default.yaml")])
    multi = os.path.join(tmp, "multi.efi")
    run(["fuki", "-o", multi, "--fwid", "ovmf", "--fwid", "snp", vendor, os.path.join(tmp, "snp", "ovmf-snp.igvm")])
    mout = os.path.join(tmp, "multi-new.efi")
    r = run(["regen", "--db", cust, "--unsigned", "-o", mout, multi])
    check(r.returncode == 0 and r.stdout.count("variable store (") == 2, "two payloads regenerated: " + r.stderr)
    check(all(os.path.exists(os.path.join(tmp, "multi-new.%s.measurements.json" % f)) for f in ("ovmf", "snp")),
          "one measurements JSON per firmware id")
    d = run(["diff", multi, mout]).stdout
    check("firmware 'ovmf'" in d and "firmware 'snp'" in d, "both payloads changed")


def case_errors(tmp):
    """Bad inputs: clear error, nothing written, inputs untouched."""
    need(OVMF)
    need("openssl")
    vendor = vendor_igvm(tmp)
    vkey, vcert = make_cert(tmp, "vendor")
    ckey, ccert = make_cert(tmp, "customer")
    _, cust = make_cert(tmp, "customer-db")
    vfuki = os.path.join(tmp, "vendor.efi")
    run(["fuki", "-o", vfuki, "--key", vkey, "--cert", vcert, vendor])
    # an IGVM without a store: a raw component instead of OVMF
    raw = os.path.join(tmp, "blob.bin")
    open(raw, "wb").write(b"\x11" * 8192)
    lay = os.path.join(tmp, "raw.yaml")
    open(lay, "w").write("platforms: [sev-snp]\ncomponents:\n  r: {type: raw, file: blob.bin, address: 0xffffe000}\n")
    run(["build", "-q", "--no-measurements", "-o", os.path.join(tmp, "raw"), lay])
    nostore = os.path.join(tmp, "raw", "raw.igvm")
    bad_cert = os.path.join(tmp, "bad.pem")
    open(bad_cert, "w").write("-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    cases = [
        ("no-store", [nostore], ["--db", cust], 3, r"regen: error: .*raw\.igvm: no variable store in the ROM pages"),
        ("wrong-key", [vfuki], ["--db", cust, "--key", vkey, "--cert", ccert], 5, r"regen: error: .*key"),
        ("fuki-unsigned", [vfuki], ["--db", cust], 2, r"re-sign it with --key and --cert"),
        ("bad-cert", [vendor], ["--db", bad_cert], 3, r"regen: error: .*bad\.pem"),
        ("two-pk", [vendor], ["--pk", cust, "--pk", ccert], 3, r"regen: error: .*PK"),
        ("not-igvm", [raw], ["--db", cust], 3, r"regen: error: .*blob\.bin"),
        ("no-seeds", [vendor], [], 2, r"nothing to change"),
        ("short-hash", [vendor], ["--db-hash", "abcd"], 2, r"64 hex digits"),
    ]
    for name, inputs, args, rc, pattern in cases:
        out = os.path.join(tmp, "out-" + name)
        before = {p: sha(p) for p in inputs if os.path.exists(p)}
        r = run(["regen"] + args + ["-o", out + ".igvm"] + inputs)
        check(r.returncode == rc, "%s: exit %d, expected %d (%s)" % (name, r.returncode, rc, r.stderr.strip()))
        check(re.search(pattern, r.stderr) is not None, "%s: message %r !~ %r" % (name, r.stderr.strip(), pattern))
        left = [f for f in os.listdir(tmp) if f.startswith("out-" + name)]
        check(not left, "%s: output written: %s" % (name, left))
        check(all(sha(p) == h for p, h in before.items()), "%s: inputs untouched" % name)
    # an SNP ID block signs the old digest: refused unless dropped
    idkey = os.path.join(tmp, "id.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", idkey],
                   capture_output=True, check=True)
    signed = os.path.join(tmp, "idb.igvm")
    r = run(["sign-id-block", "--id-key", idkey, "-o", signed, vendor])
    if r.returncode == 0:
        r = run(["regen", "--db", cust, "-o", os.path.join(tmp, "out-idb.igvm"), signed])
        check(r.returncode == 3 and "SNP_ID_BLOCK" in r.stderr and not os.path.exists(os.path.join(tmp, "out-idb.igvm")),
              "ID block refused: " + r.stderr)
        r = run(["regen", "--db", cust, "--drop-id-block", "-o", os.path.join(tmp, "dropped.igvm"), signed])
        check(r.returncode == 0 and "sign-id-block" in r.stderr, "--drop-id-block: " + r.stderr)
    else:
        print("NOTE: sign-id-block unavailable here: " + r.stderr.strip())


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if CASE not in CASES:
        raise SystemExit("unknown case %s (known: %s)" % (CASE, ", ".join(CASES)))
    with tempfile.TemporaryDirectory(prefix="ik-regen-") as tmp:
        CASES[CASE](tmp)
    print("%s: %s" % (CASE, "FAILED (%d)" % len(failures) if failures else "ok"))
    sys.exit(1 if failures else 0)
