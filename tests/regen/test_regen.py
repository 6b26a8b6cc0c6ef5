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
import struct
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


# ---- PE images, read and written here independently of igvmkit's fuki/ code (PE/COFF spec) ----

def pe_sections(data):
    """(name, VirtualAddress, PointerToRawData, Characteristics, loaded bytes) of each section."""
    lfanew = struct.unpack_from("<I", data, 0x3c)[0]
    assert data[lfanew:lfanew + 4] == b"PE\0\0"
    nsec, = struct.unpack_from("<H", data, lfanew + 6)
    opt_size, = struct.unpack_from("<H", data, lfanew + 20)
    table = lfanew + 24 + opt_size
    out = []
    for i in range(nsec):
        name, vs, va, raw, ptr = struct.unpack_from("<8sIIII", data, table + 40 * i)
        chars, = struct.unpack_from("<I", data, table + 40 * i + 36)
        n = min(vs, raw) if vs else raw
        out.append((name.rstrip(b"\0").decode(), va, ptr, chars, data[ptr:ptr + n]))
    return out


def pe_kept_fields(data):
    """Header fields re-wrapping must keep: DOS header and stub, Machine, TimeDateStamp,
    AddressOfEntryPoint, ImageBase, alignments, SizeOfHeaders, Subsystem, DllCharacteristics and
    every data directory but the certificate table (index 4)."""
    lfanew = struct.unpack_from("<I", data, 0x3c)[0]
    opt = lfanew + 24
    dirs = [struct.unpack_from("<II", data, opt + 112 + 8 * i) for i in range(16) if i != 4]
    return (data[:lfanew], data[lfanew + 4:lfanew + 6], data[lfanew + 8:lfanew + 12],
            data[opt + 16:opt + 20], data[opt + 24:opt + 40], data[opt + 60:opt + 64], data[opt + 68:opt + 72], dirs)


def efifw_parts(section):
    """(fwid, payload) of '.efifw' contents: u32 magic 0xFEEDDEAD, header_len, fwid_len (with the
    NUL), payload_len; the id at header_len, the payload right after it (systemd's efi-firmware.h)."""
    magic, hlen, flen, plen = struct.unpack_from("<IIII", section, 0)
    assert magic == 0xFEEDDEAD
    return section[hlen:hlen + flen - 1].decode(), section[hlen + flen:hlen + flen + plen]


def write_pe(path, sections, entry_section=0, reloc_section=None):
    """A PE32+ EFI application laid out the way GNU ld/objcopy do it (e_lfanew 0x80, 0x400 bytes
    of headers, 4 KiB SectionAlignment, 0x200 FileAlignment), not the way igvmkit does:
    SECTIONS is [(name, bytes, characteristics)]; the entry point is the start of section
    ENTRY_SECTION, the base relocation directory covers section RELOC_SECTION."""
    lfanew, hdr_size, falign, salign = 0x80, 0x400, 0x200, 0x1000
    va, ptr, table, body = salign, hdr_size, b"", b""
    code = init = 0
    rvas = []
    for name, blob, chars in sections:
        raw = (len(blob) + falign - 1) // falign * falign
        table += struct.pack("<8sIIIIIIHHI", name.encode(), len(blob), va, raw, ptr, 0, 0, 0, 0, chars)
        body += blob + bytes(raw - len(blob))
        rvas.append((va, len(blob)))
        if chars & 0x20:
            code += raw
        else:
            init += raw
        va += (len(blob) + salign - 1) // salign * salign
        ptr += raw
    dirs = [(0, 0)] * 16
    if reloc_section is not None:
        dirs[5] = rvas[reloc_section]
    opt = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", 0x20b, 2, 40, code, init, 0, rvas[entry_section][0],
                      salign, 0x140000000, salign, falign, 0, 0, 0, 0, 1, 1, 0, va, hdr_size, 0, 10,
                      0x160, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"".join(struct.pack("<II", *e) for e in dirs)
    coff = struct.pack("<HHIIIHH", 0x8664, len(sections), 0x5f5e100, 0, 0, len(opt), 0x22)
    dos = b"MZ" + bytes(0x3a) + struct.pack("<I", lfanew) + b"this DOS stub is left in place\r\n"
    head = dos.ljust(lfanew, b"\0") + b"PE\0\0" + coff + opt + table
    assert len(head) <= hdr_size
    open(path, "wb").write(head.ljust(hdr_size, b"\0") + body)


def efifw_section(fwid, payload):
    f = fwid.encode() + b"\0"
    return struct.pack("<IIII", 0xFEEDDEAD, 16, len(f), len(payload)) + f + payload


