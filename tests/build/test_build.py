#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `igvmkit build` for distribution, reproducible-build
and per-cloud use (issue 7).

usage: test_build.py IGVMKIT SRCDIR CASE

Inputs: Debian's OVMF.fd (package ovmf) and signing keys generated here with
openssl; cases skip (77) without them.  Signatures are cross-checked with
sbverify (package sbsigntool) when it is installed; PE sections are read with
the PE/COFF layout (Microsoft PE format: e_lfanew at 0x3C, 20-byte COFF
header, 40-byte section headers), not with igvmkit.
"""
import hashlib
import json
import os
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
DISTRO = os.path.join(SRC, "layouts", "distro.yaml")
CLOUD = os.path.join(SRC, "layouts", "cloud.yaml")
DISTRO_FILES = ("ovmf.igvm", "ovmf.measurements.json", "ovmf.efi", "ovmf.firmware.json")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def need(path, pkg):
    if not shutil.which(path) and not os.path.exists(path):
        print("SKIP: %s not installed (Debian package %s)" % (path, pkg))
        sys.exit(SKIP)


def run(args, env=None, cwd=None):
    e = dict(os.environ)
    e.pop("SOURCE_DATE_EPOCH", None)
    if env:
        e.update(env)
    return subprocess.run([IK] + args, capture_output=True, text=True, env=e, cwd=cwd)


def keys(tmp):
    """A throw-away RSA key and self-signed certificate for Authenticode."""
    need("openssl", "openssl")
    key, crt = os.path.join(tmp, "db.key"), os.path.join(tmp, "db.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-subj", "/CN=igvmkit test db", "-days", "30"],
                   check=True, capture_output=True)
    return ["-D", "SIGN_KEY=" + key, "-D", "SIGN_CERT=" + crt], crt


def distro(tmp, out, defs, *extra, env=None, cwd=None, layout=DISTRO):
    return run(["build", "-o", out, "--descriptor", "/usr/share/igvm"] + defs + list(extra) + [layout],
               env=env, cwd=cwd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def pe_sections(data):
    """[(name, bytes)] of a PE image, from the section table."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    check(data[pe:pe + 4] == b"PE\0\0", "PE signature")
    n, opt_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
    table = pe + 24 + opt_size
    out = []
    for i in range(n):
        h = data[table + 40 * i: table + 40 * (i + 1)]
        name = h[:8].rstrip(b"\0").decode()
        vsize, _, raw_size, raw_ptr = struct.unpack_from("<IIII", h, 8)
        out.append((name, data[raw_ptr:raw_ptr + min(vsize, raw_size)]))
    return out


def case_distro(tmp):
    """One build writes IGVM, measurements, signed FUKI and descriptor; the summary names their digests."""
    need(OVMF, "ovmf")
    defs, crt = keys(tmp)
    out = os.path.join(tmp, "out")
    r = distro(tmp, out, defs)
    check(r.returncode == 0, "distro build: " + r.stderr)
    for f in DISTRO_FILES:
        p = os.path.join(out, f)
        check(os.path.exists(p), "%s written" % f)
        if os.path.exists(p):
            line = "%s/%s: " % (out, f)
            digest = hashlib.sha256(read(p)).hexdigest()
            if f.endswith(".measurements.json"):
                check(line + "measurements (" in r.stdout, "summary names %s" % f)
            else:
                check(any(l.startswith(line) and l.endswith("%d bytes, sha256 %s" % (len(read(p)), digest))
                          for l in r.stdout.splitlines()), "summary gives size and sha256 of %s" % f)
    if failures:
        return
    m = json.loads(read(os.path.join(out, "ovmf.measurements.json")))
    check(len(json.dumps(m)) > 100, "measurements JSON parses")
    d = json.loads(read(os.path.join(out, "ovmf.firmware.json")))
    check(d["mapping"] == {"device": "igvm", "filename": "/usr/share/igvm/ovmf.igvm"}, "descriptor mapping")
    # TDX is not advertised: QEMU's IGVM loader does not handle it (descriptor.h)
    check(d["features"] == ["amd-sev", "amd-sev-es", "amd-sev-snp"] or
          d["features"] == ["amd-sev-es", "amd-sev-snp"], "descriptor features: %s" % d["features"])
    efi = read(os.path.join(out, "ovmf.efi"))
    secs = pe_sections(efi)
    efifw = [s for n, s in secs if n == ".efifw"]
    check(len(efifw) == 1 and read(os.path.join(out, "ovmf.igvm")) in efifw[0],
          "the add-on's '.efifw' holds the IGVM")
    if shutil.which("sbverify"):
        v = subprocess.run(["sbverify", "--cert", crt, os.path.join(out, "ovmf.efi")],
                           capture_output=True, text=True)
        check(v.returncode == 0, "sbverify accepts the signed add-on: " + v.stderr)
    else:
        print("note: sbverify not installed (sbsigntool); signature not cross-checked")


