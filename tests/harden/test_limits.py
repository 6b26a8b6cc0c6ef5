#!/usr/bin/env python3
"""Input size caps and input integrity, across the commands that read user files.

1. An input larger than the cap (`igvmkit --max-input-size N`, or the environment
   variable IGVMKIT_MAX_INPUT_SIZE) fails with exit 6 (docs/exit-codes.md), a message
   naming the file and the limit, and no output file; exactly N bytes is accepted.
2. A failing run never modifies an input: every input file is hashed (and its mtime
   and mode kept) before and after failing runs of build, sign, fuki, vars and
   sign-id-block, including runs whose output path is the input itself; no temporary
   file is left behind.

Inputs: Debian's OVMF.fd (package ovmf) through the built-in default layout, keys and
certificates made here with openssl.  usage: test_limits.py IGVMKIT  (77 = skipped)
"""
import glob
import hashlib
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


def run(*args, env=None, stdin=None):
    e = dict(os.environ)
    e.pop('IGVMKIT_MAX_INPUT_SIZE', None)
    e.update(env or {})
    p = subprocess.run([IK, *args], capture_output=True, env=e, stdin=stdin)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def must(*args):
    rc, out, err = run(*args)
    if rc != 0:
        print(f'setup failed: igvmkit {" ".join(args)}: exit {rc}\n{err}')
        sys.exit(1)
    return out


def openssl(*args):
    subprocess.run(['openssl', *args], check=True, capture_output=True)


def snapshot(paths):
    """sha256, size, mtime and mode of every file (directories: of each file inside)."""
    state = {}
    for p in paths:
        files = [p] if os.path.isfile(p) else sorted(glob.glob(os.path.join(p, '**'), recursive=True))
        for f in files:
            if os.path.isfile(f):
                st = os.stat(f)
                state[f] = (hashlib.sha256(open(f, 'rb').read()).hexdigest(), st.st_size,
                            st.st_mtime_ns, st.st_mode)
    return state


def leftovers():
    return sorted(glob.glob('**/*.tmp-*', recursive=True))


def expect_limit(what, args, out_paths, env=None, stdin=None, file_hint=None):
    """The run must fail with exit 6, say which limit, and write nothing."""
    for o in out_paths:
        check(not os.path.exists(o), f'{what}: {o} exists before the run')
    rc, _, err = run(*args, env=env, stdin=stdin)
    check(rc == 6, f'{what}: exit {rc}, expected 6 (LIMIT): {err.strip()}')
    check('input size limit' in err and 'error:' in err, f'{what}: unclear message: {err.strip()}')
    if file_hint:
        check(file_hint in err, f'{what}: message does not name {file_hint}: {err.strip()}')
    for o in out_paths:
        check(not os.path.exists(o), f'{what}: output {o} was written')
    check(not leftovers(), f'{what}: temporary files left: {leftovers()}')


def expect_unchanged(what, args, inputs, want_rc, env=None):
    """The run must fail with WANT_RC and leave every input as it was."""
    before = snapshot(inputs)
    rc, _, err = run(*args, env=env)
    check(rc == want_rc, f'{what}: exit {rc}, expected {want_rc}: {err.strip()}')
    after = snapshot(inputs)
    for f in before:
        check(before[f] == after.get(f), f'{what}: input {f} was modified')
    check(set(before) == set(after), f'{what}: files appeared or vanished among the inputs')
    check(not leftovers(), f'{what}: temporary files left: {leftovers()}')


