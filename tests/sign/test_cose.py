#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `igvmkit corim sign|tbs|attach` and `igvmkit verify` on COSE_Sign1.

Cross-checks with tools igvmkit's authors did not write:
  - python3-cbor2 decodes every COSE_Sign1 to the documented structure (tag 18, protected header
    labels 1, 3, 8, 15, 33 in that order, corim-meta and CWT-Claims naming the certificate's CN,
    x5chain = the certificate's DER) and finds it in core deterministic encoding (re-encoding it
    canonically gives the same bytes);
  - the Sig_structure is rebuilt here with cbor2 (RFC 9052 section 4.4, not igvmkit's code) and the
    raw signature verified over it with `openssl dgst -verify` (ES256/ES384 after converting r||s
    to DER here, PS256/PS384 with PSS options) and `openssl pkeyutl -verify -rawin` (Ed25519);
  - Debian's ruby-cose (gem 'cose' 1.2, tests/sign/cose_verify.rb) verifies every ES* and PS*
    COSE_Sign1 igvmkit writes, attached and detached, and rejects a tampered one (the gem has no
    EdDSA: Ed25519 is cross-checked by OpenSSL only).
Two-step signing: tbs bytes signed by `openssl` and attached equal one-step signing byte for byte
for Ed25519 (deterministic) and in everything but the signature for ES384 and PS256.
Bad inputs: each a clear message naming the place, its documented exit code, no output written.
A SoftHSM2 token key (pkcs11: URI) signs as the PEM copy of the same key does (when installed).

usage: test_cose.py IGVMKIT   (exit 77 = skipped: a required tool is missing)
"""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

from clitest import FAILS, IGVMKIT, check, ik, sh  # noqa: E402  (argv[1] is the binary)
HERE = os.path.dirname(os.path.abspath(__file__))
for tool in ('openssl', 'ruby'):
    if not shutil.which(tool):
        print(f'{tool} is not installed; skipping')
        sys.exit(77)
try:
    import cbor2
except ImportError:
    print('python3-cbor2 is not installed; skipping')
    sys.exit(77)
if subprocess.run(['ruby', '-rcose', '-e', '1'], capture_output=True).returncode != 0:
    print('ruby-cose is not installed; skipping')
    sys.exit(77)

# (key file, certificate, algorithm, openssl digest, PSS salt or None, ruby-cose has it)
ALGS = [
    ('p384', 'ES384', 'sha384', None, True),
    ('p256', 'ES256', 'sha256', None, True),
    ('rsa', 'PS256', 'sha256', 32, True),
    ('rsa', 'PS384', 'sha384', 48, True),
    ('ed', 'EdDSA', None, None, False),
]
COSE_ALG_IDS = {'ES256': -7, 'EdDSA': -8, 'ES384': -35, 'PS256': -37, 'PS384': -38}


def expect_fail(args, code, needles, what, out='o.cose'):
    if os.path.exists(out):
        os.unlink(out)
    rc, stdout, err = ik(*args)
    check(rc == code, f'{what}: exit {rc} != {code} ({err.strip()})')
    for n in needles:
        check(n in err, f'{what}: message lacks {n!r}: {err.strip()}')
    check(not os.path.exists(out), f'{what}: {out} was written')
    return err


def ruby_verify(signed, cert, payload=None):
    args = ['ruby', os.path.join(HERE, 'cose_verify.rb'), signed, cert] + ([payload] if payload else [])
    rc, out, err = sh(*args)
    return rc == 0, (out + err).strip()


def der_int(b):
    b = b.lstrip(b'\0') or b'\0'
    if b[0] & 0x80:
        b = b'\0' + b
    return b'\x02' + bytes([len(b)]) + b


def raw_to_der(raw):
    """ECDSA r||s -> DER Ecdsa-Sig-Value (RFC 3279), written here independently of igvmkit."""
    n = len(raw) // 2
    body = der_int(raw[:n]) + der_int(raw[n:])
    length = bytes([len(body)]) if len(body) < 128 else b'\x81' + bytes([len(body)])
    return b'\x30' + length + body


def der_to_raw(der, coord):
    """DER Ecdsa-Sig-Value -> r||s (two INTEGERs after a SEQUENCE header)."""
    i = 2 if der[1] < 0x80 else 3
    out = b''
    for _ in range(2):
        assert der[i] == 2
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b'\0')
        out += v.rjust(coord, b'\0')
        i += 2 + n
    return out


def sig_structure(protected, payload):
    """RFC 9052 section 4.4: ["Signature1", protected, external_aad h'', payload]."""
    return cbor2.dumps(['Signature1', protected, b'', payload])


def openssl_verify(alg, dgst, salt, pub, tbs, sig):
    open('x.tbs', 'wb').write(tbs)
    if alg == 'EdDSA':
        open('x.sig', 'wb').write(sig)
        rc, out, err = sh('openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', 'x.tbs',
                          '-sigfile', 'x.sig')
    else:
        open('x.sig', 'wb').write(raw_to_der(sig) if alg.startswith('ES') else sig)
        opts = []
        if salt:
            opts = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', f'rsa_pss_saltlen:{salt}',
                    '-sigopt', f'rsa_mgf1_md:{dgst}']
        rc, out, err = sh('openssl', 'dgst', '-' + dgst, *opts, '-verify', pub, '-signature', 'x.sig', 'x.tbs')
    return rc == 0 and 'Verified OK' in out + err + ('Verified OK' if alg == 'EdDSA' and rc == 0 else '')


def openssl_sign(alg, dgst, salt, key, tbs_file, out):
    if alg == 'EdDSA':
        return sh('openssl', 'pkeyutl', '-sign', '-inkey', key, '-rawin', '-in', tbs_file, '-out', out)
    opts = []
    if salt:
        opts = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', f'rsa_pss_saltlen:{salt}', '-sigopt', f'rsa_mgf1_md:{dgst}']
    return sh('openssl', 'dgst', '-' + dgst, *opts, '-sign', key, '-out', out, tbs_file)


def cert_der(name):
    sh('openssl', 'x509', '-in', name + '.crt', '-outform', 'DER', '-out', name + '.der')
    return open(name + '.der', 'rb').read()


def make_keys():
    subj = {'p384': '/CN=igvmkit test CoRIM signer/O=Example', 'p256': '/CN=igvmkit P-256',
            'rsa': '/CN=igvmkit RSA', 'ed': '/CN=igvmkit Ed25519', 'other': '/CN=someone else'}
    newkey = {'p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
              'p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
              'rsa': ['-newkey', 'rsa:2048'], 'ed': ['-newkey', 'ed25519'],
              'other': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']}
    for n in subj:
        rc, _, err = sh('openssl', 'req', '-x509', *newkey[n], '-nodes', '-keyout', n + '.key', '-out', n + '.crt',
                        '-subj', subj[n], '-days', '3650')
        check(rc == 0, f'openssl req {n}: {err}')
        sh('openssl', 'pkey', '-in', n + '.key', '-pubout', '-out', n + '.pub')
    # A CA and a leaf it issued: the x5chain leaf verifies when only the CA is trusted.
    sh('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ca.key',
       '-out', 'ca.crt', '-subj', '/CN=igvmkit test CA', '-days', '3650',
       '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign')
    sh('openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'leaf.key',
       '-out', 'leaf.csr', '-subj', '/CN=igvmkit leaf signer')
    rc, _, err = sh('openssl', 'x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2',
                    '-days', '3650', '-out', 'leaf.crt')
    check(rc == 0, f'leaf certificate: {err}')


def corim_document():
    """A CoRIM-shaped document (#6.501 corim-map with one #6.506 CoMID) made with cbor2."""
    comid = cbor2.dumps({1: {0: 'igvmkit-test'}, 4: {0: [[{0: {1: 'AMD', 2: 'SEV-SNP'}},
                                                          [{1: {2: [[7, b'\x11' * 48]]}}]]]}})
    return cbor2.dumps(cbor2.CBORTag(501, {0: 'igvmkit-cose-test', 1: [cbor2.CBORTag(506, comid)]}))


def check_structure(path, cert, alg, detached, doc, what):
    raw = open(path, 'rb').read()
    msg = cbor2.loads(raw)
    check(isinstance(msg, cbor2.CBORTag) and msg.tag == 18 and len(msg.value) == 4, f'{what}: #6.18 array of 4')
    prot_b, unprot, payload, sig = msg.value
    check(cbor2.dumps(msg, canonical=True) == raw, f'{what}: core deterministic encoding (cbor2 canonical)')
    prot = cbor2.loads(prot_b)
    check(cbor2.dumps(prot, canonical=True) == prot_b, f'{what}: protected header deterministic')
    check(list(prot) == [1, 3, 8, 15, 33], f'{what}: protected labels {list(prot)}')
    check(prot[1] == COSE_ALG_IDS[alg], f'{what}: alg {prot.get(1)}')
    check(prot[3] == 'application/rim+cbor', f'{what}: content-type')
    cn = sh('openssl', 'x509', '-in', cert + '.crt', '-noout', '-subject', '-nameopt', 'multiline')[1]
    cn = [line.split('=', 1)[1].strip() for line in cn.splitlines() if 'commonName' in line][0]
    check(cbor2.loads(prot[8]) == {0: {0: cn}}, f'{what}: corim-meta {cbor2.loads(prot[8])}')
    check(prot[15] == {1: cn}, f'{what}: CWT-Claims {prot[15]}')
    check(prot[33] == cert_der(cert), f'{what}: x5chain is the certificate')
    check(unprot == {}, f'{what}: unprotected header empty')
    check(payload is None if detached else payload == doc, f'{what}: payload')
    return prot_b, sig


def main():
    make_keys()
    doc = corim_document()
    open('doc.cbor', 'wb').write(doc)
    open('other.cbor', 'wb').write(doc[:-1] + bytes([doc[-1] ^ 1]))

    for key, alg, dgst, salt, ruby in ALGS:
        for detached in (False, True):
            name = f'{alg}{"-det" if detached else ""}'
            out = name + '.cose'
            rc, _, err = ik('corim', 'sign', '--key', key + '.key', '--cert', key + '.crt', '--alg', alg,
                            *(['--detached'] if detached else []), '-o', out, 'doc.cbor')
            check(rc == 0, f'{name}: sign: {err}')
            if rc:
                continue
            prot, sig = check_structure(out, key, alg, detached, doc, name)
            check(openssl_verify(alg, dgst, salt, key + '.pub', sig_structure(prot, doc), sig),
                  f'{name}: openssl verifies the signature over the Sig_structure rebuilt with cbor2')
            check(not openssl_verify(alg, dgst, salt, key + '.pub', sig_structure(prot, doc + b'\0'), sig),
                  f'{name}: openssl refuses it over another payload')
            pl = ['--payload', 'doc.cbor'] if detached else []
            rc, o, err = ik('verify', '--cert', key + '.crt', *pl, out)
            check(rc == 0 and 'verification OK' in o, f'{name}: igvmkit verify: {o} {err}')
            if ruby:
                ok, msg = ruby_verify(out, key + '.crt', 'doc.cbor' if detached else None)
                check(ok, f'{name}: ruby-cose verifies: {msg}')
                print(f'{name}: {msg}')
                ok, msg = ruby_verify(out, key + '.crt', 'other.cbor' if detached else None) if detached else (None, '')
                if detached:
                    check(not ok, f'{name}: ruby-cose rejects another payload: {msg}')

    # Default algorithm from the certificate's key; Ed25519 is deterministic: signing twice is identical.
    ik('corim', 'sign', '--key', 'ed.key', '--cert', 'ed.crt', '-o', 'ed1.cose', 'doc.cbor')
    ik('corim', 'sign', '--key', 'ed.key', '--cert', 'ed.crt', '-o', 'ed2.cose', 'doc.cbor')
    check(open('ed1.cose', 'rb').read() == open('ed2.cose', 'rb').read() == open('EdDSA.cose', 'rb').read(),
          'EdDSA: default algorithm, deterministic signatures')
    rc, _, _ = ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '-o', 'def.cose', 'doc.cbor')
    check(rc == 0 and cbor2.loads(cbor2.loads(open('def.cose', 'rb').read()).value[0])[1] == -35,
          'P-384 certificate: ES384 by default')

    two_step(doc)
    tampering(doc)
    bad_inputs(doc)
    header_options()
    chain_and_untagged()
    igvm_checks()
    inspect_cases()
    bad_documents(doc)
    pkcs11_tests()


def two_step(doc):
    # Ed25519: tbs, openssl signs, attach == sign byte for byte (attached and detached).
    for det in ([], ['--detached']):
        rc, _, err = ik('corim', 'tbs', '--cert', 'ed.crt', '-o', 'ed.tbs', 'doc.cbor')
        check(rc == 0, f'tbs: {err}')
        prot = cbor2.loads(open('EdDSA.cose', 'rb').read()).value[0]
        check(open('ed.tbs', 'rb').read() == sig_structure(prot, doc), 'tbs bytes = Sig_structure rebuilt by cbor2')
        openssl_sign('EdDSA', None, None, 'ed.key', 'ed.tbs', 'ed.sig')
        rc, _, err = ik('corim', 'attach', '--cert', 'ed.crt', *det, '--signature', 'ed.sig', '-o', 'eda.cose', 'doc.cbor')
        want = 'EdDSA-det.cose' if det else 'EdDSA.cose'
        check(rc == 0 and open('eda.cose', 'rb').read() == open(want, 'rb').read(),
              f'EdDSA tbs + attach{det} == sign, byte for byte: {err}')
    # ES384: openssl's DER signature (--der), and the same as r||s; equal to sign but for the signature.
    ik('corim', 'tbs', '--cert', 'p384.crt', '-o', 'p.tbs', 'doc.cbor')
    openssl_sign('ES384', 'sha384', None, 'p384.key', 'p.tbs', 'p.der')
    rc, _, err = ik('corim', 'attach', '--cert', 'p384.crt', '--signature', 'p.der', '--der', '-o', 'pa.cose', 'doc.cbor')
    check(rc == 0, f'ES384 attach --der: {err}')
    open('p.raw', 'wb').write(der_to_raw(open('p.der', 'rb').read(), 48))
    rc, _, err = ik('corim', 'attach', '--cert', 'p384.crt', '--signature', 'p.raw', '-o', 'pr.cose', 'doc.cbor')
    check(rc == 0 and open('pr.cose', 'rb').read() == open('pa.cose', 'rb').read(), f'ES384 raw attach == DER attach: {err}')
    a, s = cbor2.loads(open('pa.cose', 'rb').read()).value, cbor2.loads(open('ES384.cose', 'rb').read()).value
    check(a[:3] == s[:3] and a[3] != s[3], 'ES384 attach == sign except the (randomised) signature')
    rc, o, _ = ik('verify', '--cert', 'p384.crt', 'pa.cose')
    check(rc == 0, f'ES384 attached signature verifies: {o}')
    check(ruby_verify('pa.cose', 'p384.crt')[0], 'ruby-cose verifies the attached ES384 signature')
    # PS256 through openssl with PSS options.
    ik('corim', 'tbs', '--cert', 'rsa.crt', '--alg', 'PS256', '-o', 'r.tbs', 'doc.cbor')
    openssl_sign('PS256', 'sha256', 32, 'rsa.key', 'r.tbs', 'r.sig')
    rc, _, err = ik('corim', 'attach', '--cert', 'rsa.crt', '--alg', 'PS256', '--detached', '--signature', 'r.sig',
                    '-o', 'ra.cose', 'doc.cbor')
    check(rc == 0 and ruby_verify('ra.cose', 'rsa.crt', 'doc.cbor')[0], f'PS256 tbs + attach verifies (ruby-cose): {err}')
    # A signature over other bytes, or by another key: exit 1, nothing written.
    openssl_sign('ES384', 'sha384', None, 'other.key', 'p.tbs', 'bad.der')
    expect_fail(['corim', 'attach', '--cert', 'p384.crt', '--signature', 'bad.der', '--der', '-o', 'o.cose', 'doc.cbor'],
                1, ['does not verify with the certificate'], 'attach: signature by another key')
    expect_fail(['corim', 'attach', '--cert', 'p384.crt', '--signature', 'p.raw', '-o', 'o.cose', 'other.cbor'],
                1, ['does not verify'], 'attach: signature over another document')
    expect_fail(['corim', 'attach', '--cert', 'p384.crt', '--signature', 'p.der', '-o', 'o.cose', 'doc.cbor'],
                3, ['p.der', 'is 96 bytes', '--der'], 'attach: DER signature without --der')
    expect_fail(['corim', 'attach', '--cert', 'ed.crt', '--signature', 'ed.sig', '--der', '-o', 'o.cose', 'doc.cbor'],
                3, ['ECDSA'], 'attach: --der with EdDSA')


def tampering(doc):
    raw = bytearray(open('ES384.cose', 'rb').read())
    i = raw.rfind(doc)
    raw[i + len(doc) - 3] ^= 0x01
    open('tampered.cose', 'wb').write(raw)
    expect_fail(['verify', '--cert', 'p384.crt', 'tampered.cose'], 1,
                ['tampered.cose', 'does not verify with any trusted certificate'], 'tampered payload')
    ok, msg = ruby_verify('tampered.cose', 'p384.crt')
    check(not ok, f'ruby-cose rejects the tampered COSE_Sign1: {msg}')
    print(f'tampered ES384: {msg}')
    expect_fail(['verify', '--cert', 'p384.crt', '--payload', 'other.cbor', 'ES384-det.cose'], 1,
                ['does not verify'], 'detached: another payload')
    expect_fail(['verify', '--cert', 'p384.crt', '--payload', 'other.cbor', 'ES384.cose'], 1,
                ['is not the payload'], 'attached: --payload differs')
    expect_fail(['verify', '--cert', 'other.crt', 'ES384.cose'], 1,
                ['untrusted signer', 'x5chain', 'igvmkit test CoRIM signer'], 'untrusted certificate')
    expect_fail(['verify', '--cert', 'p384.crt', 'ES384-det.cose'], 2, ['--payload'], 'detached without --payload')


def cose_bytes(prot, payload, sig, tag=18, unprot=None):
    arr = [cbor2.dumps(prot) if isinstance(prot, dict) else prot, unprot or {}, payload, sig]
    return cbor2.dumps(cbor2.CBORTag(tag, arr) if tag is not None else arr)


def bad_inputs(doc):
    raw = open('ES384.cose', 'rb').read()
    msg = cbor2.loads(raw).value
    prot = cbor2.loads(msg[0])
    cases = [
        ('truncated', raw[:len(raw) // 2], 3, ['truncated', 'offset']),
        ('empty', b'\xd2', 3, ['truncated', 'offset 1']),
        ('wrong tag', b'\xd1' + raw[1:], 3, ['offset 0 (COSE_Sign1)', 'tag 17']),
        ('unsigned CoRIM given', cbor2.dumps(cbor2.CBORTag(18, cbor2.loads(doc))), 3, ['offset 1 (COSE_Sign1 array)', 'expected tag 18 or a 4-element array']),
        ('3 elements', cbor2.dumps(cbor2.CBORTag(18, msg[:3])), 3, ['3 elements']),
        ('unknown alg', cose_bytes({**prot, 1: -999}, msg[2], msg[3]), 3,
         ['alg (1)', '-999', 'not one igvmkit accepts']),
        ('alg a text', cose_bytes({**prot, 1: 'ES384'}, msg[2], msg[3]), 3, ['alg (1)', 'expected an integer']),
        ('wrong content type', cose_bytes({**prot, 3: 'application/json'}, msg[2], msg[3]), 3, ['content-type']),
        ('no alg', cose_bytes({k: v for k, v in prot.items() if k != 1}, msg[2], msg[3]), 3, ['no alg']),
        ('signature 95 bytes', cose_bytes(msg[0], msg[2], msg[3][:95]), 3,
         ['signature [3]', '95 bytes', '96 bytes']),
        ('payload a text', cose_bytes(msg[0], 'text', msg[3]), 3, ['payload [2]', 'a text string']),
        ('trailing bytes', raw + b'\x00', 3, [f'offset {len(raw)}', 'follow the COSE_Sign1']),
        ('protected not a map', cose_bytes(cbor2.dumps([1, 2]), msg[2], msg[3]), 3, ['protected header', 'expected a map']),
        ('indefinite array', b'\xd2\x9f' + raw[2:] + b'\xff', 3, ['offset 1', 'indefinite']),
        ('corim-meta not a map', cose_bytes({**prot, 8: cbor2.dumps(5)}, msg[2], msg[3]), 3, ['corim-meta']),
        ('x5chain not DER', cose_bytes({**prot, 33: b'junk'}, msg[2], msg[3]), 3, ['x5chain (33)']),
    ]
    for what, data, code, needles in cases:
        open('bad.cose', 'wb').write(data)
        # 'other' is trusted, so the x5chain case reaches the certificate it cannot parse.
        err = expect_fail(['verify', '--cert', 'other.crt', 'bad.cose'], code, ['bad.cose'] + needles, what)
        if what in ('unknown alg', 'signature 95 bytes'):
            print(f'{what}: {err.strip()}')
    # corim sign refuses: a key that is not the certificate's, an algorithm not the key's, bad options.
    expect_fail(['corim', 'sign', '--key', 'other.key', '--cert', 'p384.crt', '-o', 'o.cose', 'doc.cbor'], 5,
                ['does not match the signer certificate'], 'sign: key/certificate mismatch')
    expect_fail(['corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--alg', 'PS256', '-o', 'o.cose', 'doc.cbor'],
                5, ['PS256 needs an RSA key'], 'sign: algorithm not the key\'s')
    expect_fail(['corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--alg', 'RS256', '-o', 'o.cose', 'doc.cbor'],
                2, ['RS256', 'ES384'], 'sign: unknown --alg')
    expect_fail(['corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--not-before', '5', '-o', 'o.cose',
                 'doc.cbor'], 2, ['--not-after'], 'sign: --not-before alone')
    expect_fail(['corim', 'tbs', '--key', 'p384.key', '--cert', 'p384.crt', '-o', 'o.cose', 'doc.cbor'], 2,
                ['--key'], 'tbs: --key is not its option')


def header_options():
    rc, _, err = ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--not-before', '1700000000',
                    '--not-after', '1900000000', '--kid', '0a0b0c', '-o', 'hdr.cose', 'doc.cbor')
    check(rc == 0, f'sign with validity and kid: {err}')
    raw = open('hdr.cose', 'rb').read()
    prot = cbor2.loads(cbor2.loads(raw).value[0])
    check(list(prot) == [1, 3, 4, 8, 15, 33] and prot[4] == b'\x0a\x0b\x0c', f'kid (4): {list(prot)}')
    meta = cbor2.loads(prot[8])
    # cbor2 turns tag 1 (epoch time) into a datetime: that it does shows the tag is there.
    utc = datetime.timezone.utc
    check(meta[1] == {0: datetime.datetime.fromtimestamp(1700000000, utc),
                      1: datetime.datetime.fromtimestamp(1900000000, utc)}, f'corim-meta validity-map, #6.1 times: {meta}')
    check(prot[15] == {1: 'igvmkit test CoRIM signer', 4: 1900000000, 5: 1700000000}, f'CWT exp/nbf: {prot[15]}')
    check(cbor2.dumps(cbor2.loads(raw), canonical=True) == raw, 'with kid and validity: deterministic encoding')
    rc, o, err = ik('verify', '--cert', 'p384.crt', 'hdr.cose')
    check(rc == 0 and 'not before: 1700000000' in o and 'not after: 1900000000' in o and 'kid: 0a0b0c' in o,
          f'verify shows kid and validity: {o}')
    check(ruby_verify('hdr.cose', 'p384.crt')[0], 'ruby-cose verifies the header with kid and validity')


def chain_and_untagged():
    rc, _, err = ik('corim', 'sign', '--key', 'leaf.key', '--cert', 'leaf.crt', '-o', 'leaf.cose', 'doc.cbor')
    check(rc == 0, f'sign with a CA-issued leaf: {err}')
    rc, o, err = ik('verify', '--cert', 'ca.crt', 'leaf.cose')
    check(rc == 0 and 'x5chain, chains to a trusted certificate' in o, f'x5chain leaf chains to the trusted CA: {o} {err}')
    expect_fail(['verify', '--cert', 'p384.crt', 'leaf.cose'], 1, ['untrusted signer'], 'leaf of an untrusted CA')
    # A COSE_Sign1 made here (cbor2 + openssl), the certificate in x5bag (32) as OpenVMM accepts it.
    prot = cbor2.dumps({1: -35, 3: 'application/rim+cbor', 15: {1: 'python'}, 32: cert_der('leaf')})
    open('bag.tbs', 'wb').write(sig_structure(prot, b'\xa0'))
    openssl_sign('ES384', 'sha384', None, 'leaf.key', 'bag.tbs', 'bag.der')
    open('bag.cose', 'wb').write(cose_bytes(prot, b'\xa0', der_to_raw(open('bag.der', 'rb').read(), 48)))
    rc, o, err = ik('verify', '--cert', 'ca.crt', 'bag.cose')
    check(rc == 0 and 'signer: python' in o and 'chains to a trusted' in o,
          f'a COSE_Sign1 built by python with x5bag verifies: {o} {err}')
    msg = cbor2.loads(open('ES384.cose', 'rb').read()).value
    open('untagged.cose', 'wb').write(cbor2.dumps(msg))
    rc, o, err = ik('verify', '--cert', 'p384.crt', 'untagged.cose')
    check(rc == 0 and 'untagged' in o, f'untagged COSE_Sign1 verifies: {o} {err}')


def igvm_checks():
    """verify --igvm: the signed CoRIM's digests against the IGVM's own measurements (measure/corim.h)."""
    mk = os.path.join(HERE, '..', 'measure', 'mkigvm.py')
    for variant in ('snp-tdx-small', 'snp-small'):
        rc, _, err = sh(sys.executable, mk, variant, variant + '.igvm')
        check(rc == 0, f'mkigvm {variant}: {err}')
    rc, _, err = ik('measure', '-q', '--corim', 'c', '--svn', '3', 'snp-tdx-small.igvm')
    check(rc == 0, f'measure --corim: {err}')
    ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '-o', 'c-snp.signed', 'c-snp.cbor')
    rc, o, err = ik('verify', '--cert', 'p384.crt', '--igvm', 'snp-tdx-small.igvm', 'c-snp.signed')
    check(rc == 0 and 'reference value 0 (sev-snp, igvm-crate, svn 3)' in o and 'equals' in o,
          f'verify --igvm: launch-measurement CoRIM equals the IGVM: {o} {err}')
    ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--detached', '-o', 'c-matrix.sig', 'c-matrix.cbor')
    rc, o, err = ik('verify', '--cert', 'p384.crt', '--payload', 'c-matrix.cbor', '--igvm', 'snp-tdx-small.igvm',
                    'c-matrix.sig')
    check(rc == 0 and o.count(' equals ') == 13, f'verify --igvm: detached matrix CoRIM, 13 reference values: {o} {err}')
    # A CoRIM whose first digest is not the file's, signed: the signature verifies, the check does not.
    b = bytearray(open('c-matrix.cbor', 'rb').read())
    b[b.index(bytes.fromhex('82075830')) + 4 + 47] ^= 1
    open('wrong.cbor', 'wb').write(b)
    ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '-o', 'wrong.signed', 'wrong.cbor')
    expect_fail(['verify', '--cert', 'p384.crt', '--igvm', 'snp-tdx-small.igvm', 'wrong.signed'], 1,
                ['snp-tdx-small.igvm', 'reference value 0 (sev-snp, qemu', 'the CoRIM says'], 'verify --igvm: digest differs')
    ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '-o', 'c-tdx.signed', 'c-tdx.cbor')
    expect_fail(['verify', '--cert', 'p384.crt', '--igvm', 'snp-small.igvm', 'c-tdx.signed'], 3,
                ['snp-small.igvm', 'reference value 0 (tdx', 'no tdx platform'], 'verify --igvm: platform missing')
    expect_fail(['verify', '--cert', 'p384.crt', '--igvm', 'snp-tdx-small.igvm', 'ES384.cose'], 3,
                ['ES384.cose', 'profile'], 'verify --igvm: a payload that is no igvmkit CoRIM profile')
    expect_fail(['verify', '--cert', 'p384.crt', '--igvm', 'snp-tdx-small.igvm', 'tampered.cose'], 1,
                ['does not verify'], 'verify --igvm: the signature is checked first')