def flip(path, offset):
    b = bytearray(read(path))
    b[offset] ^= 0x01
    with open(path, "wb") as f:
        f.write(b)


def case_check(tmp):
    """--check passes on a fresh build and explains a flipped byte, a changed JSON and a missing file."""
    need(OVMF, "ovmf")
    defs, _ = keys(tmp)
    out = os.path.join(tmp, "out")
    r = distro(tmp, out, defs, "-q")
    check(r.returncode == 0, "build: " + r.stderr)
    before = {f: read(os.path.join(out, f)) for f in DISTRO_FILES}
    r = distro(tmp, out, defs, "--check")
    check(r.returncode == 0, "--check after a build exits 0: %s %s" % (r.stdout, r.stderr))
    check("4 outputs in '%s' are reproduced byte for byte" % out in r.stdout, "--check reports success")
    check({f: read(os.path.join(out, f)) for f in DISTRO_FILES} == before and
          sorted(os.listdir(out)) == sorted(DISTRO_FILES), "--check writes nothing")

    # A byte in the last page's data: the report names the PAGE_DATA header and the measurement.
    igvm = os.path.join(out, "ovmf.igvm")
    flip(igvm, len(before["ovmf.igvm"]) - 0x10000)
    r = distro(tmp, out, defs, "--check")
    check(r.returncode == 1, "--check after a flipped byte exits 1 (MISMATCH), got %d" % r.returncode)
    check("%s: differs from the rebuild" % igvm in r.stdout, "names the file")
    check("(PAGE_DATA)" in r.stdout and "contents differ" in r.stdout,
          "names the PAGE_DATA header whose page differs: " + r.stdout[:2000])
    check("ovmf.measurements.json: identical" in r.stdout, "the other outputs still match")
    check("1 of 4 outputs" in r.stderr, "summary on stderr: " + r.stderr)
    check(read(igvm) != before["ovmf.igvm"], "--check does not repair the file")

    # A header field: the fixed header's CRC-32 covers it, so patch a policy byte and see the header named.
    with open(igvm, "wb") as f:
        f.write(before["ovmf.igvm"])
    js = os.path.join(out, "ovmf.measurements.json")
    with open(js, "wb") as f:
        f.write(before["ovmf.measurements.json"].replace(b'"vcpus": 1', b'"vcpus": 3', 1))
    r = distro(tmp, out, defs, "--check")
    check(r.returncode == 1 and "%s: differs from the rebuild" % js in r.stdout,
          "a changed measurements JSON is a mismatch: " + r.stdout[:500])
    os.unlink(js)
    r = distro(tmp, out, defs, "--check")
    check(r.returncode == 1 and "%s: missing" % js in r.stdout, "a missing output is a mismatch")
    check(not os.path.exists(js), "--check does not write the missing file")

    # The signed add-on: flip a byte of its signature.
    with open(js, "wb") as f:
        f.write(before["ovmf.measurements.json"])
    efi = os.path.join(out, "ovmf.efi")
    flip(efi, len(before["ovmf.efi"]) - 100)
    r = distro(tmp, out, defs, "--check")
    check(r.returncode == 1 and "%s: differs from the rebuild" % efi in r.stdout,
          "a changed signature is a mismatch: " + r.stdout[:800])


