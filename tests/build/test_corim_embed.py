#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""outputs.corim end to end (issue 16, docs/corim-igvm.md): layout errors, signed SNP + TDX
CoRIMs from one `igvmkit build` of the default layout, `build --check` over them, the embedded
IGVM round trip (read -> inspect -> diff -> regen), what QEMU's IGVM loader and the upstream
parser do with such a file, and nothing written on failure.

usage: test_corim_embed.py IGVMKIT SRCDIR CASE [SYSTEM_PYTHON3]

Inputs: Debian's OVMF.fd (package ovmf) and keys generated here with openssl (skip, 77, without
them).  Cross-checks with tools nobody here wrote: python3-cbor2 (through SYSTEM_PYTHON3, Debian's
interpreter) decodes the documents, `openssl` makes the keys, and ../shared/tools (igvmval,
igvmmeas, QEMU with IGVM; skip with the reason when absent, IGVMKIT_SHARED_DIR overrides).
"""
import json
import os
import shutil
import subprocess
import sys
import struct
import tempfile
import zlib

IK, SRC, CASE = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
SYSTEM_PYTHON = sys.argv[4] if len(sys.argv) > 4 else "/usr/bin/python3"
OVMF = "/usr/share/ovmf/OVMF.fd"
DEFAULT = os.path.join(SRC, "layouts", "default.yaml")
SKIP = 77
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def skip(reason):
    if os.environ.get("IGVMKIT_TEST_NO_SKIP") == "1":
        print("FAIL (IGVMKIT_TEST_NO_SKIP=1): " + reason)
        sys.exit(1)
    print("SKIP: " + reason)
    sys.exit(SKIP)


def run(args, cwd=None):
    e = dict(os.environ)
    e.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([IK] + args, capture_output=True, text=True, env=e, cwd=cwd)


def tools():
    d = os.path.join(os.environ.get("IGVMKIT_SHARED_DIR") or os.path.join(SRC, "..", "shared"), "tools")
    return d if os.path.exists(os.path.join(d, "bin", "igvmval")) else None


def keypair(tmp, name, kind):
    key, crt = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".crt")
    new = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"] if kind == "ec" else
           ["-newkey", "ed25519"] if kind == "ed" else ["-newkey", "rsa:2048"])
    subprocess.run(["openssl", "req", "-x509"] + new + ["-nodes", "-keyout", key, "-out", crt,
                    "-subj", "/CN=" + name, "-days", "30"], check=True, capture_output=True)
    return key, crt


def layout(tmp, name, text, platforms="{sev-snp: {}, tdx: {}, native: {}}"):
    """A layout of Debian's OVMF.fd for PLATFORMS (line 1: include, line 2: platforms), then TEXT."""
    path = os.path.join(tmp, name)
    templates = ", ".join(os.path.join(SRC, "templates", t) for t in
                          ("ovmf-debian.yaml", "snp-policy.yaml", "tdx-policy.yaml"))
    with open(path, "w") as f:
        f.write("include: [%s]\nplatforms: %s\n%s" % (templates, platforms, text))
    return path


def cbor_decode(path):
    """The document as python3-cbor2 (Debian) decodes it, or None when cbor2 is not there."""
    prog = ("import cbor2, json, sys\n"
            "def plain(x):\n"
            "    if isinstance(x, cbor2.CBORTag) and x.tag == 506 and isinstance(x.value, bytes):\n"
            "        return {'tag': 506, 'value': plain(cbor2.loads(x.value))}\n"
            "    if isinstance(x, cbor2.CBORTag): return {'tag': x.tag, 'value': plain(x.value)}\n"
            "    if isinstance(x, dict): return [[plain(k), plain(v)] for k, v in x.items()]\n"
            "    if isinstance(x, (list, tuple)): return [plain(v) for v in x]\n"
            "    if isinstance(x, bytes): return {'bytes': x.hex()}\n"
            "    return x\n"
            "print(json.dumps(plain(cbor2.loads(open(sys.argv[1], 'rb').read()))))\n")
    r = subprocess.run([SYSTEM_PYTHON, "-c", prog, path], capture_output=True, text=True)
    if r.returncode != 0 and "No module named" in r.stderr:
        return None
    check(r.returncode == 0, "cbor2 decodes %s: %s" % (path, r.stderr[-300:]))
    return json.loads(r.stdout) if r.returncode == 0 else None


