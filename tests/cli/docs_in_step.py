#!/usr/bin/env python3
"""Docs drift check: every subcommand that `igvmkit --help` lists has docs/cmd/<name>.md, the man
page igvmkit(1) names it, and every long option its --help shows is documented in that page."""
import os
import re
import subprocess
import sys

ik, src = sys.argv[1], sys.argv[2]
top = subprocess.run([ik, "--help"], capture_output=True, text=True, check=True).stdout
commands = re.findall(r"^  ([a-z][a-z0-9-]*)\s", top, re.M)
failures = []
man_path = os.path.join(src, "docs", "igvmkit.1")
man = open(man_path, encoding="utf-8").read() if os.path.exists(man_path) else ""
if not man:
    failures.append("docs/igvmkit.1 is missing")
for cmd in commands:
    if cmd == "version":
        continue
    page = os.path.join(src, "docs", "cmd", cmd + ".md")
    if not os.path.exists(page):
        failures.append(f"{cmd}: docs/cmd/{cmd}.md is missing")
        continue
    text = open(page, encoding="utf-8").read()
    if man and not re.search(r"\b" + re.escape(cmd) + r"\b", man):
        failures.append(f"{cmd}: not described in docs/igvmkit.1")
    res = subprocess.run([ik, cmd, "--help"], capture_output=True, text=True)
    if res.returncode != 0:
        failures.append(f"{cmd}: --help exits {res.returncode}")
        continue
    for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z0-9][a-z0-9-]*", res.stdout))):
        if opt not in text:
            failures.append(f"{cmd}: option {opt} is in --help but not in docs/cmd/{cmd}.md")
for f in failures:
    print("FAIL:", f)
print(f"{len(commands)} commands checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