def case_determinism(tmp):
    """The full distribution build is byte-identical across directories, TZ, locale and umask."""
    need(OVMF, "ovmf")
    defs, _ = keys(tmp)
    # a copy of the layouts and templates somewhere else, built from another cwd with relative names
    far = os.path.join(tmp, "elsewhere", "deeper")
    shutil.copytree(os.path.join(SRC, "layouts"), os.path.join(far, "layouts"))
    shutil.copytree(os.path.join(SRC, "templates"), os.path.join(far, "templates"))
    shutil.copy(os.path.join(tmp, "db.key"), os.path.join(far, "k.pem"))
    shutil.copy(os.path.join(tmp, "db.crt"), os.path.join(far, "c.pem"))
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    env_a = {"TZ": "UTC", "LC_ALL": "C", "SOURCE_DATE_EPOCH": "1700000000"}
    env_b = {"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8",
             "SOURCE_DATE_EPOCH": "1700000000"}
    old = os.umask(0o022)
    ra = distro(tmp, a, defs, "-q", env=env_a)
    os.umask(0o077)
    rb = run(["build", "-q", "-o", "../../b", "--descriptor", "/usr/share/igvm", "-D", "SIGN_KEY=k.pem",
              "-D", "SIGN_CERT=c.pem", "layouts/distro.yaml"], env=env_b, cwd=far)
    os.umask(old)
    check(ra.returncode == 0 and rb.returncode == 0, "builds: %s %s" % (ra.stderr, rb.stderr))
    for f in DISTRO_FILES:
        check(read(os.path.join(a, f)) == read(os.path.join(tmp, "b", f)), "%s reproducible" % f)
    # and each build checks against the other's outputs
    r = distro(tmp, os.path.join(tmp, "b"), defs, "--check", env=env_a)
    check(r.returncode == 0, "--check of one build against the other: " + r.stdout[-500:])
    # SOURCE_DATE_EPOCH is honoured: another value changes the add-on (its PE time stamp) only
    c = os.path.join(tmp, "c")
    rc = distro(tmp, c, defs, "-q", env={"SOURCE_DATE_EPOCH": "1"})
    check(rc.returncode == 0, "build c: " + rc.stderr)
    check(read(os.path.join(c, "ovmf.efi")) != read(os.path.join(a, "ovmf.efi")),
          "SOURCE_DATE_EPOCH reaches the add-on")
    check(read(os.path.join(c, "ovmf.igvm")) == read(os.path.join(a, "ovmf.igvm")),
          "SOURCE_DATE_EPOCH does not touch the IGVM")
    # the per-cloud FUKI too
    ca, cb = os.path.join(tmp, "ca"), os.path.join(tmp, "cb")
    r1 = run(["build", "-q", "-o", ca, "--all-variants", "--fuki-all", "cloud.efi", CLOUD], env=env_a)
    os.umask(0o077)
    r2 = run(["build", "-q", "-o", "../../cb", "--all-variants", "--fuki-all", "cloud.efi", "layouts/cloud.yaml"],
             env=env_b, cwd=far)
    os.umask(old)
    check(r1.returncode == 0 and r2.returncode == 0, "cloud builds: %s %s" % (r1.stderr, r2.stderr))
    check(sorted(os.listdir(ca)) == sorted(os.listdir(cb)), "same cloud outputs")
    for f in os.listdir(ca):
        check(read(os.path.join(ca, f)) == read(os.path.join(tmp, "cb", f)), "cloud %s reproducible" % f)


def inspect(path):
    r = run(["inspect", "--json", path])
    if r.returncode != 0:
        raise SystemExit("inspect failed on %s: %s" % (path, r.stderr))
    return json.loads(r.stdout)


def page_types(path, gpa_lo, gpa_hi):
    """{gpa: (unmeasured, data type name)} of the SEV-SNP PAGE_DATA headers in [gpa_lo, gpa_hi)."""
    out = {}
    for h in inspect(path)["headers"]:
        if h["type"] != "PAGE_DATA" or "SEV_SNP" not in h["applies_to"]:
            continue
        gpa = int(h["fields"]["gpa"], 0)
        if gpa_lo <= gpa < gpa_hi:
            out[gpa] = (h["flags_decoded"]["unmeasured"], h["data_type_name"])
    return out