def main():
    if not os.path.exists(OVMF) or not shutil.which('openssl'):
        print(f'SKIP: needs {OVMF} (package ovmf) and openssl')
        return 77
    tmp = tempfile.mkdtemp(prefix='ik-limits-')
    os.chdir(tmp)
    try:
        # Inputs: a real four-platform IGVM, a FUKI add-on, keys, a signature list, a store.
        must('build', '-q', '-o', 'built')
        igvm = 'built/ovmf.igvm'
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=limits db', '-days', '2',
                '-keyout', 'db.key', '-out', 'db.crt')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=other', '-days', '2',
                '-keyout', 'other.key', '-out', 'other.crt')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'id.pem')
        must('fuki', '-o', 'addon.efi', igvm)
        must('sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'signed.efi', 'addon.efi')
        must('vars', 'esl', '-c', 'db.crt', '-o', 'db.esl')
        must('vars', 'store', '-s', '2m', '--db', 'db.esl', '-o', 'vars.fd')
        size = os.path.getsize(igvm)

        # ---- 1. caps ----
        expect_limit('build, --max-input-size below OVMF.fd', ['--max-input-size', '1M', 'build', '-o', 'o1'],
                     ['o1'], file_hint=OVMF)
        expect_limit('build, IGVMKIT_MAX_INPUT_SIZE below OVMF.fd', ['build', '-o', 'o2'], ['o2'],
                     env={'IGVMKIT_MAX_INPUT_SIZE': '1M'}, file_hint=OVMF)
        expect_limit('inspect', ['--max-input-size', str(size - 1), 'inspect', igvm], [], file_hint=igvm)
        with open(igvm, 'rb') as f:
            expect_limit('inspect from a pipe', ['--max-input-size', str(size - 1), 'inspect', '-'], [], stdin=f)
        expect_limit('measure', ['--max-input-size', '64K', 'measure', igvm], [])
        expect_limit('fuki', ['--max-input-size', '64K', 'fuki', '-o', 'o.efi', igvm], ['o.efi'], file_hint=igvm)
        expect_limit('sign', ['--max-input-size', '64K', 'sign', '--key', 'db.key', '--cert', 'db.crt',
                              '-o', 'o.efi', 'addon.efi'], ['o.efi'], file_hint='addon.efi')
        expect_limit('sign-id-block', ['--max-input-size', '64K', 'sign-id-block', '--id-key', 'id.pem',
                                       '-o', 'o.igvm', igvm], ['o.igvm'], file_hint=igvm)
        expect_limit('vars store -i', ['--max-input-size', '64K', 'vars', 'store', '-i', 'vars.fd',
                                       '--db', 'db.esl', '-o', 'o.fd'], ['o.fd'], file_hint='vars.fd')
        expect_limit('vars esl --pe', ['--max-input-size', '64K', 'vars', 'esl', '--pe', 'addon.efi',
                                       '-o', 'o.esl'], ['o.esl'], file_hint='addon.efi')
        expect_limit('digest', ['--max-input-size', '64K', 'digest', 'addon.efi'], [])
        expect_limit('diff', ['--max-input-size', '64K', 'diff', igvm, igvm], [])
        # The environment and the option: the option wins.
        rc, _, err = run('--max-input-size', '1G', 'inspect', igvm, env={'IGVMKIT_MAX_INPUT_SIZE': '4K'})
        check(rc == 0, f'--max-input-size beats IGVMKIT_MAX_INPUT_SIZE: exit {rc}: {err.strip()}')
        # Exactly at the cap is accepted, also from a pipe.
        rc, _, err = run('--max-input-size', str(size), 'inspect', igvm)
        check(rc == 0, f'inspect at exactly the cap: exit {rc}: {err.strip()}')
        with open(igvm, 'rb') as f:
            rc, _, err = run('--max-input-size', str(size), 'inspect', '-', stdin=f)
        check(rc == 0, f'inspect from a pipe at exactly the cap: exit {rc}: {err.strip()}')
        rc, _, err = run('--max-input-size=8M', 'build', '-q', '-o', 'o3')
        check(rc == 0 and os.path.exists('o3/ovmf.igvm'), f'build under an 8M cap: exit {rc}: {err.strip()}')
        # Bad values are usage errors (exit 2), whichever source they come from.
        for args, env in ((['--max-input-size', 'lots', 'inspect', igvm], None),
                          (['--max-input-size', '0', 'inspect', igvm], None),
                          (['--max-input-size'], None),
                          (['inspect', igvm], {'IGVMKIT_MAX_INPUT_SIZE': '-5'})):
            rc, _, err = run(*args, env=env)
            check(rc == 2 and 'max-input-size' in err.lower().replace('_', '-'),
                  f'bad size {args} {env}: exit {rc}: {err.strip()}')

        # ---- 2. failing runs never modify an input ----
        shutil.copy(OVMF, 'OVMF.fd')
        with open('layout.yaml', 'w') as f:
            f.write('platforms:\n  sev-snp:\n  tdx:\n'
                    'components:\n'
                    '  ovmf: {type: ovmf, file: OVMF.fd}\n'
                    '  extra: {type: raw, file: db.esl, address: 0xffe00000}\n')  # overlaps the ROM
        with open('broken.yaml', 'w') as f:
            f.write('platforms: [sev-snp\ncomponents: {}\n')
        common = ['OVMF.fd', 'db.esl', 'layout.yaml', 'broken.yaml', 'built']
        expect_unchanged('build: overlapping components', ['build', '-o', 'built', 'layout.yaml'],
                         common, 3)
        expect_unchanged('build: YAML syntax error', ['build', '-o', 'built', 'broken.yaml'], common, 3)
        expect_unchanged('build: over the cap', ['--max-input-size', '1M', 'build', '-o', 'built',
                                                 'layout.yaml'], common, 6)

        keys = ['db.key', 'db.crt', 'other.key', 'other.crt', 'id.pem']
        shutil.copy('addon.efi', 'inplace.efi')
        expect_unchanged('sign in place: key does not match the certificate',
                         ['sign', '--key', 'other.key', '--cert', 'db.crt', '-o', 'inplace.efi', 'inplace.efi'],
                         ['inplace.efi'] + keys, 5)
        shutil.copy('signed.efi', 'inplace-signed.efi')
        expect_unchanged('sign in place: signed input without --replace/--append',
                         ['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'inplace-signed.efi',
                          'inplace-signed.efi'], ['inplace-signed.efi'] + keys, 3)
        expect_unchanged('fuki --into a signed PE in place without --unsign',
                         ['fuki', '--into', 'inplace-signed.efi', '-o', 'inplace-signed.efi', igvm],
                         ['inplace-signed.efi', 'built'], 3)
        expect_unchanged('fuki: a payload that is not IGVM',
                         ['fuki', '-o', 'inplace.efi', 'db.esl'], ['inplace.efi', 'db.esl'], 3)
        shutil.copy('vars.fd', 'inplace.fd')
        with open('garbage.esl', 'wb') as f:
            f.write(b'\x01' * 100)
        expect_unchanged('vars store in place: a corrupt signature list',
                         ['vars', 'store', '-i', 'inplace.fd', '--db', 'garbage.esl', '-o', 'inplace.fd'],
                         ['inplace.fd', 'garbage.esl'], 3)
        expect_unchanged('vars auth: key does not match the certificate',
                         ['vars', 'auth', 'db', '-k', 'other.key', '-c', 'db.crt', '-t', '0', '-o', 'db.esl',
                          'db.esl'], ['db.esl'] + keys, 5)
        shutil.copy(igvm, 'inplace.igvm')
        expect_unchanged('sign-id-block in place: RSA key instead of P-384',
                         ['sign-id-block', '--id-key', 'db.key', '-o', 'inplace.igvm', 'inplace.igvm'],
                         ['inplace.igvm'] + keys, 5)
        expect_unchanged('sign-id-block in place: over the cap',
                         ['--max-input-size', '64K', 'sign-id-block', '--id-key', 'id.pem', '-o', 'inplace.igvm',
                          'inplace.igvm'], ['inplace.igvm'] + keys, 6)
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'limits: {len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
