#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An interrupted run leaves no temporary file (review R16).

`igvmkit build` streams the IGVM into '<output>.tmp-XXXXXX' before it reads
'outputs.fuki.into'; with a FIFO there, the build waits with that temporary
on disk until the test delivers SIGINT, SIGTERM or SIGHUP.  The run must die
by that signal (the default action, re-raised after the cleanup) and leave no
'*.tmp-*' behind.  No timing is measured: the test waits for the temporary to
appear, however long that takes."""
import os
import signal
import subprocess
import sys
import tempfile
import time

IK = sys.argv[1]
OVMF = '/usr/share/ovmf/OVMF.fd'
failures = 0


def check(ok, what):
    global failures
    print(('ok: ' if ok else 'FAIL: ') + what)
    failures += 0 if ok else 1


def main():
    if not os.path.exists(OVMF):
        print('skip: no ' + OVMF)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        os.mkfifo('stub.fifo')
        with open('l.yaml', 'w') as f:
            f.write(f'components:\n  ovmf: {{type: ovmf, file: {OVMF}}}\n'
                    'platforms: {sev-snp: }\n'
                    'outputs:\n  igvm: o.igvm\n  fuki: {file: o.efi, into: stub.fifo}\n')
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            os.makedirs('out', exist_ok=True)
            p = subprocess.Popen([IK, 'build', '-q', '-o', 'out', 'l.yaml'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # the build blocks opening the FIFO once the IGVM temporary exists
            deadline = time.monotonic() + 600
            while (not any('.tmp-' in n for n in os.listdir('out')) and p.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            seen = [n for n in os.listdir('out') if '.tmp-' in n]
            check(bool(seen) and p.poll() is None, f'{sig.name}: the build waits with its temporary {seen}')
            p.send_signal(sig)
            _, err = p.communicate()
            check(p.returncode == -sig, f'{sig.name}: died by the signal (status {p.returncode}) {err.decode().strip()}')
            left = sorted(os.listdir('out'))
            check(left == [], f'{sig.name}: nothing left in the output directory: {left}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
