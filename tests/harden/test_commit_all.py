#!/usr/bin/env python3
"""Outputs of one run are committed all or none (review R2, R3; common/fileio.h ik_out_commit_all).

A run of build, regen or sign-id-block whose last output cannot be put in place (its target is
a directory, or its directory does not exist) fails with exit 4 (I/O), names that output, leaves
every earlier target as it was (or absent), and leaves no temporary or '.igvmkit-old-' file.

Inputs: Debian's OVMF.fd (package ovmf) through the built-in default layout, a P-384 key made
here with openssl.  usage: test_commit_all.py IGVMKIT  (77 = skipped)
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

IK = os.path.abspath(sys.argv[1])
OVMF = '/usr/share/ovmf/OVMF.fd'
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def run(*args):
    p = subprocess.run([IK, *args], capture_output=True)
    return p.returncode, p.stderr.decode(errors='replace')


def leftovers():
    return sorted(glob.glob('**/*.tmp-*', recursive=True) + glob.glob('**/*.igvmkit-old-*', recursive=True))


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def main():
    if not os.path.exists(OVMF) or not shutil.which('openssl'):
        print(f'SKIP: needs {OVMF} (package ovmf) and openssl')
        return 77
    tmp = tempfile.mkdtemp(prefix='ik-commit-')
    os.chdir(tmp)
    try:
        rc, err = run('build', '-q', '-o', 'built')
        if rc != 0:
            print(f'setup failed: build: exit {rc}: {err}')
            return 1
        igvm = 'built/ovmf.igvm'
        subprocess.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384',
                        '-out', 'id.pem'], check=True, capture_output=True)

        # build: the IGVM is renamed before the measurements JSON, whose target is a directory.
        os.makedirs('o/ovmf.measurements.json')
        with open('o/ovmf.igvm', 'w') as f:
            f.write('old\n')
        rc, err = run('build', '-q', '-o', 'o')
        check(rc == 4, f'build into a directory target: exit {rc}, expected 4: {err.strip()}')
        check('ovmf.measurements.json' in err, f'build: message does not name the output: {err.strip()}')
        check(read('o/ovmf.igvm') == b'old\n', 'build: o/ovmf.igvm was replaced by a failing run')
        check(sorted(os.listdir('o')) == ['ovmf.igvm', 'ovmf.measurements.json'],
              f'build: files left in o: {sorted(os.listdir("o"))}')
        check(not leftovers(), f'build: temporary files left: {leftovers()}')
        # ... and with no previous file, the IGVM must not appear.
        os.unlink('o/ovmf.igvm')
        rc, err = run('build', '-q', '-o', 'o')
        check(rc == 4, f'build, no previous IGVM: exit {rc}, expected 4: {err.strip()}')
        check(not os.path.exists('o/ovmf.igvm'), 'build: o/ovmf.igvm written by a failing run')
        check(not leftovers(), f'build (no previous): temporary files left: {leftovers()}')

        # ... and a FIFO as the target (not replaceable either; nothing may open it).
        os.rmdir('o/ovmf.measurements.json')
        os.mkfifo('o/ovmf.measurements.json')
        with open('o/ovmf.igvm', 'w') as f:
            f.write('old\n')
        rc, err = run('build', '-q', '-o', 'o')
        check(rc == 4, f'build into a FIFO target: exit {rc}, expected 4: {err.strip()}')
        check(read('o/ovmf.igvm') == b'old\n', 'build (FIFO): o/ovmf.igvm was replaced by a failing run')
        check(not leftovers(), f'build (FIFO): temporary files left: {leftovers()}')

        # sign-id-block: a bad third path fails before anything is written.
        rc, err = run('sign-id-block', '--id-key', 'id.pem', '-o', 'sid.igvm', '--id-block-out', 'sid.blk',
                      '--id-auth-out', '/nonexistent/auth', igvm)
        check(rc == 4, f'sign-id-block, bad --id-auth-out: exit {rc}, expected 4: {err.strip()}')
        check('/nonexistent/auth' in err, f'sign-id-block: message does not name the output: {err.strip()}')
        for p in ('sid.igvm', 'sid.blk'):
            check(not os.path.exists(p), f'sign-id-block: {p} written by a failing run')
        check(not leftovers(), f'sign-id-block: temporary files left: {leftovers()}')
        # a directory as the last target: the earlier two keep their previous contents
        for p in ('sid.igvm', 'sid.blk'):
            with open(p, 'w') as f:
                f.write('old\n')
        os.makedirs('sid.auth')
        rc, err = run('sign-id-block', '--id-key', 'id.pem', '-o', 'sid.igvm', '--id-block-out', 'sid.blk',
                      '--id-auth-out', 'sid.auth', igvm)
        check(rc == 4, f'sign-id-block, directory --id-auth-out: exit {rc}, expected 4: {err.strip()}')
        for p in ('sid.igvm', 'sid.blk'):
            check(read(p) == b'old\n', f'sign-id-block: {p} was replaced by a failing run')
        check(not leftovers(), f'sign-id-block (directory): temporary files left: {leftovers()}')
        # the same run with a good path writes all three
        rc, err = run('sign-id-block', '--id-key', 'id.pem', '-o', 'sid.igvm', '--id-block-out', 'sid.blk',
                      '--id-auth-out', 'ok.auth', igvm)
        check(rc == 0, f'sign-id-block: exit {rc}: {err.strip()}')
        check(read('sid.igvm')[:4] == b'IGVM' and read('sid.blk') != b'old\n' and os.path.getsize('ok.auth') > 0,
              'sign-id-block: outputs not written by a good run')
        check(not leftovers(), f'sign-id-block (good): temporary files left: {leftovers()}')

        # regen: the IGVM is renamed before its measurements JSON, whose target is a directory.
        with open('r.igvm', 'w') as f:
            f.write('old\n')
        os.makedirs('r.igvm.measurements.json')
        rc, err = run('regen', '--dbx-hash', 'ab' * 32, '-o', 'r.igvm', igvm)
        check(rc == 4, f'regen into a directory JSON target: exit {rc}, expected 4: {err.strip()}')
        check('r.igvm.measurements.json' in err, f'regen: message does not name the output: {err.strip()}')
        check(read('r.igvm') == b'old\n', 'regen: r.igvm was replaced by a failing run')
        check(not leftovers(), f'regen: temporary files left: {leftovers()}')
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f'{len(failures)} failure(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
