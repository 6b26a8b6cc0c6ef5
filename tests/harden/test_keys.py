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

A 'pkcs11:' key URI carrying its PIN ('pin-value', any spelling, path or query) is
refused (exit 5, nothing written, the PIN never printed) wherever a key is taken:
sign, fuki, vars auth, sign-id-block (ID and author key), regen, and layouts
(outputs.sign.key, id-block id-key).  With SoftHSM2 and the pkcs11 engine installed,
the PIN from 'pin-source=' (a path or a file: URI), --passphrase-file and
--passphrase-env signs byte-identically to the PEM copy of the token's key.

getopt's own messages echoed a whole argument ("option '--passphrase=SECRET' is
ambiguous"): every command of `igvmkit --help` and every `vars` subcommand is given
'--passphrase=SECRET'-style options and must refuse them (exit 2) with a message
naming the option but never SECRET.
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
PIN = '4711-pin-Qv8s'          # written into key URIs as pin-value: must never be printed
TOKEN_PIN = '583920'           # the SoftHSM2 token's user PIN (from files and the environment only)
SECRET = 'sec-Jw3pX0aYt6'      # the value of refused options
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
        for secret in (PASSPHRASE, PIN, TOKEN_PIN, SECRET):
            check(secret.encode() not in data, f'{what}: {name} contains the secret {secret!r}')


def run_scan(needles, what, args, outputs, want_rc=0, env=None, expect=None):
    """Runs igvmkit ARGS, checks the exit code, scans stdout, stderr and OUTPUTS, and
    checks that no file other than OUTPUTS appeared in the directory (EXPECT: the bytes
    some outputs must hold)."""
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
    for o, want in (expect or {}).items():
        check(os.path.isfile(o) and open(o, 'rb').read() == want, f'{what}: {o} differs from the expected bytes')
    for o in outputs:  # each case starts from a clean directory
        if os.path.isfile(o):
            os.unlink(o)
        elif os.path.isdir(o):
            shutil.rmtree(o)
    return p


def pin_value_refused(needles, pe, igvm, esl, tmp):
    """A key URI with the PIN in it is refused before anything is read or written."""
    uris = [f'pkcs11:token=t;object=k;type=private;pin-value={PIN}',
            f'pkcs11:token=t;object=k?pin-value={PIN}&module-path=/nonexistent.so',
            f'pkcs11:token=t;PIN-VALUE={PIN};object=k',
            f'pkcs11:token=t;object=k;pin%2Dvalue={PIN}',
            f'PKCS11:object=k;pin-value={PIN}']
    for uri in uris:
        for what, args, outs in (
                ('sign', ['sign', '--key', uri, '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi']),
                ('fuki', ['fuki', '--key', uri, '--cert', 'db.crt', '-o', 'o.efi', igvm], ['o.efi']),
                ('vars auth', ['vars', 'auth', 'db', '-k', uri, '-c', 'db.crt', '-t', '0', '-o', 'o.auth', esl],
                 ['o.auth']),
                ('sign-id-block ID key', ['sign-id-block', '--id-key', uri, '-o', 'o.igvm', igvm], ['o.igvm']),
                ('sign-id-block author key', ['sign-id-block', '--id-key', 'id.pem', '--author-key', uri,
                                              '-o', 'o.igvm', igvm], ['o.igvm']),
                ('regen', ['regen', '--db', 'db.crt', '--key', uri, '--cert', 'db.crt', '--no-measurements',
                           '-o', 'o.efi', pe], ['o.efi'])):
            p = run_scan(needles, f'{what} with {uri}', args, outs, want_rc=5)
            err = p.stderr.decode()
            check("'pin-value'" in err and 'pin-source' in err and '--passphrase-env' in err,
                  f'{what} with {uri}: the message names neither the attribute nor the alternatives: {err.strip()}')
    # Layouts: the same check, whichever key of the layout holds the URI.
    uri = uris[0]
    for what, body in (
            ('outputs.sign.key', 'outputs:\n'
                                 '  igvm: o.igvm\n'
                                 '  measurements: false\n'
                                 '  fuki: o.efi\n'
                                 f'  sign: {{key: "{uri}", cert: {tmp}/db.crt}}\n'),
            ('id-block id-key', 'platforms:\n'
                                '  sev-snp:\n'
                                '    id-block:\n'
                                f'      id-key: "{uri}"\n'
                                'outputs: {igvm: o.igvm, measurements: false}\n')):
        with open('pin.yaml', 'w') as f:
            f.write(f'components:\n  ovmf: {{type: ovmf, file: {OVMF}}}\n' + body +
                    ('' if body.startswith('platforms') else 'platforms: {sev-snp: }\n'))
        p = run_scan(needles, f'build, {what} with pin-value', ['build', '-o', 'obuild', 'pin.yaml'],
                     ['obuild/o.igvm', 'obuild/o.efi'], want_rc=5)
        check("'pin-value'" in p.stderr.decode(), f'build, {what}: message lacks the attribute: {p.stderr.decode()}')
        # Refused while the layout loads, so the message names the line and
        # --print-layout (which loads no key) cannot show the PIN either.
        check('pin.yaml:line ' in p.stderr.decode(), f'build, {what}: message names no layout line: {p.stderr.decode()}')
        run_scan(needles, f'build --print-layout, {what} with pin-value', ['build', '--print-layout', 'pin.yaml'],
                 [], want_rc=5)
        os.unlink('pin.yaml')


