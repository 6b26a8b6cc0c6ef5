#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The upstream igvm crate (microsoft/igvm, shared/tools/bin) on every IGVM of the file set.

usage: upstream.py IGVMKIT SRC FILESET-DIR

  * igvmval accepts every file, except files with CORIM headers, which this igvmval build
    cannot parse (shared/tools/README.md): those are listed as such and must fail for exactly
    that reason (an unknown header type).
  * For each SEV_SNP and TDX platform a file declares, `igvmmeas --platform snp|tdx` equals
    `igvmkit measure --loader igvm-crate`.  Where igvmkit is stricter than the crate, its refusal
    must be one of DIFFERENCES, each listed in docs/measure.md ("Upstream igvm crate").

Prints one line per file and per digest pair.  SHARED tools: $IGVMKIT_SHARED_DIR/tools, else
SRC/../shared/tools; absent: exit 77 with the reason (a failure under IGVMKIT_TEST_NO_SKIP=1).
"""
import os
import re
import sys

from common import CORIM_ERROR, check, exit_status, manifest, run, shared_dir, skip

PLATFORMS = {"SEV_SNP": ("snp", "sev-snp"), "TDX": ("tdx", "tdx")}
# Where igvmkit refuses what the crate measures: (key, igvmkit's message pattern, recheck args).
# With recheck args, igvmkit must give the crate's digest once they are added.
DIFFERENCES = [
    ("2 MiB PAGE_DATA", r"2 MiB pages are not defined by the igvm crate's measurement", None),
    ("SNP_ID_BLOCK digest", r"SNP_ID_BLOCK\) expects launch digest [0-9a-f]{96}, which is not the one"
     r" measured", ["--ignore-id-block"]),
]



def main():
    igvmkit, src, fileset = sys.argv[1:4]
    tools = os.path.join(shared_dir(src), "tools")
    igvmval, igvmmeas = os.path.join(tools, "bin", "igvmval"), os.path.join(tools, "bin", "igvmmeas")
    if not (os.access(igvmval, os.X_OK) and os.access(igvmmeas, os.X_OK)):
        skip("%s/bin/igvmval and igvmmeas are absent (set IGVMKIT_SHARED_DIR)" % tools)
    if not os.path.exists(os.path.join(fileset, "manifest.tsv")):
        skip("no file set at %s/manifest.tsv (the consumer_fileset test skipped or failed)" % fileset)
    docs = open(os.path.join(src, "docs", "measure.md")).read()
    section = docs.split("### Upstream igvm crate", 1)
    check(len(section) == 2, "docs/measure.md has no '### Upstream igvm crate' section")
    for key, _, _ in DIFFERENCES:
        check(len(section) == 2 and key in section[1].split("\n## ", 1)[0],
              "docs/measure.md, Upstream igvm crate: difference '%s' not listed" % key)

    entries = list(manifest(fileset))
    counts = {"ok": 0, "corim": 0, "equal": 0, "refused": 0}
    for rel, origin, plats, corim in entries:
        path = os.path.join(fileset, rel)
        r = run([igvmval, path])
        out = r.stdout.strip()
        if corim:
            check(r.returncode == 1 and CORIM_ERROR in out,
                  "%s: igvmval should fail only for its missing CoRIM support: %s" % (rel, out))
            print("igvmval CORIM (not parsable by this igvmval build) %s [%s]" % (rel, origin))
            counts["corim"] += 1
        else:
            check(r.returncode == 0 and out == "OK " + path, "%s: igvmval: %s%s" % (rel, out, r.stderr))
            print("igvmval %s %s [%s]" % ("OK" if r.returncode == 0 else "ERR", rel, origin))
            counts["ok"] += r.returncode == 0
        for plat in plats:
            if plat not in PLATFORMS:
                continue
            crate_name, ik_name = PLATFORMS[plat]
            up = run([igvmmeas, "--platform", crate_name, path])
            ik_cmd = [igvmkit, "measure", "--platform", ik_name, "--loader", "igvm-crate", path]
            ik = run(ik_cmd)
            up_digest = up.stdout.strip().splitlines()[-1] if up.returncode == 0 else None
            ik_digest = ik.stdout.strip().splitlines()[-1] if ik.returncode == 0 else None
            if up_digest is None:
                check(corim, "%s %s: igvmmeas fails: %s" % (rel, plat, up.stderr.strip()))
            if ik_digest is not None:
                if up_digest is not None:
                    check(ik_digest == up_digest, "%s %s: igvmkit %s != igvmmeas %s" %
                          (rel, plat, ik_digest, up_digest))
                    counts["equal"] += ik_digest == up_digest
                print("measure %s %s igvmkit=%s igvmmeas=%s" % (plat, rel, ik_digest, up_digest))
                continue
            known = [d for d in DIFFERENCES if re.search(d[1], ik.stderr)]
            if not check(known, "%s %s: igvmkit refuses (exit %d) for no listed reason: %s" %
                         (rel, plat, ik.returncode, ik.stderr.strip())):
                continue
            key, _, recheck = known[0]
            check(re.search(re.escape(path) + ":header \\d+ \\(|header \\d+ \\(", ik.stderr) is not None,
                  "%s %s: the refusal names the header: %s" % (rel, plat, ik.stderr.strip()))
            check(ik.stdout.strip() == "" or recheck is not None, "%s %s: output despite refusal" % (rel, plat))
            counts["refused"] += 1
            note = ""
            if recheck and up_digest is not None:
                again = run(ik_cmd[:2] + recheck + ik_cmd[2:])
                d = again.stdout.strip().splitlines()[-1] if again.returncode == 0 else None
                check(d == up_digest, "%s %s: with %s igvmkit %s != igvmmeas %s" %
                      (rel, plat, " ".join(recheck), d, up_digest))
                note = "; with %s equal" % " ".join(recheck)
            print("measure %s %s igvmkit REFUSED (%s%s) igvmmeas=%s" % (plat, rel, key, note, up_digest))
    print("summary: %d files, igvmval OK %d, CORIM %d; digest pairs equal %d, igvmkit refusals %d"
          % (len(entries), counts["ok"], counts["corim"], counts["equal"], counts["refused"]))
    sys.exit(exit_status())


if __name__ == "__main__":
    main()
