#!/usr/bin/env python3
"""CoRIMs igvmkit writes, decoded by an independent CBOR library (Debian python3-cbor2) and
checked against docs/corim.md by hand-written rules here, not igvmkit's reader:

  - every document: #6.501 map with keys 0, 1, 3 only; profile #6.32(URI); tags #6.506(bstr);
    the bytes are core deterministic (cbor2's canonical re-encoding gives them back, outer and
    each CoMID; for the small integer keys used here RFC 7049 and RFC 8949 orders agree);
  - launch-measurement (igvm/src/corim/launch_measurement/builder.rs): corim-id, UUIDv5 tag-id
    recomputed with Python's uuid module, class, mkey, SHA-384 id 7, the CES triple with
    #6.552(svn) and a selection equal to the reference value; the digest equals
    `igvmkit measure --loader igvm-crate` and the upstream crate's igvmmeas (../shared/tools)
    when present;
  - reference-matrix: corim-id and tag-ids from the file's SHA-256, every reference value equal,
    in order, to an entry of the measurements JSON (`igvmkit build` of the default layout when
    /usr/share/ovmf/OVMF.fd is there: the JSON build wrote vs the CoRIM measure wrote; and
    `igvmkit measure --json` entry by entry for a small file mkigvm.py writes);
  - `igvmkit inspect --json` reports the same values.

usage: corim_crosscheck.py IGVMKIT SRCDIR
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import uuid

try:
    import cbor2
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-cbor2 is not installed (tools/debian-packages.txt)")
    sys.exit(77)

ik, src = sys.argv[1], sys.argv[2]
here = os.path.join(src, "tests", "measure")
# the steering repo's shared/: $IGVMKIT_SHARED_DIR, else beside the checkout (tests/consumer/common.py)
shared_tools = os.path.join(os.environ.get("IGVMKIT_SHARED_DIR") or os.path.join(src, "..", "shared"),
                            "tools", "bin")
LAUNCH = "tag:microsoft.com,2026:launch-measurement/v1"
MATRIX = "tag:igvmkit.org,2026:reference-matrix/v1"
# igvm/src/corim/launch_measurement/mod.rs TAG_ID_NAMESPACE
LAUNCH_NS = uuid.UUID("85f3f1c2-22a8-441e-a1b9-bccfb63ed5f7")
MATRIX_NS = uuid.uuid5(uuid.NAMESPACE_URL, MATRIX)
CLASSES = {"sev-snp": ("AMD", "SEV-SNP", "MEASUREMENT", 7, 48), "tdx": ("Intel", "TDX", "MRTD", 7, 48),
           "sev-es": ("AMD", "SEV-ES", "GCTX.LD", 1, 32), "sev": ("AMD", "SEV", "GCTX.LD", 1, 32)}
BY_CLASS = {(v[0], v[1]): k for k, v in CLASSES.items()}
MX = {-1: "loader", -2: "vmm", -3: "vcpus", -4: "vcpu_type", -5: "vcpu_signature",
      -6: "guest_features", -7: "tdx_order", -8: "compatibility_mask", -9: "policy"}
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL", what)


def run(*args):
    return subprocess.run([ik, *args], check=True, capture_output=True, text=True).stdout


def canonical(obj, raw, what):
    check(cbor2.dumps(obj, canonical=True) == raw, f"{what}: not the canonical encoding")


def decode(path):
    raw = open(path, "rb").read()
    top = cbor2.loads(raw)
    canonical(top, raw, path)
    check(isinstance(top, cbor2.CBORTag) and top.tag == 501, f"{path}: not #6.501")
    m = top.value
    check(sorted(m) == [0, 1, 3], f"{path}: corim-map keys {sorted(m)}")
    check(isinstance(m[3], cbor2.CBORTag) and m[3].tag == 32, f"{path}: profile is not #6.32")
    comids = []
    for i, t in enumerate(m[1]):
        check(isinstance(t, cbor2.CBORTag) and t.tag == 506 and isinstance(t.value, bytes),
              f"{path}: tags[{i}] is not #6.506(bstr)")
        c = cbor2.loads(t.value)
        canonical(c, t.value, f"{path} tags[{i}]")
        comids.append(c)
    return m, comids


def env_class(env):
    check(sorted(env) == [0] and sorted(env[0]) == [1, 2], f"environment {env}")
    return env[0][1], env[0][2]


def check_launch(path, platform, igvm, svn):
    m, comids = decode(path)
    vendor, model, mkey, alg, n = CLASSES[platform]
    check(m[3].value == LAUNCH, f"{path}: profile {m[3].value}")
    check(m[0] == f"{vendor}/{model}/launch-measurement", f"{path}: id {m[0]}")
    check(len(comids) == 1, f"{path}: {len(comids)} CoMIDs")
    c = comids[0]
    check(sorted(c) == [1, 4] and c[1] == {0: str(uuid.uuid5(LAUNCH_NS, f"{vendor}/{model}"))},
          f"{path}: tag-identity {c.get(1)}")
    t = c[4]
    check(sorted(t) == [0, 8], f"{path}: triples keys {sorted(t)}")
    (env, meas), = t[0]
    check(env_class(env) == (vendor, model), f"{path}: class")
    (mm,) = meas
    check(mm[0] == mkey and list(mm[1]) == [2], f"{path}: measurement-map {mm}")
    ((a, digest),) = mm[1][2]
    check(a == alg and len(digest) == n, f"{path}: digest alg {a} len {len(digest)}")
    (cond, series), = t[8]
    check(cond == [env, []], f"{path}: CES condition {cond}")
    (sel, add), = series
    check(sel == [mm], f"{path}: CES selection differs from the reference value")
    check(add == [{1: {1: cbor2.CBORTag(552, svn)}}], f"{path}: CES addition {add}")
    want = run("measure", "--loader", "igvm-crate", "--platform", platform, igvm).split()[-1]
    check(digest.hex() == want, f"{path}: digest {digest.hex()} != igvmkit measure {want}")
    meas_tool = os.path.join(shared_tools, "igvmmeas")
    if os.access(meas_tool, os.X_OK):
        up = subprocess.run([meas_tool, "--platform", platform.replace("sev-", ""), igvm],
                            check=True, capture_output=True, text=True).stdout.split()[-1]
        check(digest.hex() == up.lower(), f"{path}: digest != upstream igvmmeas {up}")
        print(f"ok   {os.path.basename(path)}: {platform} digest equals upstream igvmmeas {up[:16]}...")
    js = json.loads(run("inspect", "--json", path))
    r = js["reference_values"][0]
    check(js["profile"] == LAUNCH and r["digest"] == digest.hex() and r["svn"] == svn and
          r["tag_id"] == c[1][0], f"{path}: inspect --json {r}")


def matrix_refs(path, igvm):
    m, comids = decode(path)
    sha = hashlib.sha256(open(igvm, "rb").read()).hexdigest()
    check(m[3].value == MATRIX and m[0] == f"igvmkit/reference-matrix/{sha}", f"{path}: id {m[0]}")
    refs = []
    for c in comids:
        check(sorted(c) == [1, 4] and sorted(c[4]) == [0], f"{path}: CoMID keys")
        classes = set()
        for env, meas in c[4][0]:
            vendor, model = env_class(env)
            classes.add((vendor, model))
            platform = BY_CLASS[(vendor, model)]
            check(c[1] == {0: str(uuid.uuid5(MATRIX_NS, f"{vendor}/{model}/{sha}"))}, f"{path}: tag-id")
            (mm,) = meas
            _, _, mkey, alg, n = CLASSES[platform]
            ((a, digest),) = mm[1][2]
            check(mm[0] == mkey and a == alg and len(digest) == n, f"{path}: {platform} measurement")
            ref = {"platform": platform, "digest": digest.hex()}
            for k, v in mm[1].items():
                if k != 2:
                    check(k in MX, f"{path}: unknown key {k}")
                    ref[MX.get(k, str(k))] = v
            refs.append(ref)
        check(len(classes) == 1, f"{path}: one platform per CoMID")
    return refs


def same_entry(ref, e):
    """A measurements JSON entry (docs/measurements-json.md) and a CoRIM reference value."""
    hexint = lambda s: None if s is None else int(s, 16)
    ok = ref["platform"] == e["platform"] and ref["digest"] == e["digest"] and ref["loader"] == e["loader"]
    ok = ok and ref["compatibility_mask"] == hexint(e["compatibility_mask"])
    ok = ok and ref.get("policy") == hexint(e.get("policy"))
    if "vcpus" in e:
        ok = ok and ref["vcpus"] == e["vcpus"] and ref["vmm"] == e["vmm"]
        ok = ok and ref.get("vcpu_type") == e["vcpu_type"]
        ok = ok and ref.get("vcpu_signature") == hexint(e["vcpu_signature"])
        ok = ok and ref.get("guest_features") == hexint(e["guest_features"])
    if "tdx_order" in e:
        ok = ok and ref["tdx_order"] == e["tdx_order"]
    return ok


def main():
    tmp = tempfile.mkdtemp()
    small = os.path.join(tmp, "st.igvm")
    subprocess.run([sys.executable, os.path.join(here, "mkigvm.py"), "snp-tdx-small", small], check=True)
    prefix = os.path.join(tmp, "st")
    run("measure", "--corim", prefix, "--svn", "7", small)
    for platform in ("sev-snp", "tdx"):
        check_launch(f"{prefix}-{platform.replace('sev-', '')}.cbor", platform, small, 7)
    refs = matrix_refs(prefix + "-matrix.cbor", small)
    check(len(refs) == 13, f"small matrix: {len(refs)} reference values")
    for ref in refs:
        args = ["measure", "--json", "--platform", ref["platform"], "--loader", ref["loader"]]
        if "vcpus" in ref:
            args += ["--vcpus", str(ref["vcpus"]), "--vcpu-type", ref["vcpu_type"]]
        (e,) = json.loads(run(*args, small))["measurements"]
        check(same_entry(ref, e), f"small matrix: {ref} != measure --json {e}")
    js = json.loads(run("inspect", "--json", prefix + "-matrix.cbor"))
    check([r["digest"] for r in js["reference_values"]] == [r["digest"] for r in refs], "inspect --json matrix")
    print(f"ok   small file: 2 launch-measurement CoRIMs, matrix of {len(refs)} equal to igvmkit measure")

    ovmf = "/usr/share/ovmf/OVMF.fd"
    if os.path.exists(ovmf):
        out = os.path.join(tmp, "out")
        run("build", "-o", out)  # the default layout over Debian's OVMF.fd
        igvm = os.path.join(out, "ovmf.igvm")
        run("measure", "--corim", os.path.join(out, "c"), igvm)
        doc = json.load(open(os.path.join(out, "ovmf.measurements.json")))
        refs = matrix_refs(os.path.join(out, "c-matrix.cbor"), igvm)
        check(len(refs) == len(doc["measurements"]), f"default layout: {len(refs)} != JSON {len(doc['measurements'])}")
        for ref, e in zip(refs, doc["measurements"]):
            check(same_entry(ref, e), f"default layout: {ref} != JSON {e}")
        for platform in ("sev-snp", "tdx"):
            check_launch(os.path.join(out, f"c-{platform.replace('sev-', '')}.cbor"), platform, igvm, 0)
        print(f"ok   default layout: matrix CoRIM equals the build's measurements JSON ({len(refs)} values)")
    else:
        print("skip default layout: no /usr/share/ovmf/OVMF.fd")
    print(f"{checks} checks, {len(failures)} failed")
    return 1 if failures else 0


sys.exit(main())