def case_cloud_variants(tmp):
    """QEMU, EC2 and GCE variants differ as measure.md says: SEC memory, vCPU VMSAs, measurements."""
    need(OVMF, "ovmf")
    out = os.path.join(tmp, "out")
    r = run(["build", "-q", "-o", out, "--all-variants", CLOUD])
    check(r.returncode == 0, "cloud --all-variants: " + r.stderr)
    r = run(["build", "--list-variants", CLOUD])
    check(r.stdout.split() == ["qemu", "ec2", "gce"], "variants qemu, ec2, gce")
    if failures:
        return
    files = {v: os.path.join(out, "ovmf-%s.igvm" % v) for v in ("qemu", "ec2", "gce")}
    # Debian OVMF's first SNP_SEC_MEM section: 0x800000, 9 pages (measure.md §2.3)
    sec = {v: page_types(files[v], 0x800000, 0x809000) for v in files}
    check(len(sec["gce"]) == 9 and len(sec["ec2"]) == 9, "SEC memory pages present")
    check(sec["ec2"] == sec["qemu"], "EC2 loads SEC memory as QEMU does (ZERO)")
    check(sec["gce"] != sec["ec2"] and all(t[0] for t in sec["gce"].values()) and
          not any(t[0] for t in sec["ec2"].values()),
          "GCE loads SEC memory as UNMEASURED pages: %s" % list(sec["gce"].values())[:1])
    vps = {v: [h["fields"]["vp_index"] for h in inspect(files[v])["headers"] if h["type"] == "VP_CONTEXT"]
           for v in files}
    check(sorted(vps["ec2"]) == [0, 1, 2, 3] and sorted(vps["gce"]) == [0, 1, 2, 3],
          "EC2 and GCE carry a VMSA per vCPU of the 4-vCPU shape: %s" % vps)
    check(vps["qemu"] == [0], "QEMU leaves the APs to its reset state")
    ms = {v: json.loads(read(os.path.join(out, "ovmf-%s.measurements.json" % v))) for v in files}
    text = {v: json.dumps(ms[v]) for v in files}
    check("EPYC-Genoa" in text["qemu"] and "EPYC-Genoa" not in text["ec2"], "vCPU types per cloud")
    # -D changes the shape consistently
    r = run(["build", "-q", "-o", os.path.join(tmp, "eight"), "--variant", "ec2", "-D", "CLOUD_VCPUS=8",
             "-D", "CLOUD_APS=7", CLOUD])
    check(r.returncode == 0, "8-vCPU shape: " + r.stderr)
    # an inconsistent shape is refused with a message, and nothing is written
    bad = os.path.join(tmp, "bad")
    r = run(["build", "-q", "-o", bad, "--variant", "gce", "-D", "CLOUD_VCPUS=2", CLOUD])
    check(r.returncode != 0 and "vp_index" in r.stderr and not os.path.exists(os.path.join(bad, "ovmf-gce.igvm")),
          "more VMSAs than vCPUs is refused: " + r.stderr)


