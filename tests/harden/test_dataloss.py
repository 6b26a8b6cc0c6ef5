#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Data loss and exit codes a user can trust (issue 14, items 1, 3, 4, 12, 14, 15).

1.  An output that names an input of the same run (the same path, a symbolic
    link, a hard link, a '..' path) is a usage error (exit 2) naming both, for
    every command that writes files, and the input is left byte for byte.
3.  Standard output that cannot take the summary (/dev/full) is exit 4 and no
    output file is committed.
4.  regen's default measurements JSON is named after the whole output name:
    '-o ms.igvm' and '-o ms.efi' do not share (and replace) one.
12. A symbolic link loop is exit 4 (I/O); an invalid SOURCE_DATE_EPOCH
    (including '0x10') is exit 2 in build, fuki, vars and regen; 'build -o ""'
    names the option; 'vars store -s -5' is exit 2 and '-s 4M' is accepted;
    --max-input-size wins over an invalid IGVMKIT_MAX_INPUT_SIZE.
14. File names with a newline or bytes that are not UTF-8 are shown escaped;
    output names with control characters are refused at the option (exit 2)
    or at the layout's line and column (exit 3).
15. 'inspect -' on an endless stream of zeros gives up after its first bytes.
"""
import os
import shutil
import subprocess
import sys
import tempfile

IK = os.path.abspath(sys.argv[1])
OVMF = '/usr/share/ovmf/OVMF.fd'
failures = 0


def check(ok, what):
    global failures
    print(('ok: ' if ok else 'FAIL: ') + what)
    failures += 0 if ok else 1


def run(*args, env=None, stdout=subprocess.PIPE, stdin=None):
    e = dict(os.environ)
    e.pop('SOURCE_DATE_EPOCH', None)
    e.pop('IGVMKIT_MAX_INPUT_SIZE', None)
    e.update(env or {})
    p = subprocess.run([IK] + list(args), env=e, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin)
    return p.returncode, (p.stdout or b'').decode(errors='replace'), p.stderr.decode(errors='replace')


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def litter():
    return [n for n in os.listdir('.') if '.tmp-' in n or '.igvmkit-old-' in n]


def clash(name, args, victim):
    """ARGS name VICTIM (an input) as an output too: exit 2, both named, VICTIM intact."""
    before = read(victim)
    rc, out, err = run(*args)
    check(rc == 2, f'{name}: exit {rc}, expected 2: {err.strip()}')
    check('is the input' in err, f'{name}: the message names the clash: {err.strip()}')
    check(read(victim) == before, f'{name}: the input {victim} is unchanged')
    check(not litter(), f'{name}: no temporary left: {litter()}')


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def main():
    if not os.path.exists(OVMF):
        print('skip: no ' + OVMF)
        return 77
    tmp = tempfile.mkdtemp()
    try:
        os.chdir(tmp)
        shutil.copy(OVMF, 'ovmf.fd')
        with open('inc.yaml', 'w') as f:
            f.write('platforms: {sev-snp: }\n')
        with open('l.yaml', 'w') as f:
            f.write('include: [inc.yaml]\ncomponents:\n  ovmf: {type: ovmf, file: ovmf.fd}\n'
                    'outputs:\n  igvm: o.igvm\n')
        rc, _, err = run('build', '-q', '-o', 'src', 'l.yaml')
        check(rc == 0, f'build the inputs: exit {rc} {err.strip()}')
        shutil.copy('src/o.igvm', 'in.igvm')
        sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'db.key', '-out', 'db.crt',
           '-subj', '/CN=test db', '-days', '30')
        sh('openssl', 'ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'id.pem')
        rc, _, err = run('fuki', '-o', 'addon.efi', 'in.igvm')
        check(rc == 0, f'fuki: exit {rc} {err.strip()}')
        rc, _, err = run('vars', 'store', '--db', 'db.crt', '-o', 'vars.fd')
        check(rc == 0, f'vars store: exit {rc} {err.strip()}')

        # ---- 1: an output naming an input ----
        os.symlink('in.igvm', 'link.igvm')
        os.link('in.igvm', 'hard.igvm')
        os.makedirs('sub')
        for spelled in ('in.igvm', 'link.igvm', 'hard.igvm', 'sub/../in.igvm'):
            clash(f'measure -o {spelled}', ['measure', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', '-o', spelled, 'in.igvm'], 'in.igvm')
        clash('diff -o', ['diff', '-o', 'in.igvm', 'in.igvm', 'src/o.igvm'], 'in.igvm')
        clash('descriptor -o', ['descriptor', '--filename', '/usr/share/igvm/in.igvm', '-o', 'link.igvm', 'in.igvm'],
              'in.igvm')
        clash('regen -o', ['regen', '--dbx-hash', 'ab' * 32, '-o', 'hard.igvm', 'in.igvm'], 'in.igvm')
        clash('regen --measurements', ['regen', '--dbx-hash', 'ab' * 32, '-o', 'r.igvm', '--measurements',
                                       'in.igvm', 'in.igvm'], 'in.igvm')
        clash('regen --measurements onto a seed', ['regen', '--db', 'db.crt', '-o', 'r.igvm', '--measurements',
                                                   'db.crt', 'in.igvm'], 'db.crt')
        clash('regen --extract-rom', ['regen', '--extract-rom', 'in.igvm', 'in.igvm'], 'in.igvm')
        clash('vars extract -o', ['vars', 'extract', 'vars.fd', 'db', '-o', 'vars.fd'], 'vars.fd')
        clash('vars store -o', ['vars', 'store', '--db', 'db.crt', '-o', 'db.crt'], 'db.crt')
        clash('fuki -o', ['fuki', '-o', 'in.igvm', 'in.igvm'], 'in.igvm')
        clash('sign -o', ['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'addon.efi', 'addon.efi'], 'addon.efi')
        clash('sign -o onto the key', ['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'db.key', 'addon.efi'],
              'db.key')
        clash('sign-id-block -o', ['sign-id-block', '--id-key', 'id.pem', '-o', 'in.igvm', 'in.igvm'], 'in.igvm')
        clash('sign-id-block --id-block-out', ['sign-id-block', '--id-key', 'id.pem', '-o', 's.igvm',
                                               '--id-block-out', 'id.pem', 'in.igvm'], 'id.pem')
        for what, victim in (('the layout', 'l.yaml'), ('an included layout', 'inc.yaml'),
                             ('a component input', 'ovmf.fd')):
            with open('clash.yaml', 'w') as f:
                f.write(read('l.yaml').decode().replace('igvm: o.igvm', f'igvm: o.igvm\n  measurements: {victim}'))
            if victim == 'l.yaml':
                with open('clash.yaml', 'w') as f:
                    f.write(read('l.yaml').decode().replace('igvm: o.igvm', 'igvm: clash.yaml'))
                victim = 'clash.yaml'
            clash(f'build onto {what}', ['build', '-q', '-o', '.', 'clash.yaml'], victim)
        rc, _, err = run('measure', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', '-o', 'fresh.json', 'in.igvm')
        check(rc == 0 and os.path.exists('fresh.json'), f'a new output next to the input is fine: exit {rc} {err.strip()}')

        # ---- 3: no output committed when standard output fails ----
        with open('/dev/full', 'wb') as full:
            for name, args, outs in (
                    ('build', ['build', '-o', 'full-b', 'l.yaml'], ['full-b']),
                    ('regen', ['regen', '--dbx-hash', 'ab' * 32, '-o', 'full-r.igvm', 'in.igvm'],
                     ['full-r.igvm', 'full-r.igvm.measurements.json']),
                    ('regen --extract-rom', ['regen', '--extract-rom', 'full-rom.fd', 'in.igvm'], ['full-rom.fd']),
                    ('fuki', ['fuki', '-o', 'full-f.efi', 'in.igvm'], ['full-f.efi']),
                    ('sign-id-block', ['sign-id-block', '--id-key', 'id.pem', '-o', 'full-s.igvm', 'in.igvm'],
                     ['full-s.igvm']),
                    ('measure -o', ['measure', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', '-o', 'full-m.json', 'in.igvm'],
                     ['full-m.json'])):
                rc, _, err = run(*args, stdout=full)
                check(rc == 4, f'{name} > /dev/full: exit {rc}, expected 4: {err.strip()}')
                left = [o for o in outs if os.path.exists(o)]
                check(not left and not litter(), f'{name} > /dev/full: nothing committed: {left} {litter()}')

        # ---- 4: distinct default measurements per output ----
        rc1, _, err1 = run('regen', '--dbx-hash', 'ab' * 32, '-o', 'ms.igvm', 'in.igvm')
        rc2, _, err2 = run('regen', '--dbx-hash', 'ab' * 32, '--unsigned', '-o', 'ms.efi', 'addon.efi')
        check(rc1 == 0 and rc2 == 0, f'regen ms.igvm and ms.efi: exit {rc1}, {rc2} {err1.strip()} {err2.strip()}')
        check(os.path.exists('ms.igvm.measurements.json') and os.path.exists('ms.efi.measurements.json')
              and not os.path.exists('ms.measurements.json'),
              f'regen: one measurements JSON per output: {sorted(n for n in os.listdir(".") if n.startswith("ms."))}')

        # ---- 12: exit codes ----
        os.symlink('loop-a', 'loop-b')
        os.symlink('loop-b', 'loop-a')
        for args in (['inspect', 'loop-a'], ['measure', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', 'loop-a'], ['build', 'loop-a']):
            rc, _, err = run(*args)
            check(rc == 4, f'{" ".join(args)}: a symbolic link loop is exit {rc}, expected 4: {err.strip()}')
        for value in ('0x10', '-5', 'abc', '1e9', ' 10', '99999999999999999999999'):
            env = {'SOURCE_DATE_EPOCH': value}
            for name, args in (('build', ['build', '-q', '-o', 'sde', 'l.yaml']),
                               ('fuki', ['fuki', '-o', 'sde.efi', 'in.igvm']),
                               ('vars store', ['vars', 'store', '--db', 'db.crt', '-o', 'sde.fd']),
                               ('vars auth', ['vars', 'auth', 'db', '--unsigned', '-o', 'sde.auth', 'db.crt']),
                               ('regen', ['regen', '--db', 'db.crt', '-o', 'sde.igvm', 'in.igvm'])):
                rc, _, err = run(*args, env=env)
                check(rc == 2 and 'SOURCE_DATE_EPOCH' in err,
                      f'{name}: SOURCE_DATE_EPOCH={value!r} is exit {rc}, expected 2: {err.strip()}')
        check(not any(n.startswith('sde') for n in os.listdir('.')), 'no output from a refused SOURCE_DATE_EPOCH')
        rc, _, err = run('fuki', '-o', 'sde-ok.efi', 'in.igvm', env={'SOURCE_DATE_EPOCH': '1700000000'})
        check(rc == 0, f'fuki: a decimal SOURCE_DATE_EPOCH is accepted: exit {rc} {err.strip()}')
        rc, _, err = run('build', '-o', '', 'l.yaml')
        check(rc == 2 and '-o' in err, f'build -o "": exit {rc}, names the option: {err.strip()}')
        rc, _, err = run('vars', 'store', '-s', '-5', '-o', 'neg.fd')
        check(rc == 2 and '--size' in err, f'vars store -s -5: exit {rc}, expected 2: {err.strip()}')
        rc, _, err = run('vars', 'store', '-s', '4M', '-o', 'four.fd')
        check(rc == 0 and os.path.getsize('four.fd') == 0x84000 if rc == 0 else False,
              f'vars store -s 4M: exit {rc}, the 4M build\'s store: {err.strip()}')
        rc, _, err = run('--max-input-size', '64M', 'inspect', 'in.igvm', env={'IGVMKIT_MAX_INPUT_SIZE': 'bogus'})
        check(rc == 0, f'--max-input-size wins over an invalid IGVMKIT_MAX_INPUT_SIZE: exit {rc} {err.strip()}')
        open('empty', 'w').close()
        for args in (['vars', 'list', 'empty'], ['inspect', 'empty']):
            rc, _, err = run(*args)
            check(rc == 3, f'{" ".join(args)}: an empty file is exit {rc}, expected 3: {err.strip()}')
        rc, _, err = run('inspect', 'in.igvm', env={'IGVMKIT_MAX_INPUT_SIZE': 'bogus'})
        check(rc == 2, f'an invalid IGVMKIT_MAX_INPUT_SIZE alone is exit {rc}, expected 2: {err.strip()}')

        # ---- 14: names escaped, control characters refused in output names ----
        odd = 'in\nx\xff.igvm'.encode('latin-1')
        shutil.copy('in.igvm', odd)
        rc, out, err = run('measure', '--platform', 'sev', odd)
        check(rc != 0 and 'in\\nx\\xff.igvm' in err and '\n' not in err.strip(),
              f'a name with a newline and a non-UTF-8 byte is shown escaped: {err!r}')
        # every command naming an input shows it escaped, on stdout and stderr alike
        stem = 'in\nx\xff'
        odd_efi, odd_crt, odd_fd, odd_yaml = ((stem + ext).encode('latin-1')
                                              for ext in ('.efi', '.crt', '.fd', '.yaml'))
        shutil.copy('addon.efi', odd_efi)
        shutil.copy('db.crt', odd_crt)
        shutil.copy('vars.fd', odd_fd)
        with open(odd_yaml, 'w') as f:
            f.write(read('l.yaml').decode())
        for name, args in (
                ('measure -v', ['measure', '-v', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', odd]),
                ('inspect -v', ['inspect', '-v', odd]),
                ('verify -v', ['verify', '-v', '--cert', 'db.crt', odd_efi]),
                ('digest -v', ['digest', '-v', odd_efi]),
                ('sign --prepare-offline', ['sign', '--prepare-offline', 'tbs14.bin', odd_efi]),
                ('sign (not a PE)', ['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 's14.efi', odd_crt]),
                ('fuki -v', ['fuki', '-v', '-o', 'f14.efi', odd]),
                ('vars esl', ['vars', 'esl', '--cert', odd_efi, '-o', 'e14.esl']),
                ('vars store', ['vars', 'store', '--db', (stem + '.missing').encode('latin-1'), '-o', 's14.fd']),
                ('vars list', ['vars', 'list', odd_crt]),
                ('descriptor', ['descriptor', '--filename', '/x.igvm', '-o', 'd14.json', odd_crt]),
                ('diff', ['diff', odd, 'src/o.igvm']),
                ('diff (directories)', ['diff', '.', 'src']),
                ('regen', ['regen', '--dbx-hash', 'ab' * 32, '-o', 'r14.igvm', odd]),
                ('build', ['build', '-v', '-o', 'b14', odd_yaml]),
                ('unknown command', [odd])):
            rc, out, err = run(*args)
            both = out + err
            check('in\\nx\\xff' in both and 'in\nx' not in both and '\ufffd' not in both,
                  f'{name}: the name shows escaped (exit {rc}): {both!r}'[:600])
        for args in (['measure', '--platform', 'sev-snp', '--vcpu-type', 'EPYC-v4', '-o', 'a\nb.json', 'in.igvm'],
                     ['regen', '--dbx-hash', 'ab' * 32, '-o', 'a\nb.igvm', 'in.igvm'],
                     ['regen', '--dbx-hash', 'ab' * 32, '-o', 'ok.igvm', '--measurements', 'a\tb.json', 'in.igvm'],
                     ['fuki', '-o', 'a\nb.efi', 'in.igvm'],
                     ['vars', 'store', '--db', 'db.crt', '-o', 'a\nb.fd'],
                     ['sign-id-block', '--id-key', 'id.pem', '-o', 'a\x1bb.igvm', 'in.igvm'],
                     ['build', '-q', '-o', 'a\nb', 'l.yaml']):
            rc, _, err = run(*args)
            check(rc == 2 and 'control character' in err, f'{args[0]}: a control character in an output name is exit {rc}: {err.strip()}')
        with open('ctl.yaml', 'w') as f:
            f.write(read('l.yaml').decode().replace('igvm: o.igvm', 'igvm: "a\\nb.igvm"'))
        rc, _, err = run('build', '-q', '-o', 'ctl', 'ctl.yaml')
        check(rc == 3 and 'ctl.yaml:line 5, column' in err and 'a\\nb.igvm' in err,
              f'layout outputs.igvm with a newline: exit {rc} at its line and column: {err.strip()}')
        check(not any(('\n' in n or '\t' in n or '\x1b' in n) and not n.startswith(os.fsdecode(stem.encode('latin-1'))) for n in os.listdir('.'))
              and not os.path.exists('ctl'),
              'no file with a control character in its name was written')

        # ---- 15: inspect gives up early on a stream no format begins with ----
        with open('/dev/zero', 'rb') as zero:
            rc, _, err = run('inspect', '-', stdin=zero)
        check(rc == 3 and 'first 4096 bytes' in err, f'inspect - < /dev/zero: exit {rc}: {err.strip()}')
        with open('in.igvm', 'rb') as f:
            rc, out, err = run('inspect', '-', stdin=f)
        check(rc == 0 and out.startswith('IGVM file'), f'inspect - < an IGVM still works: exit {rc} {err.strip()}')
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
