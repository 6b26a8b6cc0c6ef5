# SPDX-License-Identifier: MIT
"""What the command-line tests of tests/sign share: the igvmkit binary (argv[1]), the list of
failures, check(), and running a command or igvmkit with its exit code and decoded output."""
import os
import subprocess
import sys

IGVMKIT = os.path.abspath(sys.argv[1])
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what)


def sh(*args, env=None, input=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(list(args), capture_output=True, env=e, input=input)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def ik(*args, env=None):
    return sh(IGVMKIT, *args, env=env)