def case_fuki_all(tmp):
    """--fuki-all packs every variant in one add-on with a '.hwids' naming the variants."""
    need(OVMF, "ovmf")
    hw = os.path.join(tmp, "hwids")
    os.mkdir(hw)
    # CHID JSON files as ukify takes them (systemd ukify --hwids); CHIDs are arbitrary test GUIDs
    for i, v in enumerate(("qemu", "ec2", "gce")):
        with open(os.path.join(hw, v + ".json"), "w") as f:
            json.dump({"type": "uefi-fw", "name": "test %s machine" % v, "fwid": v,
                       "hwids": ["%08x-0000-4000-8000-00000000000%d" % (0x1000 + i, i)]}, f)
    out = os.path.join(tmp, "out")
    defs, crt = keys(tmp)
    r = run(["build", "-o", out, "--all-variants", "--fuki-all", "cloud.efi", "--hwids", hw, CLOUD])
    check(r.returncode == 0, "--fuki-all: " + r.stderr)
    if failures:
        return
    check("%s/cloud.efi: FUKI add-on, " % out in r.stdout, "summary names the add-on")
    secs = pe_sections(read(os.path.join(out, "cloud.efi")))
    names = [n for n, _ in secs]
    check(names.count(".efifw") == 3 and ".hwids" in names, "three '.efifw' and a '.hwids': %s" % names)
    efifw = [s for n, s in secs if n == ".efifw"]
    for v, s in zip(("qemu", "ec2", "gce"), efifw):
        check(read(os.path.join(out, "ovmf-%s.igvm" % v)) in s and v.encode() in s,
              "'.efifw' of %s holds its IGVM and firmware id" % v)
    hwids = [s for n, s in secs if n == ".hwids"][0]
    for v in ("qemu", "ec2", "gce"):
        check(v.encode() + b"\0" in hwids, "'.hwids' names fwid %s" % v)
    # a CHID file naming a firmware id no variant has is refused, nothing written
    with open(os.path.join(hw, "other.json"), "w") as f:
        json.dump({"type": "uefi-fw", "name": "x", "fwid": "azure", "hwids": ["00000000-0000-4000-8000-000000000009"]}, f)
    out2 = os.path.join(tmp, "out2")
    r = run(["build", "-q", "-o", out2, "--all-variants", "--fuki-all", "cloud.efi", "--hwids", hw, CLOUD])
    check(r.returncode == 3 and "azure" in r.stderr and not os.path.exists(out2),
          "unknown fwid refused: %d %s" % (r.returncode, r.stderr))
    # signed with the layout's outputs.sign (distro layout, one product: fwid = IGVM name)
    r = distro(tmp, os.path.join(tmp, "signed"), defs, "-q", "--fuki-all", "all.efi")
    check(r.returncode == 0, "distro --fuki-all: " + r.stderr)
    if r.returncode == 0 and shutil.which("sbverify"):
        v = subprocess.run(["sbverify", "--cert", crt, os.path.join(tmp, "signed", "all.efi")],
                           capture_output=True, text=True)
        check(v.returncode == 0, "sbverify accepts the signed --fuki-all add-on: " + v.stderr)
    r = run(["build", "-q", "-o", out, "--fuki-all", "ovmf-qemu.igvm", "--variant", "qemu", CLOUD])
    check(r.returncode == 3 and "two outputs are named 'ovmf-qemu.igvm'" in r.stderr,
          "an add-on named like an IGVM is refused: " + r.stderr)
    r = run(["build", "-q", "-o", out, "--hwids", hw, os.path.join(SRC, "layouts", "default.yaml")])
    check(r.returncode == 2, "--hwids without --fuki-all is a usage error")


def case_atomic(tmp):
    """A failing step (bad key, bad descriptor dir) leaves no output at all."""
    need(OVMF, "ovmf")
    defs, _ = keys(tmp)
    out = os.path.join(tmp, "out")
    r = run(["build", "-q", "-o", out, "-D", "SIGN_KEY=" + os.path.join(tmp, "missing.key"),
             "-D", "SIGN_CERT=" + os.path.join(tmp, "db.crt"), DISTRO])
    check(r.returncode == 4 and "missing.key" in r.stderr, "missing key: %d %s" % (r.returncode, r.stderr))
    check(not os.path.exists(out), "nothing written after a signing failure")
    r = run(["build", "-q", "-o", out, "--descriptor", "relative/dir"] + defs + [DISTRO])
    check(r.returncode == 2 and not os.path.exists(out), "relative --descriptor dir refused")
    r = run(["build", "-q", "-o", out] + defs[:2] + [DISTRO])
    check(r.returncode == 3 and "SIGN_CERT" in r.stderr and not os.path.exists(out),
          "undefined SIGN_CERT named: " + r.stderr)
    r = run(["build", "--check", "-o", os.path.join(tmp, "none")] + defs + [DISTRO])
    check(r.returncode == 1 and not os.path.exists(os.path.join(tmp, "none")),
          "--check against an empty directory: mismatch, nothing created")