def inspect_cases():
    """`igvmkit inspect` of COSE_Sign1 files (sign/cose_inspect.h): text, --json, bad input."""
    import hashlib
    import json
    fpr = hashlib.sha256(cert_der('p384')).hexdigest()
    rc, o, err = ik('inspect', 'c-snp.signed')
    for n in ('COSE_Sign1: tagged #6.18', 'alg: ES384 (-35)', 'content type: application/rim+cbor', 'kid: (none)',
              'corim-meta: signer "igvmkit test CoRIM signer"', 'CWT claims: iss "igvmkit test CoRIM signer"',
              'subject O=Example,CN=igvmkit test CoRIM signer', 'sha256 ' + fpr,
              'verifies with its certificate', 'payload: attached', 'AMD/SEV-SNP', 'svn 3'):
        check(rc == 0 and n in o, f'inspect attached: lacks {n!r}: {o} {err}')
    rc, o, err = ik('inspect', '--json', 'c-snp.signed')
    j = json.loads(o) if rc == 0 else {}
    check(j.get('format') == 'cose-sign1' and j.get('alg') == 'ES384' and j.get('alg_id') == -35 and
          j['certificate']['sha256'] == fpr and j['certificate']['issuer'] == j['certificate']['subject'] and
          j['verifies_with_certificate'] is True and j['payload']['corim']['profile_name'] == 'launch-measurement' and
          j['payload']['corim']['reference_values'][0]['svn'] == 3, f'inspect --json attached: {o} {err}')
    ik('corim', 'sign', '--key', 'p384.key', '--cert', 'p384.crt', '--detached', '--kid', '0a0b',
       '--not-after', '2000000000', '--not-before', '1000', '-o', 'c-snp.sig', 'c-snp.cbor')
    rc, o, err = ik('inspect', 'c-snp.sig')
    for n in ('kid: 0a0b', 'not-before 1000 (1970-01-01T00:16:40Z)', 'not-after 2000000000 (2033-05-18T03:33:20Z)',
              'nbf 1000', 'exp 2000000000', 'payload: detached (nil); verify with igvmkit verify --cert CERT --payload'):
        check(rc == 0 and n in o, f'inspect detached: lacks {n!r}: {o} {err}')
    rc, o, err = ik('inspect', '--json', 'c-snp.sig')
    j = json.loads(o) if rc == 0 else {}
    check(j.get('kid') == '0a0b' and j['corim_meta'] == {'signer': 'igvmkit test CoRIM signer', 'not_before': 1000,
                                                         'not_after': 2000000000} and
          j['cwt_claims']['exp'] == 2000000000 and j['payload'] == {'detached': True} and
          j['verifies_with_certificate'] is None, f'inspect --json detached: {o} {err}')
    # A signature that does not verify with its own certificate is shown, not an error.
    raw = bytearray(open('c-snp.signed', 'rb').read())
    raw[-1] ^= 1
    open('badsig.cose', 'wb').write(raw)
    rc, o, err = ik('inspect', 'badsig.cose')
    check(rc == 0 and 'does NOT verify with its certificate' in o, f'inspect: bad signature reported: {o} {err}')
    # Bad input: the reader's place, exit 3.
    open('short.cose', 'wb').write(bytes(raw[:len(raw) // 2]))
    expect_fail(['inspect', 'short.cose'], 3, ['short.cose', 'offset', 'truncated'], 'inspect: truncated COSE_Sign1')
    expect_fail(['inspect', 'ES384.cose'], 3, ['ES384.cose', 'COSE_Sign1 payload [2] at offset', 'profile'],
                'inspect: attached payload that is no CoRIM of a known profile')
    m = cbor2.loads(open('c-snp.signed', 'rb').read()).value
    open('hugepay.cose', 'wb').write(cose_bytes(m[0], cbor2.dumps(cbor2.CBORTag(501, {0: 'x' * (2 << 20)})), m[3]))
    expect_fail(['inspect', 'hugepay.cose'], 6, ['hugepay.cose:COSE_Sign1 payload [2] at offset', 'exceeds the limit'],
                'inspect: attached payload over 1 MiB')
    prot = cbor2.loads(m[0])
    prot[15] = {1: 'someone else'}
    open('cwt.cose', 'wb').write(cose_bytes(prot, m[2], m[3]))
    expect_fail(['inspect', 'cwt.cose'], 3, ['CWT-Claims (15)', 'differ from corim-meta'],
                'inspect: CWT-Claims disagree with corim-meta')
    expect_fail(['verify', '--cert', 'p384.crt', 'cwt.cose'], 3, ['CWT-Claims (15)'],
                'verify: CWT-Claims disagree with corim-meta')


def bad_documents(doc):
    """sign, tbs and attach sign only a CoRIM (#6.501, at most 1 MiB): the document's file and offset, nothing written."""
    open('junk.bin', 'wb').write(b'\x00' * 40)
    open('big.cbor', 'wb').write(cbor2.dumps(cbor2.CBORTag(501, {0: 'x' * (1 << 20)})))
    open('trailing.cbor', 'wb').write(doc + doc)
    open('short.cbor', 'wb').write(doc[:len(doc) // 2])
    open('signed.cbor', 'wb').write(open('EdDSA.cose', 'rb').read())
    open('ed.sig', 'wb').write(cbor2.loads(open('EdDSA.cose', 'rb').read()).value[3])
    cases = [('junk.bin', 3, ['junk.bin:offset 0 (CoRIM document)', 'tagged-unsigned-corim-map (#6.501)']),
             ('big.cbor', 6, ['big.cbor', 'at most 1048576']),
             ('trailing.cbor', 3, [f'trailing.cbor:offset {len(doc)} (CoRIM document)', 'follow the CoRIM']),
             ('short.cbor', 3, ['short.cbor:offset', 'truncated']),
             ('signed.cbor', 3, ['signed.cbor:offset 0', 'already signed'])]
    for name, code, needles in cases:
        expect_fail(['corim', 'sign', '--key', 'ed.key', '--cert', 'ed.crt', '-o', 'o.cose', name], code, needles,
                    f'sign {name}')
        expect_fail(['corim', 'tbs', '--cert', 'ed.crt', '-o', 'o.cose', name], code, needles, f'tbs {name}')
        expect_fail(['corim', 'attach', '--cert', 'ed.crt', '--signature', 'ed.sig', '-o', 'o.cose', name], code,
                    needles, f'attach {name}')


def pkcs11_tests():
    engine = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so'
    if not shutil.which('softhsm2-util') or not os.path.exists(engine):
        print('note: softhsm2 or libengine-pkcs11-openssl missing; pkcs11 not tested')
        return
    os.mkdir('tokens')
    open('softhsm2.conf', 'w').write(f'directories.tokendir = {os.path.abspath("tokens")}\nobjectstore.backend = file\n')
    env = {'SOFTHSM2_CONF': os.path.abspath('softhsm2.conf'), 'IK_PIN': '123456'}
    sh('softhsm2-util', '--init-token', '--free', '--label', 'igvmkit-cose', '--pin', '123456', '--so-pin', '654321', env=env)
    sh('openssl', 'pkcs8', '-topk8', '-nocrypt', '-in', 'p384.key', '-out', 'p384.p8')
    rc, out, err = sh('softhsm2-util', '--import', 'p384.p8', '--token', 'igvmkit-cose', '--label', 'corim', '--id', 'c1',
                      '--pin', '123456', env=env)
    check(rc == 0, f'softhsm2 import: {out} {err}')
    rc, _, err = ik('corim', 'sign', '--key', 'pkcs11:token=igvmkit-cose;object=corim;type=private',
                    '--passphrase-env', 'IK_PIN', '--cert', 'p384.crt', '--detached', '-o', 'hsm.cose', 'doc.cbor', env=env)
    check(rc == 0, f'pkcs11 ES384 signing: {err}')
    if rc == 0:
        rc, o, _ = ik('verify', '--cert', 'p384.crt', '--payload', 'doc.cbor', 'hsm.cose')
        check(rc == 0, f'token signature verifies (igvmkit): {o}')
        ok, msg = ruby_verify('hsm.cose', 'p384.crt', 'doc.cbor')
        check(ok, f'token signature verifies (ruby-cose): {msg}')
        a, b = cbor2.loads(open('hsm.cose', 'rb').read()).value, cbor2.loads(open('ES384-det.cose', 'rb').read()).value
        check(a[:3] == b[:3], 'token COSE_Sign1 == PEM one but for the signature')
        print(f'pkcs11 ES384: {msg}')


if __name__ == '__main__':
    with tempfile.TemporaryDirectory(prefix='igvmkit-cose.') as tmp:
        os.chdir(tmp)
        main()
    print(f'{len(FAILS)} failures')
    sys.exit(1 if FAILS else 0)