DATA_RO = 0x40000040  # CNT_INITIALIZED_DATA | MEM_READ
CODE_RX = 0x60000020  # CNT_CODE | MEM_EXECUTE | MEM_READ
X64_RET_UNSUPPORTED = bytes.fromhex("f30f1efa48b80300000000000080c3")  # endbr64; mov rax, EFI_UNSUPPORTED; ret


def check_rewrap(inp, out, what):
    """Non-'.efifw' sections byte for byte in order, the ones ahead of the first '.efifw' at the
    same addresses, the '.efifw' sections in the same places with the same ids; returns the new
    payloads by firmware id."""
    a, b = pe_sections(open(inp, "rb").read()), pe_sections(open(out, "rb").read())
    check(pe_kept_fields(open(inp, "rb").read()) == pe_kept_fields(open(out, "rb").read()),
          "%s: DOS stub, entry point, image base, alignments, data directories kept" % what)
    check([s[0] for s in a] == [s[0] for s in b], "%s: same section names in order: %s / %s" %
          (what, [s[0] for s in a], [s[0] for s in b]))
    first = [s[0] for s in a].index(".efifw")
    check(a[:first] == b[:first], "%s: sections ahead of the first .efifw unchanged, same places" % what)
    check([(s[0], s[3], s[4]) for s in a if s[0] != ".efifw"] == [(s[0], s[3], s[4]) for s in b if s[0] != ".efifw"],
          "%s: every other section byte-identical" % what)
    ids_a = [efifw_parts(s[4])[0] for s in a if s[0] == ".efifw"]
    new = [efifw_parts(s[4]) for s in b if s[0] == ".efifw"]
    check(ids_a == [f for f, _ in new], "%s: firmware ids in order: %s / %s" % (what, ids_a, [f for f, _ in new]))
    return new


def enrolled(tmp, payload, name):
    """`igvmkit vars list` of the store in an IGVM payload (ROM via regen --extract-rom)."""
    igvm, rom = os.path.join(tmp, name + ".igvm"), os.path.join(tmp, name + ".fd")
    open(igvm, "wb").write(payload)
    r = run(["regen", "--extract-rom", rom, igvm])
    check(r.returncode == 0, "extract-rom %s: %s" % (name, r.stderr))
    return run(["vars", "list", rom]).stdout if r.returncode == 0 else ""


def osslsigncode_ok(path, cert):
    v = subprocess.run(["osslsigncode", "verify", "-CAfile", cert, "-in", path], capture_output=True, text=True)
    cur = re.search(r"Current message digest\s*:\s*([0-9A-Fa-f]+)", v.stdout)
    calc = re.search(r"Calculated message digest\s*:\s*([0-9A-Fa-f]+)", v.stdout)
    return v.returncode == 0 and cur and calc and cur.group(1).lower() == calc.group(1).lower()