def pkcs11_pin_sources(needles, pe, igvm, esl, tmp):
    """SoftHSM2: the PIN from pin-source (path, file: URI), --passphrase-file and --passphrase-env."""
    engine = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so'
    if not shutil.which('softhsm2-util') or not os.path.exists(engine):
        print('note: softhsm2 or libengine-pkcs11-openssl missing; pin-source/--passphrase-env on a token not tested')
        return
    os.mkdir('tokens')
    with open('softhsm2.conf', 'w') as f:
        f.write(f'directories.tokendir = {tmp}/tokens\nobjectstore.backend = file\n')
    env = {'SOFTHSM2_CONF': f'{tmp}/softhsm2.conf', 'IK_TOKEN_PIN': TOKEN_PIN}

    def hsm(*args):
        p = subprocess.run(['softhsm2-util', *args], capture_output=True, env=dict(os.environ, **env))
        check(p.returncode == 0, f'softhsm2-util {args[0]}: {p.stdout.decode()} {p.stderr.decode()}')

    hsm('--init-token', '--free', '--label', 'ik-keys', '--pin', TOKEN_PIN, '--so-pin', '10293847')
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'db.key', '-out', 'db.p8')
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'id.pem', '-out', 'id.p8')
    hsm('--import', 'db.p8', '--token', 'ik-keys', '--label', 'db', '--id', 'd1', '--pin', TOKEN_PIN)
    hsm('--import', 'id.p8', '--token', 'ik-keys', '--label', 'id', '--id', 'e1', '--pin', TOKEN_PIN)
    os.unlink('db.p8')
    os.unlink('id.p8')
    with open('pin.txt', 'w') as f:
        f.write(TOKEN_PIN + '\n')
    with open('wrong-pin.txt', 'w') as f:
        f.write('000000\n')
    db = 'pkcs11:token=ik-keys;object=db;type=private'
    idk = 'pkcs11:token=ik-keys;object=id;type=private'
    pin = f'{tmp}/pin.txt'

    # Reference: the PEM copy of the token's key (RSA PKCS#1 v1.5 signatures are deterministic).
    subprocess.run([IK, 'sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'ref.efi', pe], check=True,
                   capture_output=True)
    subprocess.run([IK, 'vars', 'auth', 'db', '-k', 'db.key', '-c', 'db.crt', '-t', '0', '-o', 'ref.auth', esl],
                   check=True, capture_output=True)
    ref_efi, ref_auth = open('ref.efi', 'rb').read(), open('ref.auth', 'rb').read()
    for what, key, extra in (('pin-source=PATH', f'{db}?pin-source={pin}', []),
                             ('pin-source=file:PATH', f'{db}?pin-source=file:{pin}', []),
                             ('pin-source=file://PATH', f'{db}?pin-source=file://{pin}', []),
                             ('--passphrase-file', db, ['--passphrase-file', 'pin.txt']),
                             ('--passphrase-env', db, ['--passphrase-env', 'IK_TOKEN_PIN'])):
        before = set(os.listdir('.'))
        p = subprocess.run([IK, 'sign', '--key', key, *extra, '--cert', 'db.crt', '-o', 'o.efi', pe],
                           capture_output=True, env=dict(os.environ, **env))
        check(p.returncode == 0 and open('o.efi', 'rb').read() == ref_efi,
              f'token sign, PIN by {what}: exit {p.returncode}, {p.stderr.decode().strip()}')
        scan(needles, f'token sign, PIN by {what}', [('stdout', p.stdout), ('stderr', p.stderr),
                                                    ('o.efi', open('o.efi', 'rb').read() if p.returncode == 0 else b'')])
        if os.path.exists('o.efi'):
            os.unlink('o.efi')
        check(set(os.listdir('.')) == before, f'token sign, PIN by {what}: stray files')
    run_scan(needles, 'token vars auth, pin-source',
             ['vars', 'auth', 'db', '-k', f'{db}?pin-source={pin}', '-c', 'db.crt', '-t', '0', '-o', 'o.auth', esl],
             ['o.auth'], env=env, expect={'o.auth': ref_auth})
    run_scan(needles, 'token fuki, pin-source', ['fuki', '--key', f'{db}?pin-source=file:{pin}', '--cert', 'db.crt',
                                                 '-o', 'o.efi', igvm], ['o.efi'], env=env)
    run_scan(needles, 'token sign-id-block, pin-source',
             ['sign-id-block', '--id-key', f'{idk}?pin-source={pin}', '--launch-digest', '22' * 48,
              '--id-block-out', 'o.blk', '--id-auth-out', 'o.ida'], ['o.blk', 'o.ida'], env=env)
    run_scan(needles, 'token sign-id-block, --passphrase-env',
             ['sign-id-block', '--id-key', idk, '--passphrase-env', 'IK_TOKEN_PIN', '-o', 'o.igvm', igvm],
             ['o.igvm'], env=env)
    with open('hsm.yaml', 'w') as f:
        f.write(f'components:\n  ovmf: {{type: ovmf, file: {OVMF}}}\nplatforms: {{sev-snp: }}\n'
                'outputs:\n  igvm: o.igvm\n  measurements: false\n  fuki: o.efi\n'
                f'  sign: {{key: "{db}?pin-source={pin}", cert: {tmp}/db.crt}}\n')
    run_scan(needles, 'token build, outputs.sign with pin-source', ['build', '-o', 'obuild', 'hsm.yaml'],
             ['obuild/o.igvm', 'obuild/o.efi'], env=env)
    os.unlink('hsm.yaml')
    # Failures: two PIN sources, a wrong PIN, a missing PIN file; never the PIN in a message.
    run_scan(needles, 'token sign, pin-source and --passphrase-file',
             ['sign', '--key', f'{db}?pin-source={pin}', '--passphrase-file', 'pin.txt', '--cert', 'db.crt',
              '-o', 'o.efi', pe], ['o.efi'], want_rc=3, env=env)
    run_scan(needles, 'token sign, wrong PIN from pin-source',
             ['sign', '--key', f'{db}?pin-source=wrong-pin.txt', '--cert', 'db.crt', '-o', 'o.efi', pe], ['o.efi'],
             want_rc=5, env=env)
    run_scan(needles, 'token sign, missing pin-source file',
             ['sign', '--key', f'{db}?pin-source={tmp}/no-such-pin', '--cert', 'db.crt', '-o', 'o.efi', pe],
             ['o.efi'], want_rc=4, env=env)
    run_scan(needles, 'token sign, pin-source on another host',
             ['sign', '--key', f'{db}?pin-source=file://elsewhere/pin', '--cert', 'db.crt', '-o', 'o.efi', pe],
             ['o.efi'], want_rc=7, env=env)
    for f in ('pin.txt', 'wrong-pin.txt', 'ref.efi', 'ref.auth'):
        os.unlink(f)


def commands_of(help_text):
    """The command names a --help text lists in its indented table."""
    return re.findall(r'^  ([a-z][a-z0-9-]*)\s', help_text, re.M)


def options_never_echoed(needles):
    """Refused options are named without their value, on every command and vars subcommand."""
    top = subprocess.run([IK, '--help'], capture_output=True, text=True, check=True).stdout
    commands = [[c] for c in commands_of(top)]
    check(len(commands) >= 12, f'igvmkit --help lists only {len(commands)} commands')
    vhelp = subprocess.run([IK, 'vars', '--help'], capture_output=True, text=True, check=True).stdout
    subs = commands_of(vhelp.split('subcommands:', 1)[-1])
    check(len(subs) >= 5, f'igvmkit vars --help lists only {len(subs)} subcommands')
    commands += [['vars', s] for s in subs]
    # Other commands with subcommands (corim): each subcommand too; the command is a dispatcher.
    dispatchers = [[], ['vars']]
    for c in commands_of(top):
        p = subprocess.run([IK, c, '--list-commands'], capture_output=True, text=True)
        if c != 'vars' and p.returncode == 0 and p.stdout.split():
            dispatchers.append([c])
            commands += [[c, s] for s in p.stdout.split()]
    # Unknown ('--pin'), ambiguous on commands taking --passphrase-file/-env ('--pass'),
    # a flag given a value ('--help='), and a prefix of several options ('--h').
    bad = ['--passphrase', '--pass', '--password', '--pin', '--pin-value', '--secret', '--help', '--h']
    for cmd in [[]] + commands:
        for opt in bad:
            for where in ('first', 'last'):
                arg = f'{opt}={SECRET}'
                args = cmd + [arg, 'in.file'] if where == 'first' else cmd + ['in.file', arg]
                if not cmd:
                    args = [arg]
                p = run_scan(needles, f"'{' '.join(args)}'", args, [], want_rc=2)
                err = p.stderr.decode()
                # The option as typed, or the one option it abbreviates ('--h' -> '--help').
                check(re.search("'" + re.escape(opt) + "[a-z0-9-]*'", err) and 'error:' in err,
                      f"'{' '.join(args)}': the message does not name '{opt}': {err.strip()!r}")
                if cmd in dispatchers:  # only an option in the command's place
                    break
    # The three kinds of message getopt used to print, now without values.
    for args, want in ((['sign', f'--pass={SECRET}'], "option '--pass' is ambiguous (--passphrase-file, --passphrase-env)"),
                       (['sign', f'--pin={SECRET}'], "unknown option '--pin'"),
                       (['sign', f'--help={SECRET}'], "option '--help' takes no value"),
                       (['sign', '-o'], "option '-o' needs a value"),
                       (['sign', '--output'], "option '--output' needs a value"),
                       (['measure', '--platform'], "option '--platform' needs a value"),
                       (['sign', '-x'], "unknown option '-x'")):
        p = run_scan(needles, ' '.join(args), args, [], want_rc=2)
        check(want in p.stderr.decode(), f"{' '.join(args)}: expected {want!r}, got {p.stderr.decode().strip()!r}")


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
        # A combined key+certificate PEM (either order) given as the certificate: the key
        # blocks are skipped (and wiped, sign/key.c), never embedded.
        with open('combined.pem', 'w') as f:
            f.write(open('db.key').read() + open('db.crt').read())
        run_scan(needles, 'sign, --cert a combined key+certificate file',
                 ['sign', '--key', 'db.key', '--cert', 'combined.pem', '-o', 'o.efi', pe], ['o.efi'])
        with open('combined.pem', 'w') as f:
            f.write(open('db.crt').read() + open('db-enc.key').read())
        run_scan(needles, 'fuki, --cert a combined certificate+encrypted key file',
                 ['fuki', '--key', 'db-enc.key', '--passphrase-file', 'pass.txt', '--cert', 'combined.pem',
                  '-o', 'o.efi', igvm], ['o.efi'])
        os.unlink('combined.pem')
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

        pin_value_refused(needles, pe, igvm, esl, tmp)
        pkcs11_pin_sources(needles, pe, igvm, esl, tmp)
        options_never_echoed(needles)

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
