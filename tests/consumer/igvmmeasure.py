#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""COCONUT-SVSM's igvmmeasure (shared/tools/bin, svsm f4bc4bc) on every IGVM of the file set.

usage: igvmmeasure.py IGVMKIT SRC FILESET-DIR WORK-DIR

  * Digests (issue 18): for each AMD platform a file declares, `igvmmeasure -p sev-snp`,
    `-p sev-snp -n`, `-p sev-es` and `-p sev` equal `igvmkit measure --loader igvmmeasure` with
    the matching --platform and --native-zero.  Besides the file set (manifest.tsv of
    fileset.py): the default layout with `sev` added (SNP + SEV-ES + SEV, where igvmmeasure's SEV
    digest includes the VMSAs).
  * The -c verdict: igvmmeasure --check-kvm refuses every igvmkit-built file with a VMSA, for the
    first rule `igvmkit inspect --check-kvm` lists as an igvmmeasure note (CR0 0x10/0x11, or a
    second VMSA), and inspect lists no QEMU/KVM error: the rules igvmmeasure applies there are
    its own limitations (docs/measure.md "QEMU/KVM rules").
  * ID blocks: igvmmeasure `sign` (with and without --author-key, P-384 keys from openssl) is
    read, measured with its ID-block check and inspected by igvmkit (a note without an author
    key; --strict refuses it); igvmkit's `sign-id-block` output is measured by igvmmeasure, whose
    SEV-SNP measure checks the ID block's digest.

