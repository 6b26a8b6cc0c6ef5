#!/usr/bin/env python3
"""Key hygiene: private keys never reach an output, a message or a stray file, and
passphrases come only from a file or the environment, never from the command line.

Every command that takes a private key is run with keys made here (RSA-2048 for
Authenticode and .auth, P-384 for the SNP ID block, plain and encrypted PKCS#8):
  sign, fuki --key, vars auth (and --tbs), sign-id-block (IGVM and --launch-digest
  modes, ID and author keys), build with a layout that signs an ID block,
and failing runs of each (wrong passphrase, key not matching the certificate).
Every output file and everything printed is searched for:
  - each secret component of each key (EC 'priv'; RSA d, p, q, dP, dQ, qInv), as
    16-byte windows in big- and little-endian order and as hex;
  - each base64 line of each key's PEM body (plain and encrypted), as text;
  - the passphrase.
`--passphrase SECRET` on the command line must be refused (exit 2, nothing written).
usage: test_keys.py IGVMKIT   (77 = skipped: no openssl or no Debian OVMF.fd)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

IK = os.path.abspath(sys.argv[1])
OVMF = '/usr/share/ovmf/OVMF.fd'
PASSPHRASE = 'pass-Zq7rT2xW9kLm'
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def openssl(*args, text=False):
    p = subprocess.run(['openssl', *args], check=True, capture_output=True)
    return p.stdout.decode() if text else p.stdout


def secret_components(key, passin=None):
    """Big-endian bytes of every private component of KEY (openssl's text dump)."""
    args = ['pkey', '-in', key, '-text', '-noout']
    if passin:
        args += ['-passin', passin]
    text = openssl(*args, text=True)
    out, name, hexs = {}, None, ''
    for line in text.splitlines():
        m = re.match(r'^([A-Za-z0-9]+):\s*$', line)
        if m:
            if name:
                out[name] = hexs
            name, hexs = m.group(1), ''
        elif name and re.match(r'^\s+[0-9a-f:]+$', line):
            hexs += line.strip().replace(':', '')
        elif name:
            out[name] = hexs
            name, hexs = None, ''
    if name:
        out[name] = hexs
    secret = {k: v for k, v in out.items()
              if k in ('priv', 'privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient')}
    if not secret:
        raise SystemExit(f'cannot read the private components of {key}')
    return {k: bytes.fromhex(v).lstrip(b'\0') for k, v in secret.items()}


def pem_lines(path):
    """The base64 body lines of a PEM file (full 64-character lines only)."""
    return [l.strip().encode() for l in open(path) if len(l.strip()) == 64 and not l.startswith('-----')]


class Needles:
    def __init__(self):
        self.items = []  # (description, bytes)

    def add_key(self, path, passin=None):
        for name, v in secret_components(path, passin).items():
            for endian, b in (('BE', v), ('LE', v[::-1])):
                for i in range(0, max(1, len(b) - 16 + 1), 8):
                    self.items.append((f'{path} {name} ({endian} bytes {i}..{i + 16})', b[i:i + 16]))
            self.items.append((f'{path} {name} as hex', v.hex().encode()))
            self.items.append((f'{path} {name} as HEX', v.hex().upper().encode()))
        for i, line in enumerate(pem_lines(path)):
            # The text only: decoded, a line of an RSA key is mostly the public modulus,
            # which certificates and signatures rightly carry.
            self.items.append((f'{path} PEM line {i + 1}', line))

    def find(self, data):
        return [what for what, n in self.items if n in data]


def scan(needles, what, blobs):
    for name, data in blobs:
        hits = needles.find(data)
        check(not hits, f'{what}: {name} contains key material: {hits[:3]}')
        check(PASSPHRASE.encode() not in data, f'{what}: {name} contains the passphrase')


def run_scan(needles, what, args, outputs, want_rc=0, env=None):
    """Runs igvmkit ARGS, checks the exit code, scans stdout, stderr and OUTPUTS, and
    checks that no file other than OUTPUTS appeared in the directory."""
    before = set(os.listdir('.'))
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([IK, *args], capture_output=True, env=e)
    check(p.returncode == want_rc, f'{what}: exit {p.returncode}, expected {want_rc}: {p.stderr.decode().strip()}')
    blobs = [('stdout', p.stdout), ('stderr', p.stderr)]
    for o in outputs:
        if want_rc == 0:
            check(os.path.isfile(o), f'{what}: {o} was not written')
        else:
            check(not os.path.exists(o), f'{what}: {o} was written by a failing run')
        if os.path.isfile(o):
            blobs.append((o, open(o, 'rb').read()))
    new = set(os.listdir('.')) - before - {os.path.basename(o) for o in outputs}
    new = {n for n in new if not os.path.isdir(n)}
    check(not new, f'{what}: unexpected files appeared: {sorted(new)}')
    scan(needles, what, blobs)
    for o in outputs:  # each case starts from a clean directory
        if os.path.isfile(o):
            os.unlink(o)
        elif os.path.isdir(o):
            shutil.rmtree(o)
    return p


def main():
    if not shutil.which('openssl') or not os.path.exists(OVMF):
        print(f'SKIP: needs openssl and {OVMF} (package ovmf)')
        return 77
    tmp = tempfile.mkdtemp(prefix='ik-keys-')
    os.chdir(tmp)
    try:
        with open('pass.txt', 'w') as f:
            f.write(PASSPHRASE + '\n')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=keys db', '-days', '2',
                '-keyout', 'db.key', '-out', 'db.crt')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=other', '-days', '2',
                '-keyout', 'other.key', '-out', 'other.crt')
        openssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'db.key', '-out', 'db-enc.key',
                '-passout', 'file:pass.txt')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'id.pem')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'author.pem')
        openssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'id.pem', '-out', 'id-enc.pem',
                '-passout', 'file:pass.txt')
        needles = Needles()
        for k in ('db.key', 'other.key', 'id.pem', 'author.pem'):
            needles.add_key(k)
        for k in ('db-enc.key', 'id-enc.pem'):
            needles.add_key(k, passin='file:pass.txt')
        os.mkdir('in')
        subprocess.run([IK, 'build', '-q', '-o', 'in'], check=True)
        igvm = 'in/ovmf.igvm'
        subprocess.run([IK, 'fuki', '-o', 'in/addon.efi', igvm], check=True, capture_output=True)
        subprocess.run([IK, 'vars', 'esl', '-c', 'db.crt', '-o', 'in/db.esl'], check=True)
        pe, esl = 'in/addon.efi', 'in/db.esl'
        penv = {'IK_TEST_PASSPHRASE': PASSPHRASE}

        # Successful runs.
        run_scan(needles, 'sign', ['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi'])
        run_scan(needles, 'sign, encrypted key, --passphrase-file',
                 ['sign', '--key', 'db-enc.key', '--passphrase-file', 'pass.txt', '--cert', 'db.crt',
                  '-o', 'o.efi', pe], ['o.efi'])
        run_scan(needles, 'sign, encrypted key, --passphrase-env',
                 ['sign', '--key', 'db-enc.key', '--passphrase-env', 'IK_TEST_PASSPHRASE', '--cert', 'db.crt',
                  '-o', 'o.efi', pe], ['o.efi'], env=penv)
        run_scan(needles, 'sign --prepare-offline', ['sign', '--prepare-offline', 'o.tbs', pe], ['o.tbs'])
        run_scan(needles, 'fuki --key', ['fuki', '--key', 'db-enc.key', '--passphrase-file', 'pass.txt',
                                         '--cert', 'db.crt', '-o', 'o.efi', igvm], ['o.efi'])
        run_scan(needles, 'vars auth', ['vars', 'auth', 'db', '-k', 'db.key', '-c', 'db.crt', '-t', '0',
                                        '-o', 'o.auth', esl], ['o.auth'])
        run_scan(needles, 'vars auth, encrypted key',
                 ['vars', 'auth', 'KEK', '-k', 'db-enc.key', '--passphrase-env', 'IK_TEST_PASSPHRASE',
                  '-c', 'db.crt', '-t', '0', '-o', 'o.auth', esl], ['o.auth'], env=penv)
        run_scan(needles, 'vars auth --tbs', ['vars', 'auth', 'db', '--tbs', '-t', '0', '-o', 'o.tbs', esl],
                 ['o.tbs'])
        run_scan(needles, 'sign-id-block', ['sign-id-block', '--id-key', 'id.pem', '--author-key', 'author.pem',
                                            '-o', 'o.igvm', igvm], ['o.igvm'])
        run_scan(needles, 'sign-id-block --launch-digest, encrypted ID key',
                 ['sign-id-block', '--id-key', 'id-enc.pem', '--passphrase-file', 'pass.txt',
                  '--launch-digest', '11' * 48, '--id-block-out', 'o.blk', '--id-auth-out', 'o.auth'],
                 ['o.blk', 'o.auth'])
        with open('idb.yaml', 'w') as f:
            f.write('platforms:\n'
                    '  sev-snp:\n'
                    '    id-block:\n'
                    f'      id-key: {tmp}/id.pem\n'
                    f'      author-key: {tmp}/author.pem\n'
                    'components:\n'
                    f'  ovmf: {{type: ovmf, file: {OVMF}}}\n'
                    'outputs: {igvm: o.igvm, measurements: o.json}\n')
        run_scan(needles, 'build with an ID block', ['build', '-o', 'obuild', 'idb.yaml'],
                 ['obuild/o.igvm', 'obuild/o.json'])

        # Failing runs: the messages must not show keys or passphrases either.
        with open('wrong.txt', 'w') as f:
            f.write('not-the-passphrase\n')
        run_scan(needles, 'sign, wrong passphrase', ['sign', '--key', 'db-enc.key', '--passphrase-file', 'wrong.txt',
                                                     '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi'], want_rc=5)
        run_scan(needles, 'sign, encrypted key without a passphrase',
                 ['sign', '--key', 'db-enc.key', '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi'], want_rc=5)
        run_scan(needles, 'sign, key does not match the certificate',
                 ['sign', '--key', 'other.key', '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi'], want_rc=5)
        run_scan(needles, 'sign, the key given as the certificate',
                 ['sign', '--key', 'db.key', '--cert', 'db.key', '-o', 'o.efi', pe], ['o.efi'], want_rc=5)
        run_scan(needles, 'vars auth, key does not match the certificate',
                 ['vars', 'auth', 'db', '-k', 'other.key', '-c', 'db.crt', '-t', '0', '-o', 'o.auth', esl],
                 ['o.auth'], want_rc=5)
        run_scan(needles, 'sign-id-block, RSA key', ['sign-id-block', '--id-key', 'db.key', '-o', 'o.igvm', igvm],
                 ['o.igvm'], want_rc=5)
        run_scan(needles, 'sign-id-block, wrong passphrase from the environment',
                 ['sign-id-block', '--id-key', 'id-enc.pem', '--passphrase-env', 'IK_TEST_WRONG',
                  '-o', 'o.igvm', igvm], ['o.igvm'], want_rc=5, env={'IK_TEST_WRONG': 'nope'})
        run_scan(needles, 'inspect given a key file', ['inspect', 'id.pem'], [], want_rc=3)

        # A passphrase on the command line is refused before anything is read or written.
        for what, args in (
                ('sign', ['sign', '--key', 'db-enc.key', '--cert', 'db.crt', '-o', 'o.efi', pe]),
                ('fuki', ['fuki', '--key', 'db-enc.key', '--cert', 'db.crt', '-o', 'o.efi', igvm]),
                ('vars auth', ['vars', 'auth', 'db', '-k', 'db-enc.key', '-c', 'db.crt', '-t', '0', '-o', 'o.auth', esl]),
                ('sign-id-block', ['sign-id-block', '--id-key', 'id-enc.pem', '-o', 'o.igvm', igvm])):
            for opt in ('--passphrase', '--pass', '--password', '--pin'):
                run_scan(needles, f'{what} {opt} on the command line', args[:1] + [opt, PASSPHRASE] + args[1:],
                         [a for a in args if a.startswith('o.')], want_rc=2)
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'key hygiene: {len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