def case_layout_outputs(tmp):
    """outputs.descriptor, outputs.fuki-all and per-variant outputs.hwids in a layout."""
    need(OVMF, "ovmf")
    for v in ("qemu", "ec2", "gce"):
        with open(os.path.join(tmp, v + ".json"), "w") as f:
            json.dump({"type": "uefi-fw", "name": v, "fwid": v,
                       "hwids": ["%08x-1111-4111-8111-111111111111" % len(v + "x" * ord(v[0]))]}, f)
    lay = os.path.join(tmp, "site.yaml")
    with open(lay, "w") as f:
        f.write("include: %s\n"
                "outputs:\n"
                "  fuki-all: site.efi\n"
                "  descriptor: {install-dir: /opt/fw, file: site.json, description: site firmware}\n"
                "variants:\n"
                "  qemu: {outputs: {hwids: qemu.json, descriptor: {file: qemu.json}}}\n"
                "  ec2: {outputs: {hwids: ec2.json, descriptor: {file: ec2.json}}}\n"
                "  gce: {outputs: {hwids: gce.json, descriptor: {file: gce.json}}}\n" % CLOUD)
    out = os.path.join(tmp, "out")
    r = run(["build", "-q", "-o", out, "--all-variants", lay])
    check(r.returncode == 0, "layout outputs build: " + r.stderr)
    if failures:
        return
    check(sorted(os.listdir(out)) == sorted(["site.efi", "qemu.json", "ec2.json", "gce.json"] +
                                            ["ovmf-%s.%s" % (v, e) for v in ("qemu", "ec2", "gce")
                                             for e in ("igvm", "measurements.json")]),
          "outputs: %s" % sorted(os.listdir(out)))
    d = json.loads(read(os.path.join(out, "gce.json")))
    check(d["description"] == "site firmware" and d["mapping"]["filename"] == "/opt/fw/ovmf-gce.igvm",
          "descriptor from the layout: %s" % d)
    hw = [s for n, s in pe_sections(read(os.path.join(out, "site.efi"))) if n == ".hwids"]
    check(len(hw) == 1 and all(v.encode() + b"\0" in hw[0] for v in ("qemu", "ec2", "gce")),
          "per-variant hwids in the add-on")
    # --print-layout shows the keys, and the printed layout builds the same bytes
    r = run(["build", "--print-layout", "--variant", "gce", lay])
    check(r.returncode == 0 and "fuki-all:" in r.stdout and "install-dir:" in r.stdout and "hwids:" in r.stdout,
          "--print-layout shows the outputs: " + r.stdout[-400:])
    # errors name the place
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("include: %s\noutputs:\n  descriptor: {install-dir: fw}\n" % CLOUD)
    r = run(["build", "-q", "-o", os.path.join(tmp, "bad"), bad])
    check(r.returncode == 3 and "line 3, column 29" in r.stderr and "absolute" in r.stderr,
          "relative install-dir refused at its place: " + r.stderr)
    with open(bad, "w") as f:
        f.write("include: %s\noutputs:\n  descriptor: {file: x.json}\n" % CLOUD)
    r = run(["build", "-q", "-o", os.path.join(tmp, "bad"), bad])
    check(r.returncode == 3 and "needs an 'install-dir'" in r.stderr, "install-dir required: " + r.stderr)
    with open(bad, "w") as f:
        f.write("include: %s\noutputs:\n  fuki-all: ../x.efi\n" % CLOUD)
    r = run(["build", "-q", "-o", os.path.join(tmp, "bad"), bad])
    check(r.returncode == 3 and "plain file name" in r.stderr, "fuki-all is a plain name: " + r.stderr)
    with open(bad, "w") as f:  # '.' names the directory itself: refused at its place, not at rename
        f.write("include: %s\noutputs:\n  igvm: \".\"\n" % CLOUD)
    r = run(["build", "-q", "-o", os.path.join(tmp, "bad"), bad])
    check(r.returncode == 3 and "line 3, column 9" in r.stderr and "plain file name" in r.stderr,
          "igvm '.' refused: " + r.stderr)
    with open(bad, "w") as f:
        f.write("include: %s\noutputs:\n  hwids: %s\n" % (DISTRO, os.path.join(tmp, "gce.json")))
    defs, _ = keys(tmp)
    r = run(["build", "-q", "-o", os.path.join(tmp, "bad")] + defs + [bad])
    check(r.returncode == 3 and "no add-on to put it in" in r.stderr and not os.path.exists(os.path.join(tmp, "bad")),
          "hwids without an add-on refused: " + r.stderr)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if CASE not in CASES:
        raise SystemExit("unknown case %s (known: %s)" % (CASE, ", ".join(CASES)))
    with tempfile.TemporaryDirectory(prefix="ik-build-") as tmp:
        CASES[CASE](tmp)
    print("%s: %s" % (CASE, "FAILED (%d)" % len(failures) if failures else "ok"))
    sys.exit(1 if failures else 0)