Prints one line per (file, platform, option) with both digests.  SHARED: $IGVMKIT_SHARED_DIR,
else SRC/../shared; igvmmeasure absent: exit 77 with the reason (a failure under
IGVMKIT_TEST_NO_SKIP=1).
"""
import json
import os
import re
import shutil
import subprocess
import sys

from common import CORIM_ERROR, check, exit_status, manifest, run, shared_dir, skip

# platform type (inspect) -> [(igvmmeasure args, igvmkit args, label)]
RUNS = {
    "SEV_SNP": [(["-p", "sev-snp"], ["--platform", "sev-snp"], "sev-snp"),
                (["-p", "sev-snp", "-n"], ["--platform", "sev-snp", "--native-zero"], "sev-snp -n")],
    "SEV_ES": [(["-p", "sev-es"], ["--platform", "sev-es"], "sev-es")],
    "SEV": [(["-p", "sev"], ["--platform", "sev"], "sev")],
}
# igvmmeasure's --check-kvm errors (svsm f4bc4bc igvm_measure.rs:67-105) per igvmkit rule.
CHECK_KVM_TEXT = {
    "igvmmeasure-one-vmsa": "More than one VMSA has been provided",
    "igvmmeasure-cr0": "CR0 in the VMSA in the IGVM file is set to",
    "igvmmeasure-insert-after-vmsa": "The VMSA must be the final page directive",
    "qemu-vmsa-gpa": "The GPA for the VMSA",
}

ID_BLOCK_MISMATCH = "An ID block has been provided in the IGVM file but the calculated measurement"



def must(cmd):
    r = run(cmd)
    if r.returncode != 0:
        print("FAIL %s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout[-1500:], r.stderr[-1500:]))
        sys.exit(1)
    return r


def im_digest(r):
    m = re.search(r"Launch Digest: ([0-9A-Fa-f]+)", r.stdout)
    return m.group(1).lower() if m else None


class Tools:
    def __init__(self, igvmkit, igvmmeasure):
        self.ik, self.im = igvmkit, igvmmeasure

    def inspect(self, path, *opts):
        r = run([self.ik, "inspect", "--json"] + list(opts) + [path])
        return r, (json.loads(r.stdout) if r.stdout else None)

    def compare(self, path, name, platforms, corim):
        """Both digests for every AMD platform of PATH; returns the number of pairs."""
        pairs = 0
        for plat in platforms:
            for im_args, ik_args, label in RUNS.get(plat, []):
                a = run([self.im] + im_args + [path, "measure"])
                b = run([self.ik, "measure", "--loader", "igvmmeasure", "--ignore-id-block"] + ik_args + [path])
                da, db = im_digest(a), (b.stdout.strip().splitlines() or [""])[-1]
                if corim:
                    # This igvm crate build has no `corim` feature (shared/tools/README.md).
                    ok = check(a.returncode != 0 and CORIM_ERROR in a.stderr and b.returncode == 0,
                               "%s %s: CORIM file: igvmmeasure exit %d %s" % (name, label, a.returncode,
                                                                             a.stderr.strip()[-200:]))
                    if ok:
                        print("ok   %-60s %-11s igvmmeasure cannot parse CORIM headers; igvmkit %s" % (
                            name, label, db))
                    continue
                if ID_BLOCK_MISMATCH in a.stderr:
                    # igvmmeasure prints the digest, then refuses an ID block signing another
                    # one (main.rs:95-97); igvmkit's ID-block check must refuse it too.
                    c = run([self.ik, "measure", "--loader", "igvmmeasure"] + ik_args + [path])
                    check(c.returncode == 1 and "which is not the one measured" in c.stderr,
                          "%s %s: igvmmeasure refuses the ID block, igvmkit exit %d" % (name, label, c.returncode))
                    a = subprocess.CompletedProcess(a.args, 0, a.stdout, a.stderr)
                ok = a.returncode == 0 and b.returncode == 0 and da == db
                check(ok, "%s %s: igvmmeasure %s (exit %d %s) != igvmkit %s (exit %d %s)" % (
                    name, label, da, a.returncode, a.stderr.strip()[-300:], db, b.returncode,
                    b.stderr.strip()[-300:]))
                if ok:
                    print("ok   %-60s %-11s %s" % (name, label, da))
                pairs += 1
        return pairs

    def check_kvm_next_rule(self, path, name, platforms, work):
        """With CR0 0x30 in every VMSA, igvmmeasure -c stops at its next rule (one VMSA per file)."""
        if not [p for p in ("SEV_SNP", "SEV_ES", "SEV") if p in platforms]:
            return
        out = patch_cr0(self, path, os.path.join(work, "cr0-30.igvm"), 0x30)
        self.check_kvm_verdict(out, name + " with CR0 0x30", platforms)

    def check_kvm_verdict(self, path, name, platforms):
        """igvmmeasure -c refuses for the first igvmmeasure rule igvmkit lists; QEMU/KVM accept."""
        amd = [p for p in ("SEV_SNP", "SEV_ES", "SEV") if p in platforms]
        if not amd:
            return
        r, doc = self.inspect(path, "--check-kvm")
        if not check(r.returncode == 0 and doc is not None,
                     "%s: inspect --check-kvm exit %d: %s" % (name, r.returncode, r.stderr.strip())):
            return
        findings = doc["kvm_checks"]
        check(not [f for f in findings if f["level"] == "error"],
              "%s: QEMU/KVM errors %s" % (name, [f["rule"] for f in findings if f["level"] == "error"]))
        first = next((f for f in findings if f["rule"] in CHECK_KVM_TEXT), None)
        c = run([self.im, "-c", "-p", RUNS[amd[0]][0][0][1], path, "measure"])
        if first is None:
            ok = check(c.returncode == 0, "%s: igvmmeasure -c refused (%s) but igvmkit lists no igvmmeasure"
                       " rule" % (name, c.stderr.strip()[-300:]))
            if ok:
                print("ok   %-60s -c          accepted (no VMSA rule applies)" % name)
            return
        want = CHECK_KVM_TEXT[first["rule"]]
        ok = check(c.returncode != 0 and want in c.stderr,
                   "%s: igvmmeasure -c gave exit %d '%s', expected '%s' (igvmkit: %s header %s)" % (
                       name, c.returncode, c.stderr.strip()[-300:], want, first["rule"], first["header_index"]))
        if ok:
            print("ok   %-60s -c          refused: %s (header %s; %s)" % (
                name, first["rule"], first["header_index"], first["message"][:60]))


def patch_cr0(t, path, out, cr0):
    """A copy of PATH whose VMSAs hold CR0 = CR0 (VMSA offset 0x158; data is outside the checksum)."""
    _, doc = t.inspect(path)
    vmsa_masks = {p["compatibility_mask"] for p in doc["platforms"] if p["platform_type"] in ("SEV_SNP", "SEV_ES")}
    raw = bytearray(open(path, "rb").read())
    for h in doc["headers"]:
        if h["type"] == "VP_CONTEXT" and h["fields"]["compatibility_mask"] in vmsa_masks and h.get("data"):
            off = int(h["data"]["file_offset"], 16) + 0x158
            raw[off:off + 8] = cr0.to_bytes(8, "little")
    open(out, "wb").write(bytes(raw))
    return out


def extra_files(t, src, work, shared):
    """igvmkit builds the file set does not have: SNP + SEV-ES + SEV."""
    files = []
    d = os.path.join(work, "sev")
    os.makedirs(d, exist_ok=True)
    layout = open(os.path.join(src, "layouts", "default.yaml")).read()
    layout = layout.replace("../templates/", os.path.join(src, "templates") + "/")
    layout = layout.replace("\n  sev-es:\n", "\n  sev-es:\n  sev:\n", 1)
    path = os.path.join(d, "sev.yaml")
    open(path, "w").write(layout)
    must([t.ik, "build", "-q", "--no-measurements", "-o", d, path])
    files.append((os.path.join(d, "ovmf.igvm"), "extra:default+sev/ovmf.igvm"))
    return files


def id_blocks(t, work, snp_file):
    """Both directions of SNP ID block signing, with P-384 keys made by openssl."""
    d = os.path.join(work, "id")
    os.makedirs(d, exist_ok=True)
    keys = {}
    for who in ("id", "author"):
        keys[who] = os.path.join(d, who + ".pem")
        must(["openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", keys[who]])
    want = im_digest(must([t.im, "-p", "sev-snp", snp_file, "measure"]))

    # igvmmeasure signs; igvmkit reads, inspects and measures with its ID-block check.
    for author in (False, True):
        out = os.path.join(d, "im-signed%s.igvm" % ("-author" if author else ""))
        cmd = [t.im, snp_file, "sign", "--output", out, "--id-key", keys["id"]]
        must(cmd + (["--author-key", keys["author"]] if author else []))
        name = "igvmmeasure sign%s" % (" --author-key" if author else "")
        r, doc = t.inspect(out)
        if check(r.returncode == 0, "%s: igvmkit inspect exit %d: %s" % (name, r.returncode, r.stderr.strip())):
            blocks = [h for h in doc["headers"] if h["type"] == "SNP_ID_BLOCK"]
            fields = blocks[0]["fields"] if blocks else {}
            notes = [n["rule"] for n in doc.get("notes", [])]
            check(len(blocks) == 1 and str(fields.get("author_key_enabled")) == ("1" if author else "0")
                  and str(fields.get("author_key_algorithm")) == "1",
                  "%s: ID block fields %s" % (name, fields))
            check(notes == ([] if author else ["id-block-author-fields"]), "%s: notes %s" % (name, notes))
        text = run([t.ik, "inspect", out]).stdout
        check(("[id-block-author-fields]" in text) != author, "%s: text note" % name)
        s = run([t.ik, "inspect", "--strict", out])
        check((s.returncode == 0) == author and (author or "author key fields are not zero" in s.stderr),
              "%s: inspect --strict exit %d: %s" % (name, s.returncode, s.stderr.strip()))
        for loader in ("igvmmeasure", "qemu"):
            m = run([t.ik, "measure", "--loader", loader, out])
            got = (m.stdout.strip().splitlines() or [""])[-1]
            if check(m.returncode == 0 and got == want, "%s: igvmkit measure --loader %s (ID-block check)"
                     " exit %d %s: %s" % (name, loader, m.returncode, got, m.stderr.strip())):
                print("ok   %-60s measure --loader %s checks its ID block: %s" % (name, loader, got))

    # igvmkit signs; igvmmeasure measures it (its SEV-SNP measure checks the ID block's digest).
    for author in (False, True):
        out = os.path.join(d, "ik-signed%s.igvm" % ("-author" if author else ""))
        cmd = [t.ik, "sign-id-block", "--loader", "igvmmeasure", "--id-key", keys["id"], "-o", out, snp_file]
        must(cmd[:-1] + (["--author-key", keys["author"]] if author else []) + [snp_file])
        name = "igvmkit sign-id-block%s" % (" --author-key" if author else "")
        m = run([t.im, "-p", "sev-snp", out, "measure"])
        if check(m.returncode == 0 and im_digest(m) == want, "%s: igvmmeasure exit %d %s %s" % (
                name, m.returncode, im_digest(m), m.stderr.strip()[-300:])):
            print("ok   %-60s igvmmeasure accepts it: %s" % (name, want))
        c = run([t.ik, "measure", "--loader", "igvmmeasure", out])
        check(c.returncode == 0, "%s: igvmkit's own check: %s" % (name, c.stderr.strip()))


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    igvmkit, src, fileset, work = sys.argv[1:5]
    shared = shared_dir(src)
    im = os.path.join(shared, "tools", "bin", "igvmmeasure")
    if not os.access(im, os.X_OK):
        skip("%s is absent (set IGVMKIT_SHARED_DIR)" % im)
    if not shutil.which("openssl"):
        skip("openssl is not installed (package openssl)")
    if not os.path.exists(os.path.join(fileset, "manifest.tsv")):
        skip("%s/manifest.tsv is absent: the consumer_fileset test did not build the set" % fileset)
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    t = Tools(igvmkit, im)

    files = []
    for rel, origin, plats, corim in manifest(fileset):
        files.append((os.path.join(fileset, rel), origin, plats, corim))
    for path, origin in extra_files(t, src, work, shared):
        _, doc = t.inspect(path)
        files.append((path, origin, [p["platform_type"] for p in doc["platforms"]], False))

    pairs = 0
    for path, origin, plats, corim in files:
        name = "%s (%s)" % (os.path.relpath(path, fileset) if path.startswith(fileset) else
                            os.path.basename(path), origin)
        pairs += t.compare(path, name, plats, corim)
        if corim and not origin.startswith("corpus:"):
            # embedded CoRIMs (docs/corim-igvm.md): QEMU has no handler for them, so --check-kvm
            # names them as QEMU refusals, and igvmmeasure -c is not asked
            r, doc = t.inspect(path, "--check-kvm")
            check(r.returncode == 3 and doc is not None and
                  any("0x104" in f["message"] or "CORIM" in f["message"] for f in doc["kvm_checks"]),
                  "%s: inspect --check-kvm should refuse the CoRIM headers: exit %d" % (name, r.returncode))
            continue
        if not origin.startswith("corpus:"):  # the -c verdict is asserted for what igvmkit builds
            t.check_kvm_verdict(path, name, plats)
            if origin.startswith("layout:") and origin.count(":") <= 2:
                t.check_kvm_next_rule(path, name, plats, work)
    check(pairs > 0, "no AMD platform in the file set")
    snp = next((p for p, o, _, _ in files if o == "layout:default:snp"), None)
    if check(snp is not None, "layout:default:snp is not in the file set"):
        id_blocks(t, work, snp)
    print("igvmmeasure: %d (file, platform, option) digest pairs" % pairs)
    sys.exit(exit_status())


if __name__ == "__main__":
    main()