def verify_signed(out, ccert, vcert, what):
    """The customer's signature verifies with sbverify, osslsigncode and igvmkit; the vendor's is gone."""
    if shutil.which("sbverify"):
        v = subprocess.run(["sbverify", "--cert", ccert, out], capture_output=True, text=True)
        check(v.returncode == 0, "%s: sbverify --cert customer: %s" % (what, v.stdout + v.stderr))
        v = subprocess.run(["sbverify", "--cert", vcert, out], capture_output=True, text=True)
        check(v.returncode != 0, "%s: the vendor's signature is gone" % what)
    if shutil.which("osslsigncode"):
        check(osslsigncode_ok(out, ccert), "%s: osslsigncode verify" % what)
    r = run(["verify", "--cert", ccert, out])
    check(r.returncode == 0, "%s: igvmkit verify: %s" % (what, r.stdout + r.stderr))


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
    meas = os.path.join(tmp, "customer.igvm.measurements.json")
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
    # ... and only extracts: with regeneration options it is a usage error, nothing written
    os.unlink(rom)
    also = os.path.join(tmp, "also.igvm")
    r = run(["regen", "--extract-rom", rom, "-o", also, "--db", cust, out])
    check(r.returncode == 2 and "--extract-rom only extracts" in r.stderr
          and not os.path.exists(rom) and not os.path.exists(also),
          "--extract-rom with -o/--db: exit %d: %s" % (r.returncode, r.stderr))
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
    m2 = digests(os.path.join(tmp, "regen-all.igvm.measurements.json"))
    seeded = digests(os.path.join(tmp, "seeded", "ovmf.measurements.json"))
    check(m2.get(("sev-snp", 2, "EPYC-Milan")) == seeded.get(("sev-snp", 2, "EPYC-Milan")) and
          ("sev-snp", 1, "EPYC-v4") not in m2, "--vcpus/--vcpu-type choose the measurements")
    # --append keeps the store's db entries and adds new ones
    _, extra = make_cert(tmp, "extra")
    out3 = os.path.join(tmp, "appended.igvm")
    r = run(["regen", "--append", "--db", extra, "--no-measurements", "-o", out3, out])
    check(r.returncode == 0 and not os.path.exists(os.path.join(tmp, "appended.igvm.measurements.json")),
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
    check(os.path.exists(os.path.join(tmp, "customer.efi.measurements.json")), "measurements JSON")
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
    check(all(os.path.exists(os.path.join(tmp, "multi-new.efi.%s.measurements.json" % f)) for f in ("ovmf", "snp")),
          "one measurements JSON per firmware id")
    d = run(["diff", multi, mout]).stdout
    check("firmware 'ovmf'" in d and "firmware 'snp'" in d, "both payloads changed")


SYSTEMD_STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"  # package systemd-boot-efi


def case_uki(tmp):
    """A UKI made by 'fuki --into' systemd's stub (review R15): re-wrapped in place, re-signed."""
    need(OVMF)
    need("openssl")
    need(SYSTEMD_STUB)
    vendor = vendor_igvm(tmp)
    vkey, vcert = make_cert(tmp, "vendor")
    ckey, ccert = make_cert(tmp, "customer")
    _, cust = make_cert(tmp, "customer-db")
    uki = os.path.join(tmp, "vendor-uki.efi")
    r = run(["fuki", "--into", SYSTEMD_STUB, "--fwid", "ovmf", "--cmdline", "console=ttyS0",
             "--uname", "6.1.0-test", "--key", vkey, "--cert", vcert, "-o", uki, vendor])
    check(r.returncode == 0, "fuki --into the systemd stub: " + r.stderr)
    if r.returncode != 0:
        return
    before = sha(uki)
    out = os.path.join(tmp, "customer-uki.efi")
    r = run(["regen", "--db", cust, "--key", ckey, "--cert", ccert, "-o", out, uki])
    check(r.returncode == 0, "regen of a UKI on systemd's stub: " + r.stderr)
    if r.returncode != 0:
        return
    check(sha(uki) == before, "input UKI untouched")
    new = check_rewrap(uki, out, "uki")
    old = [efifw_parts(s[4]) for s in pe_sections(open(uki, "rb").read()) if s[0] == ".efifw"]
    check(new and "CN=regen test customer-db" in enrolled(tmp, new[0][1], "uki-new"), "the new IGVM enrols the new db")
    check(old and "customer-db" not in enrolled(tmp, old[0][1], "uki-old"), "the vendor's IGVM did not")
    verify_signed(out, ccert, vcert, "uki")
    # unsigned, it is what 'fuki --into' the stub makes of the regenerated IGVM
    uout = os.path.join(tmp, "customer-uki-unsigned.efi")
    r = run(["regen", "--db", cust, "--unsigned", "--no-measurements", "-o", uout, uki])
    check(r.returncode == 0 and "is written unsigned" in r.stderr, "--unsigned warns the input was signed: " + r.stderr)
    ref_igvm, ref = os.path.join(tmp, "ref.igvm"), os.path.join(tmp, "ref-uki.efi")
    run(["regen", "--db", cust, "--no-measurements", "-o", ref_igvm, vendor])
    run(["fuki", "--into", SYSTEMD_STUB, "--fwid", "ovmf", "--cmdline", "console=ttyS0", "--uname", "6.1.0-test",
         "-o", ref, ref_igvm])
    check(os.path.exists(uout) and os.path.exists(ref) and open(uout, "rb").read() == open(ref, "rb").read(),
          "re-wrapped UKI equals 'fuki --into' of the regenerated IGVM")


def case_addon(tmp):
    """An add-on written another way (review R15): GNU-style headers, .reloc, .sbat/.uname ahead of
    '.efifw', a section between two '.efifw', signed by osslsigncode; re-wrapped and re-signed."""
    need(OVMF)
    need("openssl")
    vendor = vendor_igvm(tmp)
    vkey, vcert = make_cert(tmp, "vendor")
    ckey, ccert = make_cert(tmp, "customer")
    _, cust = make_cert(tmp, "customer-db")
    payload = open(vendor, "rb").read()
    sbat = b"sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nvendor.addon,1,Vendor,addon,1,https://example.com\n"
    addon = os.path.join(tmp, "vendor-addon.efi")
    write_pe(addon, [
        (".text", X64_RET_UNSUPPORTED, CODE_RX),
        (".reloc", struct.pack("<II", 0x1000, 12) + bytes(4), 0x42000040),
        (".osrel", b"ID=vendor\nVERSION_ID=7\n", DATA_RO),
        (".sbat", sbat, DATA_RO),
        (".uname", b"6.1.0-vendor", DATA_RO),
        (".efifw", efifw_section("vendor-a", payload), DATA_RO),
        (".cmdline", b"console=ttyS0 quiet", DATA_RO),
        (".efifw", efifw_section("vendor-b", payload), DATA_RO),
    ], entry_section=0, reloc_section=1)
    signed = os.path.join(tmp, "vendor-addon-signed.efi")
    if shutil.which("osslsigncode"):
        subprocess.run(["osslsigncode", "sign", "-certs", vcert, "-key", vkey, "-in", addon, "-out", signed],
                       capture_output=True, check=True)
    else:
        shutil.copy(addon, signed)
    before = sha(signed)
    out = os.path.join(tmp, "customer-addon.efi")
    r = run(["regen", "--db", cust, "--key", ckey, "--cert", ccert, "-o", out, signed])
    check(r.returncode == 0 and r.stdout.count("variable store (") == 2, "regen of the add-on: " + r.stderr)
    if r.returncode != 0:
        return
    check(sha(signed) == before, "input add-on untouched")
    new = check_rewrap(addon, out, "addon")
    for fwid, p in new:
        check("CN=regen test customer-db" in enrolled(tmp, p, "addon-" + fwid), "%s enrols the new db" % fwid)
    check(len(new) == 2 and new[0][1] == new[1][1], "both payloads regenerated alike")
    check(all(os.path.exists(os.path.join(tmp, "customer-addon.efi.%s.measurements.json" % f))
              for f in ("vendor-a", "vendor-b")), "one measurements JSON per firmware id")
    verify_signed(out, ccert, vcert, "addon")
    # regenerated again: the output is a FUKI like any other, and the same seeds give the same bytes
    again = os.path.join(tmp, "again.efi")
    r = run(["regen", "--db", cust, "--unsigned", "--no-measurements", "-o", again, out])
    check(r.returncode == 0, "regen of the regenerated add-on: " + r.stderr)
    if r.returncode == 0:
        check([s[4] for s in pe_sections(open(again, "rb").read())] == [s[4] for s in pe_sections(open(out, "rb").read())],
              "regenerating with the same seeds keeps every section")


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
    # PE images that are not FUKIs, or whose sections from the first '.efifw' on cannot move
    plain = os.path.join(tmp, "plain.efi")
    write_pe(plain, [(".text", X64_RET_UNSUPPORTED, CODE_RX), (".sbat", b"sbat,1\n", DATA_RO)])
    code_after = os.path.join(tmp, "code-after.efi")
    write_pe(code_after, [(".text", X64_RET_UNSUPPORTED, CODE_RX),
                          (".efifw", efifw_section("v", open(vendor, "rb").read()), DATA_RO),
                          (".text2", X64_RET_UNSUPPORTED, CODE_RX)])
    bad_cert = os.path.join(tmp, "bad.pem")
    open(bad_cert, "w").write("-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    cases = [
        ("no-store", [nostore], ["--db", cust], 3, r"regen: error: .*raw\.igvm: no variable store in the ROM pages"),
        ("wrong-key", [vfuki], ["--db", cust, "--key", vkey, "--cert", ccert], 5, r"regen: error: .*key"),
        ("fuki-unsigned", [vfuki], ["--db", cust], 2, r"re-sign it with --key and --cert"),
        ("bad-cert", [vendor], ["--db", bad_cert], 3, r"regen: error: .*bad\.pem"),
        # PK holds one certificate: a second --pk is a usage error (issue 15, one CLI convention)
        ("two-pk", [vendor], ["--pk", cust, "--pk", ccert], 2, r"regen: error: option '--pk' is given twice"),
        ("not-igvm", [raw], ["--db", cust], 3, r"regen: error: .*blob\.bin"),
        ("no-seeds", [vendor], [], 2, r"nothing to change"),
        ("not-fuki", [plain], ["--db", cust, "--unsigned"], 3,
         r"regen: error: .*plain\.efi: the PE image has no '\.efifw' section"),
        ("code-after-efifw", [code_after], ["--db", cust, "--unsigned"], 7,
         r"regen: error: .*code-after\.efi:section 2 \(\.text2\): .*code"),
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