def bytes_in(tree):
    """Every byte string of a decoded tree, as hex."""
    if isinstance(tree, dict) and "bytes" in tree:
        yield tree["bytes"]
    elif isinstance(tree, dict):
        for v in tree.values():
            yield from bytes_in(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from bytes_in(v)


def doc_digest(tree):
    """The 48-byte digest a launch-measurement document carries (reference and CES triple)."""
    found = sorted(set(b for b in bytes_in(tree) if len(b) == 96))
    return found[0] if len(found) == 1 else None


def measure(path, platform):
    r = run(["measure", "--platform", platform, "--loader", "igvm-crate", path])
    return r.stdout.strip().splitlines()[-1] if r.returncode == 0 else None


def replace_corim_signature(src, dst, mask, blob):
    """Writes SRC with the CORIM_SIGNATURE (0x105) of MASK carrying BLOB, appended as file data
    (igvm.md §1.2: fixed header, 8-byte framed variable headers, CRC-32 over both)."""
    data = bytearray(open(src, "rb").read())
    version, var_off, var_size = struct.unpack_from("<III", data, 4)
    pos = var_off
    while pos < var_off + var_size:
        htype, hlen = struct.unpack_from("<II", data, pos)
        if htype == 0x105 and struct.unpack_from("<I", data, pos + 8)[0] == mask:
            struct.pack_into("<II", data, pos + 12, len(data), len(blob))
        pos += 8 + (hlen + 7) // 8 * 8
    data += blob
    struct.pack_into("<II", data, 16, len(data), 0)
    fixed = {1: 24, 2: 32}[version]
    crc = zlib.crc32(bytes(data[:fixed]) + bytes(data[var_off:var_off + var_size])) & 0xFFFFFFFF
    struct.pack_into("<I", data, 20, crc)
    open(dst, "wb").write(data)


# ---------------------------------------------------------------------------------------------

def case_layout_errors(tmp):
    """Schema errors name the layout's line and column, with the documented exit code."""
    cases = [
        ("outputs:\n  corim:\n    embed: true\n", 7, "line 5, column 12", "allow-non-qemu-headers"),
        ("outputs:\n  corim:\n    sign: {key: k.pem}\n", 3, "line 5, column 11", "no 'cert'"),
        ("outputs:\n  corim:\n    profile: launch\n", 3, "line 5, column 14", "expects one of"),
        ("outputs:\n  corim:\n    enabled: maybe\n", 3, "line 5, column 14", "true, false or if-signed"),
        ("outputs:\n  corim:\n    svn: -1\n", 3, "line 5, column 10", "svn"),
        ("outputs:\n  corim:\n    signer: x\n", 3, "line 5, column 5", "unknown key 'signer'"),
        ("igvm: {allow-non-qemu-headers: true}\noutputs:\n  corim:\n    profile: reference-matrix\n"
         "    embed: true\n", 3, "line 7, column 12", "add launch-measurement"),
        ("outputs:\n  corim:\n    file: a/b\n", 3, "line 5, column 11", "plain file name"),
        ("outputs:\n  corim:\n    sign: {key: 'pkcs11:token=t;pin-value=1234', cert: c.crt}\n", 5,
         "line 5, column 17", "pin-value"),
    ]
    for i, (text, code, place, words) in enumerate(cases):
        lay = layout(tmp, "e%d.yaml" % i, text)
        out = os.path.join(tmp, "e%d" % i)
        r = run(["build", "-o", out, lay])
        check(r.returncode == code and place in r.stderr and words in r.stderr and "e%d.yaml" % i in r.stderr,
              "layout error %d: exit %d (want %d), %s" % (i, r.returncode, code, r.stderr.strip()))
        check(not os.path.exists(out), "layout error %d wrote %s" % (i, out))
    # launch-measurement documents need a platform that has them
    lay = layout(tmp, "native.yaml", "outputs:\n  corim: {}\n", "!replace {native: {}}")
    r = run(["build", "-o", os.path.join(tmp, "n"), lay])
    check(r.returncode == 3 and "line 4, column 10" in r.stderr and "sev-snp, tdx and vsm" in r.stderr,
          "launch-measurement for a native-only layout: %d %s" % (r.returncode, r.stderr.strip()))
    # --print-layout shows the resolved section, and loads back
    key, crt = keypair(tmp, "p", "ec")
    r = run(["build", "--print-layout", "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt, DEFAULT])
    check(r.returncode == 0 and "  corim:\n" in r.stdout and "profile: [launch-measurement, reference-matrix]"
          in r.stdout and "key: \"%s\"" % key in r.stdout, "--print-layout shows outputs.corim: " + r.stdout[-600:])
    dumped = os.path.join(tmp, "dumped.yaml")
    with open(dumped, "w") as f:
        f.write(r.stdout)
    r = run(["build", "--print-layout", dumped])
    check(r.returncode == 0 and "  corim:\n" in r.stdout, "the dump loads back: " + r.stderr)
    r = run(["build", "--print-layout", DEFAULT])
    check(r.returncode == 0 and "corim" not in r.stdout, "no CORIM_KEY: no outputs.corim in the dump")


def case_default_signed(tmp):
    """`igvmkit build -D CORIM_KEY= -D CORIM_CERT=`: signed SNP and TDX CoRIMs from one build."""
    key, crt = keypair(tmp, "vendor", "ec")
    out = os.path.join(tmp, "out")
    r = run(["build", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt])
    if not check(r.returncode == 0, "build: " + r.stderr):
        return
    want = ["ovmf-matrix.cbor", "ovmf-matrix.cose", "ovmf-snp.cbor", "ovmf-snp.cose", "ovmf-tdx.cbor",
            "ovmf-tdx.cose", "ovmf.igvm", "ovmf.measurements.json"]
    check(sorted(os.listdir(out)) == want, "outputs: %s" % sorted(os.listdir(out)))
    check("detached COSE_Sign1 ES384 of ovmf-tdx.cbor" in r.stdout, "summary names the signatures")
    # the default output is unchanged without the defines
    plain = os.path.join(tmp, "plain")
    r2 = run(["build", "-q", "-o", plain])
    check(r2.returncode == 0 and sorted(os.listdir(plain)) == ["ovmf.igvm", "ovmf.measurements.json"],
          "default build without CORIM_KEY writes no CoRIM")
    check(open(os.path.join(plain, "ovmf.igvm"), "rb").read() == open(os.path.join(out, "ovmf.igvm"), "rb").read(),
          "the IGVM does not depend on the CoRIM outputs")
    igvm = os.path.join(out, "ovmf.igvm")
    js = json.load(open(os.path.join(out, "ovmf.measurements.json")))
    for plat, stem in (("sev-snp", "ovmf-snp"), ("tdx", "ovmf-tdx"), (None, "ovmf-matrix")):
        doc, sig = os.path.join(out, stem + ".cbor"), os.path.join(out, stem + ".cose")
        v = run(["verify", "--cert", crt, "--payload", doc, sig])
        check(v.returncode == 0 and "verification OK" in v.stdout, "verify %s: %s%s" % (stem, v.stdout, v.stderr))
        tree = cbor_decode(doc)
        if tree is None or plat is None:
            continue
        check(tree.get("tag") == 501, "%s is a tagged-unsigned-corim-map (#6.501)" % stem)
        # the digest the document carries is igvmkit's igvm-crate value of the same file
        check(doc_digest(tree) == measure(igvm, plat), "%s digest equals `measure --loader igvm-crate`" % stem)
    # one source: TDX's MRTD in the measurements JSON is the igvm-crate value the document carries
    tdx = [m for m in js["measurements"] if m["platform"] == "tdx"]
    tree = cbor_decode(os.path.join(out, "ovmf-tdx.cbor"))
    if tree is not None and tdx:
        check(tdx[0]["digest"] == doc_digest(tree), "TDX document and measurements JSON agree")
    t = tools()
    if t:
        for plat in ("snp", "tdx"):
            up = subprocess.run([os.path.join(t, "bin", "igvmmeas"), "--platform", plat, igvm],
                                capture_output=True, text=True)
            tree = cbor_decode(os.path.join(out, "ovmf-%s.cbor" % plat))
            if tree is not None:
                check(up.returncode == 0 and up.stdout.strip().splitlines()[-1] == doc_digest(tree),
                      "igvmmeas (igvm crate) %s equals the document's digest" % plat)
    else:
        print("note: ../shared/tools absent: igvmmeas cross-check not run")
    # --check: signatures that still verify count as reproduced
    c = run(["build", "--check", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt])
    check(c.returncode == 0 and "8 outputs in" in c.stdout, "--check reproduces: %s%s" % (c.stdout, c.stderr))
    # a changed SVN: both documents and their signatures differ, decoded
    lay = os.path.join(tmp, "svn.yaml")
    with open(lay, "w") as f:
        f.write("include: [%s]\noutputs:\n  corim:\n    svn: 7\n" % DEFAULT)
    c = run(["build", "--check", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt, lay])
    check(c.returncode == 1 and "ovmf-snp.cbor: differs from the rebuild" in c.stdout and
          "svn: A 0, B 7" in c.stdout and "ovmf-snp.cose: differs" in c.stdout and
          "ovmf.igvm: identical" in c.stdout and "ovmf-matrix.cbor: identical" in c.stdout,
          "--check names the changed CoRIMs: " + c.stdout)
    # a CoRIM file altered on disk
    with open(os.path.join(out, "ovmf-tdx.cbor"), "r+b") as f:
        data = bytearray(f.read())
        data[-1] ^= 1
        f.seek(0)
        f.write(data)
    c = run(["build", "--check", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt])
    check(c.returncode == 1 and "ovmf-tdx.cbor: differs from the rebuild" in c.stdout and
          "ovmf-snp.cbor: identical" in c.stdout, "--check detects an altered CoRIM: " + c.stdout)


def case_attached(tmp):
    """attached: one signed CoRIM per document (PS256 with an RSA key), verified without --payload."""
    key, crt = keypair(tmp, "rsa", "rsa")
    lay = layout(tmp, "att.yaml", "outputs:\n  corim:\n    profile: launch-measurement\n    svn: 3\n"
                 "    sign: {key: %s, cert: %s, attached: true}\n" % (key, crt))
    out = os.path.join(tmp, "out")
    r = run(["build", "-o", out, lay])
    check(r.returncode == 0, "build: " + r.stderr)
    check(sorted(os.listdir(out)) == ["att-snp.cose", "att-tdx.cose", "att.igvm", "att.measurements.json"],
          "attached outputs: %s" % os.listdir(out))
    v = run(["verify", "--cert", crt, os.path.join(out, "att-tdx.cose")])
    check(v.returncode == 0 and "PS256" in v.stdout, "verify attached: %s%s" % (v.stdout, v.stderr))
    tree = cbor_decode(os.path.join(out, "att-tdx.cose"))
    if tree is not None:
        check(tree.get("tag") == 18 and len(tree["value"]) == 4, "COSE_Sign1 (#6.18) of 4 items")


def case_embedded(tmp):
    """The embedded IGVM: read -> inspect -> diff -> regen (re-signed by the customer)."""
    vkey, vcrt = keypair(tmp, "vendor", "ec")
    ckey, ccrt = keypair(tmp, "customer", "rsa")
    defs = ["-D", "CORIM_KEY=" + vkey, "-D", "CORIM_CERT=" + vcrt, "-D", "CORIM_EMBED=true"]
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    r = run(["build", "-o", a] + defs)
    if not check(r.returncode == 0, "embedded build: " + r.stderr):
        return
    check("4 CORIM_DOCUMENT/CORIM_SIGNATURE header(s)" in r.stderr and "QEMU's IGVM loader refuses it" in r.stderr,
          "the build warns about QEMU: " + r.stderr)
    igvm = os.path.join(a, "ovmf.igvm")
    j = json.loads(run(["inspect", "--json", igvm]).stdout)
    types = [h["type"] for h in j["headers"]][:10]
    check(types[4:10] == ["GUEST_POLICY", "GUEST_POLICY", "CORIM_DOCUMENT", "CORIM_SIGNATURE", "CORIM_DOCUMENT",
                          "CORIM_SIGNATURE"], "CoRIM headers after the initialization headers: %s" % types)
    check(j["format_version"] == 2 if "format_version" in j else True, "the layout's format version is kept")
    corim = j.get("corim", [])
    check([c["type"] for c in corim] == ["CORIM_DOCUMENT", "CORIM_SIGNATURE"] * 2 and
          corim[0]["reference_values"][0]["mkey"] == "MEASUREMENT" and corim[1]["verifies_with_x5chain"] and
          corim[3]["signer"] == "vendor" and corim[2]["platform"] == "TDX", "inspect --json decodes: %s" % corim)
    text = run(["inspect", igvm]).stdout
    check("CORIM_DOCUMENT mask 0x1 (SEV_SNP)" in text and "AMD/SEV-SNP MEASUREMENT sha384" in text and
          "Intel/TDX MRTD sha384" in text and 'signer "vendor"' in text and
          "signature verifies over the document" in text, "inspect decodes the CoRIM headers:\n" + text[-1500:])
    # the embedded documents are the files beside the IGVM, and their digests are the file's own
    doc = open(os.path.join(a, "ovmf-snp.cbor"), "rb").read()
    check(doc.hex() in open(igvm, "rb").read().hex(), "the SNP document is embedded byte for byte")
    drop = os.path.join(tmp, "dropped.igvm")
    # regen without a CoRIM choice keeps no stale vendor signature: refused, nothing written
    out = os.path.join(tmp, "customer.igvm")
    r = run(["regen", "--db", ccrt, "-o", out, igvm])
    check(r.returncode == 5 and "CoRIM signature(s)" in r.stderr and not os.path.exists(out),
          "regen refuses to keep the vendor's CoRIM signatures: %d %s" % (r.returncode, r.stderr))
    r = run(["regen", "--db", ccrt, "--corim-key", ckey, "--corim-cert", ccrt, "--corim-svn", "5", "-o", out, igvm])
    check(r.returncode == 0 and "2 document(s) regenerated, 2 re-signed" in r.stdout, "regen re-signs: " + r.stdout + r.stderr)
    text = run(["inspect", out]).stdout
    check('signer "customer"' in text and "svn 5" in text and "signature verifies" in text,
          "the customer's IGVM carries the customer's signatures:\n" + text[-1200:])
    d = run(["diff", igvm, out])
    check(d.returncode == 1 and "(CORIM_DOCUMENT) for SEV_SNP: reference value 0" in d.stdout and
          "signer: A vendor, B customer" in d.stdout and "algorithm: A ES384, B PS256" in d.stdout,
          "diff decodes the CoRIM differences:\n" + d.stdout[:2500])
    # --corim-out: the customer's standalone CoRIMs of the new image, signed, written with it
    prefix = os.path.join(tmp, "cust")
    out2 = os.path.join(tmp, "customer2.igvm")
    r = run(["regen", "--db", ccrt, "--corim-key", ckey, "--corim-cert", ccrt, "--corim-out", prefix, "-o", out2, igvm])
    check(r.returncode == 0 and os.path.exists(prefix + "-matrix.cose"), "regen --corim-out: " + r.stderr)
    v = run(["verify", "--cert", ccrt, "--payload", prefix + "-snp.cbor", prefix + "-snp.cose"])
    check(v.returncode == 0, "the customer's standalone SNP CoRIM verifies: " + v.stdout + v.stderr)
    # the regenerated digests are the new file's own (measured without the CoRIM headers)
    r = run(["regen", "--db", ccrt, "--corim-drop", "-o", drop, igvm])
    check(r.returncode == 0, "regen --corim-drop: " + r.stderr)
    dj = json.loads(run(["inspect", "--json", drop]).stdout)
    check(not [h for h in dj["headers"] if h["type"].startswith("CORIM_")], "--corim-drop removes them")
    new_snp = measure(drop, "sev-snp")
    check(new_snp is not None and new_snp in text, "the re-signed document carries the regenerated SNP digest")
    tree = cbor_decode(prefix + "-snp.cbor")
    if tree is not None:
        check(doc_digest(tree) == new_snp, "the --corim-out SNP document carries it too")
    # a second build signs afresh (ECDSA): diff says the same signature was made twice
    r = run(["build", "-q", "-o", b] + defs)
    d = run(["diff", "--semantic", igvm, os.path.join(b, "ovmf.igvm")])
    check(d.returncode == 0 and "equivalent" in d.stdout and "another COSE_Sign1 over the same CoRIM document" in d.stdout,
          "two signings are a layout difference:\n" + d.stdout[:1500])
    c = run(["build", "--check", "-o", a] + defs)
    check(c.returncode == 0, "--check of the embedded build: " + c.stdout + c.stderr)
    d = run(["diff", os.path.join(a, "ovmf-snp.cbor"), os.path.join(tmp, "nothing")])
    check(d.returncode != 0, "diff of a missing file fails")
    # the file the build embeds for loaders that read it: igvmval and QEMU refuse it
    t = tools()
    if not t:
        print("note: ../shared/tools absent (set IGVMKIT_SHARED_DIR): igvmval/QEMU checks in case qemu")


def case_qemu(tmp):
    """What QEMU's IGVM loader and the upstream parser do with embedded CoRIMs (docs/corim-igvm.md)."""
    t = tools()
    if not t:
        skip("../shared/tools (igvmval, qemu-igvm) absent: set IGVMKIT_SHARED_DIR")
    key, crt = keypair(tmp, "vendor", "ec")
    out = os.path.join(tmp, "out")
    r = run(["build", "-q", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt, "-D", "CORIM_EMBED=true"])
    if not check(r.returncode == 0, "build: " + r.stderr):
        return
    igvm = os.path.join(out, "ovmf.igvm")
    v = subprocess.run([os.path.join(t, "bin", "igvmval"), igvm], capture_output=True, text=True)
    check(v.returncode == 1 and "ERR %s: new_from_binary(None): invalid binary initialization header "
          "(InvalidBinaryInitializationHeader(InvalidVariableHeaderType))" % igvm in v.stdout,
          "igvmval refuses the CoRIM headers: " + v.stdout)
    qemu = os.path.join(t, "qemu-igvm", "bin", "qemu-system-x86_64")
    if not os.access(qemu, os.X_OK):
        skip("%s absent" % qemu)
    # QEMU parses the file before it starts the guest: the refusal needs no boot disk
    q = subprocess.run([qemu, "-machine", "q35,igvm-cfg=ig", "-object", "igvm-cfg,id=ig,file=" + igvm,
                        "-accel", "tcg", "-m", "512", "-nographic", "-display", "none", "-net", "none", "-S"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    check(q.returncode != 0 and "Unable to parse IGVM file %s: -10" % igvm in q.stderr,
          "QEMU refuses the file: exit %d %s" % (q.returncode, q.stderr.strip()))
    print("QEMU: " + q.stderr.strip())
    print("igvmval: " + v.stdout.strip())


def case_atomic(tmp):
    """A CoRIM failure (key not matching its certificate) writes nothing, not even the IGVM."""
    key, _ = keypair(tmp, "k1", "ec")
    _, crt = keypair(tmp, "k2", "ec")
    out = os.path.join(tmp, "out")
    r = run(["build", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt])
    check(r.returncode == 5 and "does not match the certificate" in r.stderr and "outputs.corim.sign" in r.stderr,
          "mismatched key: exit %d %s" % (r.returncode, r.stderr.strip()))
    check(not os.path.exists(out), "nothing written (no output directory left)")
    os.makedirs(out)
    with open(os.path.join(out, "ovmf.igvm"), "w") as f:
        f.write("old")
    r = run(["build", "-o", out, "-D", "CORIM_KEY=" + key, "-D", "CORIM_CERT=" + crt])
    check(r.returncode == 5 and os.listdir(out) == ["ovmf.igvm"] and open(os.path.join(out, "ovmf.igvm")).read() == "old",
          "an existing output stays as it was: %s" % os.listdir(out))
    r = run(["build", "-o", out, "-D", "CORIM_KEY=" + os.path.join(tmp, "missing.key"), "-D", "CORIM_CERT=" + crt])
    check(r.returncode == 4 and "missing.key" in r.stderr and os.listdir(out) == ["ovmf.igvm"],
          "a missing key: exit %d %s" % (r.returncode, r.stderr.strip()))


def case_two_step(tmp):
    """`corim tbs|attach --igvm`: the embedded document signed elsewhere equals one-step signing."""
    ekey, ecrt = keypair(tmp, "ed", "ed")
    pkey, pcrt = keypair(tmp, "p384", "ec")
    _, ocrt = keypair(tmp, "other", "ed")
    head = "igvm: {allow-non-qemu-headers: true}\noutputs:\n  igvm: o.igvm\n  corim:\n    embed: true\n"
    u, s = os.path.join(tmp, "u"), os.path.join(tmp, "s")
    r = run(["build", "-q", "-o", u, layout(tmp, "u.yaml", head)])
    check(r.returncode == 0, "unsigned embedded build: " + r.stderr)
    r = run(["build", "-q", "-o", s, layout(tmp, "s.yaml", head + "    sign: {key: %s, cert: %s}\n" % (ekey, ecrt))])
    check(r.returncode == 0, "Ed25519-signed embedded build: " + r.stderr)
    cur = os.path.join(u, "o.igvm")
    for i, plat in enumerate(("snp", "tdx")):
        tbs, sig, nxt = (os.path.join(tmp, "%s.%s" % (plat, e)) for e in ("tbs", "sig", "igvm"))
        r = run(["corim", "tbs", "--igvm", cur, "--platform", plat, "--cert", ecrt, "-o", tbs])
        check(r.returncode == 0, "tbs %s: %s" % (plat, r.stderr))
        subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", ekey, "-in", tbs, "-out", sig], check=True)
        r = run(["corim", "attach", "--igvm", cur, "--platform", plat, "--cert", ecrt, "--signature", sig, "-o", nxt])
        check(r.returncode == 0, "attach %s: %s" % (plat, r.stderr))
        if i == 0:
            d = run(["diff", cur, nxt])
            check(d.returncode == 1 and "CORIM_SIGNATURE" in d.stdout, "diff names the added signature:\n" + d.stdout[:1500])
        cur = nxt
    one = os.path.join(s, "o.igvm")
    check(open(cur, "rb").read() == open(one, "rb").read(), "two-step (tbs, openssl, attach) == one-step Ed25519 build")
    # verify --igvm measures the embedded file without its CoRIM headers (QEMU's model refuses them)
    for stem in ("o-matrix", "o-snp"):
        v = run(["verify", "--cert", ecrt, "--payload", os.path.join(s, stem + ".cbor"), "--igvm", one,
                 os.path.join(s, stem + ".cose")])
        check(v.returncode == 0 and "verification OK" in v.stdout, "verify --igvm %s of the embedded build: %s %s"
              % (stem, v.stdout[-300:], v.stderr))
    d = run(["diff", cur, one])
    check(d.returncode == 0 and "identical" in d.stdout, "igvmkit diff: identical: " + d.stdout[-300:])
    # An attached COSE_Sign1 in a CORIM_SIGNATURE verifies only when its payload is the document:
    # here the TDX document, signed attached, under SNP's mask.
    att, odd = os.path.join(tmp, "tdx-attached.cose"), os.path.join(tmp, "odd.igvm")
    r = run(["corim", "sign", "--key", ekey, "--cert", ecrt, "-o", att, os.path.join(s, "o-tdx.cbor")])
    replace_corim_signature(one, odd, 1, open(att, "rb").read())
    t = run(["inspect", odd])
    check(t.returncode == 0 and "attached payload; a CORIM_SIGNATURE is detached" in t.stdout and
          "signature does NOT verify over the document" in t.stdout, "inspect: attached payload is not the document:\n"
          + t.stdout[-800:] + t.stderr)
    j = json.loads(run(["inspect", "--json", odd]).stdout or "{}").get("corim", [])
    check(len(j) == 4 and j[1].get("verifies_with_x5chain") is False and j[3].get("verifies_with_x5chain") is True,
          "inspect --json: the odd SNP signature does not verify, TDX's does: %s" % j)
    d = run(["diff", one, odd])
    check(d.returncode == 1 and "signature: A verifies over its document, B does NOT verify" in d.stdout,
          "diff: the attached signature over another document does not verify:\n" + d.stdout[:2000])
    # ES384, DER from openssl, replacing the Ed25519 signature: it verifies, the header count stays.
    tbs, sig, es = (os.path.join(tmp, n) for n in ("es.tbs", "es.der", "es.igvm"))
    run(["corim", "tbs", "--igvm", one, "--platform", "tdx", "--cert", pcrt, "-o", tbs])
    subprocess.run(["openssl", "dgst", "-sha384", "-sign", pkey, "-out", sig, tbs], check=True)
    r = run(["corim", "attach", "--igvm", one, "--platform", "tdx", "--cert", pcrt, "--signature", sig, "--der", "-o", es])
    check(r.returncode == 0, "attach --der over an existing signature: " + r.stderr)
    j = json.loads(run(["inspect", "--json", es]).stdout or "{}").get("corim", [])
    check([c["type"] for c in j] == ["CORIM_DOCUMENT", "CORIM_SIGNATURE"] * 2 and j[3].get("alg") == "ES384" and
          j[3].get("verifies_with_x5chain") and j[1].get("alg") == "EdDSA", "replaced TDX signature: %s" % j)
    # Refused, nothing written: a tampered signature, another certificate, no document, bad usage.
    bad = os.path.join(tmp, "bad.sig")
    raw = bytearray(open(os.path.join(tmp, "snp.sig"), "rb").read())
    raw[5] ^= 1
    open(bad, "wb").write(raw)
    out = os.path.join(tmp, "never.igvm")
    plain = os.path.join(tmp, "plain")
    run(["build", "-q", "-o", plain, layout(tmp, "p.yaml", "outputs:\n  igvm: o.igvm\n")])
    for args, code, words in [
            (["--igvm", os.path.join(u, "o.igvm"), "--platform", "snp", "--cert", ecrt, "--signature", bad], 1,
             ["bad.sig", "does not verify"]),
            (["--igvm", os.path.join(u, "o.igvm"), "--platform", "snp", "--cert", ocrt, "--signature",
              os.path.join(tmp, "snp.sig")], 1, ["does not verify"]),
            (["--igvm", os.path.join(plain, "o.igvm"), "--platform", "snp", "--cert", ecrt, "--signature",
              os.path.join(tmp, "snp.sig")], 3, ["o.igvm", "no CORIM_DOCUMENT header for SEV_SNP"]),
            (["--igvm", os.path.join(u, "o.igvm"), "--cert", ecrt, "--signature", bad], 2, ["--platform"]),
            (["--igvm", os.path.join(u, "o.igvm"), "--platform", "snp", "--cert", ecrt, "--signature", bad, "x.cbor"],
             2, ["no DOC"])]:
        r = run(["corim", "attach"] + args + ["-o", out])
        check(r.returncode == code and all(w in r.stderr for w in words) and not os.path.exists(out),
              "attach refused (%s): exit %d %s" % (words, r.returncode, r.stderr.strip()))
    check(not [n for n in os.listdir(tmp) if ".tmp" in n], "no temporary left: %s" % os.listdir(tmp))


def case_determinism(tmp):
    """Every unsigned CoRIM output (and Ed25519-signed ones) is the same bytes across directory, TZ, locale, umask."""
    ekey, ecrt = keypair(tmp, "ed", "ed")
    text = ("igvm: {allow-non-qemu-headers: true}\noutputs:\n  igvm: o.igvm\n  corim:\n    embed: true\n")
    lay_u = layout(tmp, "u.yaml", text)
    lay_s = layout(tmp, "s.yaml", text + "    sign: {key: %s, cert: %s}\n" % (ekey, ecrt))
    lay_f = layout(tmp, "f.yaml", "outputs:\n  igvm: o.igvm\n  corim: {svn: 3}\n")
    envs = [({"TZ": "UTC", "LC_ALL": "C"}, 0o022),
            ({"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, 0o077)]
    trees = []
    for i, (extra, mask) in enumerate(envs):
        e = dict(os.environ)
        e.pop("SOURCE_DATE_EPOCH", None)
        e.update(extra)
        top = os.path.join(tmp, "run%d" % i, "deeper" * i)
        os.makedirs(top)
        old = os.umask(mask)
        try:
            for name, lay in (("u", lay_u), ("s", lay_s), ("f", lay_f)):
                r = subprocess.run([IK, "build", "-q", "-o", name, lay], capture_output=True, text=True, env=e, cwd=top)
                check(r.returncode == 0, "build %s (%s): %s" % (name, extra, r.stderr))
            r = subprocess.run([IK, "measure", "-q", "--corim", "m", "--svn", "7", os.path.join("f", "o.igvm")],
                               capture_output=True, text=True, env=e, cwd=top)
            check(r.returncode == 0, "measure --corim (%s): %s" % (extra, r.stderr))
        finally:
            os.umask(old)
        files = {}
        for d, _, names in os.walk(top):
            for n in names:
                path = os.path.join(d, n)
                files[os.path.relpath(path, top)] = open(path, "rb").read()
        trees.append(files)
    a, b = trees
    check(sorted(a) == sorted(b), "the same files: %s / %s" % (sorted(a), sorted(b)))
    corim = [n for n in a if n.endswith((".cbor", ".cose"))]
    check(len(corim) >= 9, "CoRIM files written: %s" % sorted(corim))
    for n in sorted(a):
        check(a[n] == b.get(n), "%s is the same bytes in both runs" % n)


def main():
    if not os.path.exists(OVMF):
        skip("Debian's %s (package ovmf) is not installed" % OVMF)
    if not shutil.which("openssl"):
        skip("openssl is not installed")
    fn = globals().get("case_" + CASE)
    if not fn:
        print("unknown case " + CASE)
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="ik-corim-") as tmp:
        fn(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok: " + CASE)


if __name__ == "__main__":
    main()
