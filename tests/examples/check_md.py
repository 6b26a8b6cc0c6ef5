#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""examples/NAME.md shows examples/NAME.sh: its ```sh block is the script, byte for byte.

usage: check_md.py EXAMPLES-DIR NAME
"""
import os
import re
import sys

d, name = sys.argv[1:3]
md = open(os.path.join(d, name + ".md")).read()
sh = open(os.path.join(d, name + ".sh")).read()
blocks = re.findall(r"^```sh\n(.*?)^```$", md, re.S | re.M)
if blocks != [sh]:
    print("FAIL: %s.md does not show %s.sh exactly (%d sh blocks)" % (name, name, len(blocks)))
    sys.exit(1)
print("%s: ok" % name)
