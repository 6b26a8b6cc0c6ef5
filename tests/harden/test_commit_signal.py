#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A fatal signal between the renames of a multi-output commit (issue 14, item 2).

An LD_PRELOAD shim (rename_signal_shim.c) raises SIGTERM, SIGHUP or SIGINT
right after the first output is renamed into place.  igvmkit must then leave
the outputs exactly as a failed rename does: every target as it was (or, into
a fresh directory, none at all), no '*.igvmkit-old-*' backup and no
temporary; and die by the signal.  Deterministic: the shim raises the signal
itself, nothing is timed.  Covers build (IGVM + measurements JSON), regen
(IGVM + JSON) and sign-id-block (IGVM + ID block)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

IK, SHIM = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
OVMF = '/usr/share/ovmf/OVMF.fd'
failures = 0


def check(ok, what):
    global failures
    print(('ok: ' if ok else 'FAIL: ') + what)
    failures += 0 if ok else 1


def run(args, sig=None):
    env = dict(os.environ)
    if sig is not None:
        env['LD_PRELOAD'] = SHIM
        env['IK_TEST_RENAME_SIGNAL'] = str(int(sig))
        # a sanitizer build wants its runtime first; the shim only wraps rename()
        env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':verify_asan_link_order=0'
    p = subprocess.run([IK] + args, env=env, capture_output=True)
    return p.returncode, p.stderr.decode(errors='replace')


def snapshot(d):
    if not os.path.isdir(d):
        return None
    return {n: open(os.path.join(d, n), 'rb').read() for n in sorted(os.listdir(d))}


def litter(d):
    return [n for n in os.listdir(d) if '.igvmkit-old-' in n or '.tmp-' in n] if os.path.isdir(d) else []


def case(name, args, outdir, olds, sig):
    """OLDS: {file: bytes} placed in OUTDIR first ({} = a fresh directory)."""
    shutil.rmtree(outdir, ignore_errors=True)
    if olds:
        os.makedirs(outdir)
        for n, b in olds.items():
            with open(os.path.join(outdir, n), 'wb') as f:
                f.write(b)
    before = snapshot(outdir)
    rc, err = run(args, sig)
    what = f'{name}, {sig.name}, {"existing outputs" if olds else "fresh directory"}'
    check(rc == -sig, f'{what}: died by the signal (status {rc}) {err.strip()}')
    check(not litter(outdir), f'{what}: no backup or temporary left: {litter(outdir)}')
    after = snapshot(outdir)
    if olds:
        check(after == before, f'{what}: every output as it was: {sorted(after or {})}')
    else:
        check(not after, f'{what}: no partial set of outputs: {sorted(after or {})}')


def main():
    if not os.path.exists(SHIM):
        print('FAIL: no shim ' + SHIM)
        return 1
    if not os.path.exists(OVMF):
        print('skip: no ' + OVMF)
        return 77
    tmp = tempfile.mkdtemp()
    try:
        os.chdir(tmp)
        with open('l.yaml', 'w') as f:
            f.write(f'components:\n  ovmf: {{type: ovmf, file: {OVMF}}}\n'
                    'platforms: {sev-snp: }\n'
                    'outputs:\n  igvm: o.igvm\n  measurements: o.measurements.json\n')
        rc, err = run(['build', '-q', '-o', 'src', 'l.yaml'])
        check(rc == 0, f'build the input IGVM: exit {rc} {err.strip()}')
        subprocess.run(['openssl', 'ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'id.pem'],
                       check=True, capture_output=True)
        old = {'o.igvm': b'old igvm\n', 'o.measurements.json': b'old json\n'}
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            case('build', ['build', '-q', '-o', 'out', 'l.yaml'], 'out', old, sig)
            case('build', ['build', '-q', '-o', 'out', 'l.yaml'], 'out', {}, sig)
            case('regen', ['regen', '--dbx-hash', 'ab' * 32, '-o', 'out/o.igvm',
                           '--measurements', 'out/o.measurements.json', 'src/o.igvm'], 'out', old, sig)
            case('sign-id-block', ['sign-id-block', '--id-key', 'id.pem', '-o', 'out/o.igvm',
                                   '--id-block-out', 'out/o.blk', 'src/o.igvm'], 'out',
                 {'o.igvm': b'old igvm\n', 'o.blk': b'old block\n'}, sig)
        # without a signal the same runs replace everything and leave no backup
        shutil.rmtree('out')
        rc, err = run(['build', '-q', '-o', 'out', 'l.yaml'])
        check(rc == 0 and not litter('out') and sorted(os.listdir('out')) == ['o.igvm', 'o.measurements.json'],
              f'build without a signal: exit {rc}, {sorted(os.listdir("out"))} {err.strip()}')
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
