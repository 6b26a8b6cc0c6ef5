# SPDX-License-Identifier: MIT
"""What the consumer checkers share: where ../shared is, the file set's manifest, and the
check / skip / run helpers with one failure flag (tests/consumer/upstream.py, igvmmeasure.py)."""
import os
import subprocess
import sys

SKIP = 77
# The upstream igvm crate, built without its `corim` feature, refuses CORIM headers with this.
CORIM_ERROR = "InvalidVariableHeaderType"

failed = False


def check(cond, msg):
    global failed
    if not cond:
        failed = True
        print("FAIL " + msg)
    return cond


def skip(reason):
    if os.environ.get("IGVMKIT_TEST_NO_SKIP") == "1":
        print("FAIL (IGVMKIT_TEST_NO_SKIP=1): " + reason)
        sys.exit(1)
    print("SKIP: " + reason)
    sys.exit(SKIP)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def shared_dir(src):
    """The steering repo's shared/: $IGVMKIT_SHARED_DIR, else beside the checkout."""
    return os.environ.get("IGVMKIT_SHARED_DIR") or os.path.join(src, "..", "shared")


def manifest(fileset):
    """fileset.py's manifest.tsv as (relative path, origin, platforms, is CORIM) rows."""
    with open(os.path.join(fileset, "manifest.tsv")) as f:
        for line in f:
            rel, origin, plats, corim = line.rstrip("\n").split("\t")
            yield rel, origin, plats.split(","), corim == "corim"


def exit_status():
    return 1 if failed else 0
