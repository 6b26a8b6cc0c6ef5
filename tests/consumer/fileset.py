#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds every IGVM file igvmkit can write, for the consumer checks (issue 13).

usage: fileset.py IGVMKIT SRC OUTDIR

Into OUTDIR it writes:
  * each shipped layout of SRC/layouts and each of its variants (distro with a throw-away key,
    svsm-ovmf with the ELF stand-in of tests/fuzz/corpus/elf, qemu-snp-kernel-hashes with
    SHARED/ovmf_AmdSev_suffix.bin where present), and the IGVM inside distro's signed FUKI;
  * the IGVM and FUKI outputs of every examples/*.sh (run with IGVMKIT pointing at a wrapper
    that copies them out of the example's temporary folder; the IGVMs inside FUKIs extracted);
  * what `igvmkit regen` writes: the default IGVM with a customer db, the same with --append,
    and the IGVM carried by a regenerated signed FUKI;
  * the files of tests/fuzz/corpus/igvm that igvmkit itself reads without error;
and OUTDIR/manifest.tsv, one line per IGVM file:
    PATH <TAB> ORIGIN <TAB> PLATFORMS <TAB> CORIM
PATH relative to OUTDIR; ORIGIN says where it comes from (layout:NAME[:VARIANT], fuki:...,
example:NAME/FILE, regen:..., corpus:FILE); PLATFORMS the comma-separated platform types that
`igvmkit inspect --json` reports (SEV_SNP, TDX, SEV_ES, NATIVE, ...); CORIM is "corim" when the
file has CORIM_DOCUMENT/CORIM_SIGNATURE headers, else "-".

SHARED is $IGVMKIT_SHARED_DIR/data, else SRC/../shared/data.  Needs Debian's OVMF.fd and
openssl (exit 77 with the reason otherwise).  Exit status 0, 1 when a build fails.
"""
import glob
import json
import os
import shutil
import stat
import subprocess
import sys

from common import shared_dir
from efifw import efifw_payloads

SKIP = 77


def fail(msg):
    print("FAIL: fileset: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        fail("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return r


class FileSet:
    def __init__(self, igvmkit, src, out):
        self.igvmkit, self.src, self.out = igvmkit, src, out
        self.entries = []   # (relative path, origin)

    def add(self, path, origin):
        self.entries.append((os.path.relpath(path, self.out), origin))

    def build(self, layout, outdir, defines, variant=None):
        cmd = [self.igvmkit, "build", "-q", "-o", outdir]
        for d in defines:
            cmd += ["-D", d]
        if variant:
            cmd += ["--variant", variant]
        run(cmd + [layout])
        return outdir

    def add_fuki(self, fuki, origin):
        """Writes each '.efifw' payload of FUKI beside it as FUKI-FWID.igvm and lists it."""
        for fwid, payload in efifw_payloads(fuki):
            dest = "%s-%s.igvm" % (os.path.splitext(fuki)[0], fwid)
            with open(dest, "wb") as f:
                f.write(payload)
            self.add(dest, "%s:efifw=%s" % (origin, fwid))

    def manifest(self):
        lines = []
        for rel, origin in self.entries:
            r = run([self.igvmkit, "inspect", "--json", os.path.join(self.out, rel)])
            j = json.loads(r.stdout)
            plats = ",".join(p["platform_type"] for p in j["platforms"]) or "-"
            corim = any(h["type"].startswith("CORIM_") for h in j["headers"])
            lines.append("%s\t%s\t%s\t%s\n" % (rel, origin, plats, "corim" if corim else "-"))
        with open(os.path.join(self.out, "manifest.tsv"), "w") as f:
            f.writelines(lines)
        return lines


def layouts(fs, keys, shared):
    """Every shipped layout and variant.  Returns {origin: path} of the IGVMs built."""
    built = {}
    elf = os.path.join(fs.src, "tests", "fuzz", "corpus", "elf", "standin-0x8000000.elf")
    defines = {
        "distro": ["SIGN_KEY=" + keys["vendor"][0], "SIGN_CERT=" + keys["vendor"][1]],
        "svsm-ovmf": ["SVSM=" + elf],
    }
    amdsev = os.path.join(shared, "ovmf_AmdSev_suffix.bin")
    if os.path.exists(amdsev):
        k, i = os.path.join(fs.out, "kernel.bin"), os.path.join(fs.out, "initrd.bin")
        open(k, "w").write("fake-kernel-image\n")
        open(i, "w").write("fake-initrd\n")
        defines["qemu-snp-kernel-hashes"] = ["OVMF=" + amdsev, "KERNEL=" + k, "INITRD=" + i]
    else:
        print("note: %s absent: layouts/qemu-snp-kernel-hashes.yaml not built" % amdsev)
    for layout in sorted(glob.glob(os.path.join(fs.src, "layouts", "*.yaml"))):
        name = os.path.basename(layout)[:-5]
        if name == "qemu-snp-kernel-hashes" and name not in defines:
            continue
        d = defines.get(name, [])
        cmd = [fs.igvmkit, "build", "--list-variants"] + sum((["-D", x] for x in d), []) + [layout]
        variants = run(cmd).stdout.split()
        for v in [None] + variants:
            origin = "layout:" + name + (":" + v if v else "")
            outdir = fs.build(layout, os.path.join(fs.out, origin.replace(":", "-")), d, v)
            for igvm in sorted(glob.glob(os.path.join(outdir, "*.igvm"))):
                fs.add(igvm, origin)
                built[origin] = igvm
            for fuki in sorted(glob.glob(os.path.join(outdir, "*.efi"))):
                fs.add_fuki(fuki, origin + ":" + os.path.basename(fuki))
                built[origin + ":fuki"] = fuki
    return built


WRAPPER = """#!/bin/sh
# igvmkit for an example: runs the real one, then copies the IGVM and EFI files of the
# example's working folder to $KEEP (the example removes its folder when it ends).
"$REAL_IGVMKIT" "$@"
rc=$?
find . -name '*.igvm' -o -name '*.efi' | while read -r f; do
	mkdir -p "$KEEP/$(dirname "$f")" && cp "$f" "$KEEP/$f"
done
exit $rc
"""


def examples(fs):
    wrapper = os.path.join(fs.out, "igvmkit-keep")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
    for script in sorted(glob.glob(os.path.join(fs.src, "examples", "*.sh"))):
        name = os.path.basename(script)[:-3]
        keep = os.path.join(fs.out, "example-" + name)
        os.makedirs(keep, exist_ok=True)
        env = dict(os.environ, IGVMKIT=wrapper, REAL_IGVMKIT=fs.igvmkit, SRC=fs.src, KEEP=keep)
        r = subprocess.run(["sh", script], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            fail("examples/%s.sh: exit %d\n%s%s" % (name, r.returncode, r.stdout[-1500:], r.stderr[-1500:]))
        for path in sorted(glob.glob(os.path.join(keep, "**", "*"), recursive=True)):
            rel = os.path.relpath(path, keep)
            if path.endswith(".igvm"):
                fs.add(path, "example:%s/%s" % (name, rel))
            elif path.endswith(".efi") and efifw_payloads(path):
                fs.add_fuki(path, "example:%s/%s" % (name, rel))


def regen(fs, built, keys):
    d = os.path.join(fs.out, "regen")
    os.makedirs(d, exist_ok=True)
    cust_db = keys["customer"][1]
    default = built["layout:default"]
    out = os.path.join(d, "default-db.igvm")
    run([fs.igvmkit, "regen", "--db", cust_db, "--no-measurements", "-o", out, default])
    fs.add(out, "regen:default --db")
    out = os.path.join(d, "default-append.igvm")
    run([fs.igvmkit, "regen", "--append", "--db", cust_db, "--no-measurements", "-o", out, default])
    fs.add(out, "regen:default --append --db")
    out = os.path.join(d, "distro-customer.efi")
    run([fs.igvmkit, "regen", "--db", cust_db, "--no-measurements", "--key", keys["customer"][0],
         "--cert", keys["customer"][1], "-o", out, built["layout:distro:fuki"]])
    fs.add_fuki(out, "regen:distro FUKI --db")


def corim_embedded(fs, keys):
    """The default layout with signed CoRIMs embedded (-D CORIM_EMBED=true), and its regen
    re-signed by the customer: files with CORIM_DOCUMENT/CORIM_SIGNATURE headers, which the
    manifest flags "corim" (QEMU and this igvmval refuse them: docs/corim-igvm.md)."""
    layout = os.path.join(fs.src, "layouts", "default.yaml")
    vendor, customer = keys["vendor"], keys["customer"]
    outdir = fs.build(layout, os.path.join(fs.out, "layout-default-corim"),
                      ["CORIM_KEY=" + vendor[0], "CORIM_CERT=" + vendor[1], "CORIM_EMBED=true"])
    igvm = os.path.join(outdir, "ovmf.igvm")
    fs.add(igvm, "layout:default:corim-embedded")
    out = os.path.join(fs.out, "regen", "default-corim-customer.igvm")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    run([fs.igvmkit, "regen", "--db", customer[1], "--no-measurements", "--corim-key", customer[0],
         "--corim-cert", customer[1], "-o", out, igvm])
    fs.add(out, "regen:default corim --corim-key")


def corpus(fs):
    d = os.path.join(fs.out, "corpus")
    os.makedirs(d, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(fs.src, "tests", "fuzz", "corpus", "igvm", "*"))):
        r = subprocess.run([fs.igvmkit, "inspect", "--json", path], capture_output=True)
        if r.returncode == 0:
            dest = os.path.join(d, os.path.basename(path))
            shutil.copyfile(path, dest)
            fs.add(dest, "corpus:" + os.path.basename(path))


def make_keys(out):
    keys = {}
    for who in ("vendor", "customer"):
        k, c = os.path.join(out, who + ".key"), os.path.join(out, who + ".crt")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", k, "-out", c,
             "-subj", "/CN=igvmkit consumer test %s db" % who, "-days", "30"])
        keys[who] = (k, c)
    return keys


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    igvmkit, src, out = (os.path.abspath(a) for a in sys.argv[1:4])
    shared = os.path.join(shared_dir(src), "data")
    if not os.path.exists("/usr/share/ovmf/OVMF.fd"):
        print("SKIP: Debian's /usr/share/ovmf/OVMF.fd (package ovmf) is not installed")
        sys.exit(SKIP)
    if not shutil.which("openssl"):
        print("SKIP: openssl is not installed")
        sys.exit(SKIP)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    fs = FileSet(igvmkit, src, out)
    keys = make_keys(out)
    built = layouts(fs, keys, shared)
    examples(fs)
    regen(fs, built, keys)
    corim_embedded(fs, keys)
    corpus(fs)
    for line in fs.manifest():
        sys.stdout.write(line)
    print("fileset: %d IGVM files in %s/manifest.tsv" % (len(fs.entries), out))


if __name__ == "__main__":
    main()
