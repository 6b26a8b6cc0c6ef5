#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `igvmkit sign`, `verify` and `digest`.

Independent checks: `sbverify --cert` and `osslsigncode verify -CAfile` must
accept igvmkit's signatures and refuse modified images; `pesign -h`,
osslsigncode's "Calculated message digest" and `igvmkit digest` must agree;
python3-pefile parses every signed file and agrees on CheckSum; the two-step
(offline) signature made with `openssl dgst -sign` must equal the one-step
one byte for byte (RSA PKCS#1 v1.5 is deterministic); a SoftHSM2 token key
(pkcs11: URI through the pkcs11 engine) must give the same bytes as the PEM
copy of the same key.

usage: test_sign.py IGVMKIT   (exit 77 = skipped: a required tool is missing)
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuki'))
import mkigvm  # noqa: E402

from clitest import FAILS, IGVMKIT, check, ik, sh  # noqa: E402  (argv[1] is the binary)
for tool in ('sbverify', 'osslsigncode', 'pesign', 'openssl'):
    if not shutil.which(tool):
        print(f'{tool} is not installed; skipping')
        sys.exit(77)
try:
    import pefile
except ImportError:
    print('python3-pefile is not installed; skipping')
    sys.exit(77)



def expect_fail(args, code, needle, out, what, env=None):
    rc, _, err = ik(*args, env=env)
    check(rc == code, f'{what}: exit {rc} != {code} ({err.strip()})')
    check(needle in err, f'{what}: message lacks {needle!r}: {err.strip()}')
    check(not os.path.exists(out) or open(out, 'rb').read() == b'old', f'{what}: {out} written')


def sbverify_ok(path, cert):
    rc, out, err = sh('sbverify', '--cert', cert, path)
    return rc == 0 and 'Signature verification OK' in out + err


def osslsigncode_verify(path, cafile):
    rc, out, err = sh('osslsigncode', 'verify', '-CAfile', cafile, '-in', path)
    cur = re.search(r'Current message digest\s*:\s*([0-9A-F]+)', out)
    calc = re.search(r'Calculated message digest\s*:\s*([0-9A-F]+)', out)
    ok = rc == 0 and 'Signature verification: ok' in out
    return ok, (cur.group(1).lower() if cur else None), (calc.group(1).lower() if calc else None)


def digest(path):
    rc, out, _ = ik('digest', path)
    return out.strip().splitlines()[-1] if rc == 0 else None


def pesign_hash(path):
    _, out, _ = sh('pesign', '-h', '-i', path)
    m = re.search(r'([0-9a-f]{64})', out)
    return m.group(1) if m else None


def check_signed_pe(path, what):
    data = open(path, 'rb').read()
    pe = pefile.PE(path)
    check(len(data) % 8 == 0, f'{what}: length not a multiple of 8')
    check(pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum(), f'{what}: CheckSum')
    sec = pe.OPTIONAL_HEADER.DATA_DIRECTORY[4]
    check(sec.VirtualAddress + sec.Size == len(data) and sec.VirtualAddress % 8 == 0,
          f'{what}: certificate table not 8-aligned at EOF')
    der = data[sec.VirtualAddress + 8:]
    # edk2 AuthenticodeVerify: 30 82 LL LL framing and the digest OID value at offset 32
    # (sha256 = 2.16.840.1.101.3.4.2.1 = 60 86 48 01 65 03 04 02 01).
    check(der[:2] == b'\x30\x82' and der[32:41] == bytes.fromhex('608648016503040201'), f'{what}: edk2 layout')
    return data


def main():
    work = tempfile.mkdtemp(prefix='igvmkit-sign-')
    os.chdir(work)
    open('a.igvm', 'wb').write(mkigvm.igvm(3, 2))
    rc, _, err = ik('fuki', '--cmdline', 'console=ttyS0', '-o', 'addon.efi', 'a.igvm')
    check(rc == 0, f'fuki: {err}')
    sh('openssl', 'req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
       '-subj', '/CN=igvmkit test db/', '-keyout', 'db.key', '-out', 'db.crt')
    sh('openssl', 'req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
       '-subj', '/CN=other/', '-keyout', 'other.key', '-out', 'other.crt')
    sh('openssl', 'x509', '-in', 'db.crt', '-outform', 'DER', '-out', 'db.der')

    # 1. Digest agreement on the unsigned image.
    d0 = digest('addon.efi')
    check(d0 is not None and d0 == pesign_hash('addon.efi'), f'igvmkit digest {d0} != pesign -h')

    # An odd-length unsigned file: edk2/pesign hash trailing data unpadded.  Golden value:
    # uki-sign.md section 5.2 (Debian 12 systemd-boot-efi 252 linuxx64.efi.stub, 83297 bytes).
    stub = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub'
    if os.path.exists(stub) and os.path.getsize(stub) == 83297:
        ds = digest(stub)
        check(ds == pesign_hash(stub), f'odd-length stub: igvmkit {ds} != pesign -h')
        check(ds == '28fd6b9a39b745449fa2389a31045900804eae49ea7edb0f8c152a131df0002c', f'stub digest {ds}')
        rc, _, err = ik('sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'stub.s.efi', stub)
        ok, cur, calc = osslsigncode_verify('stub.s.efi', 'db.crt')
        check(rc == 0 and ok and cur == calc == digest('stub.s.efi') and sbverify_ok('stub.s.efi', 'db.crt'),
              f'signing an odd-length file pads it to 8 like sbsign: {err}')

    # 2. Sign; independent verifiers accept; digests agree; reproducible.
    rc, _, err = ik('sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 's.efi', 'addon.efi')
    check(rc == 0, f'sign: {err}')
    s1 = check_signed_pe('s.efi', 'signed')
    check(sbverify_ok('s.efi', 'db.crt'), 'sbverify --cert accepts the signature')
    ok, cur, calc = osslsigncode_verify('s.efi', 'db.crt')
    check(ok and cur == calc == d0, f'osslsigncode verify: ok={ok} {cur} {calc} vs {d0}')
    check(digest('s.efi') == d0 == pesign_hash('s.efi'), 'digest unchanged by signing (igvmkit, pesign)')
    rc, out, _ = ik('verify', '--cert', 'db.crt', 's.efi')
    check(rc == 0 and 'verification OK' in out, f'igvmkit verify: {out}')
    rc, _, _ = ik('verify', '--cert', 'db.der', 's.efi')
    check(rc == 0, 'igvmkit verify with a DER certificate')
    rc, out, _ = ik('verify', '--cert', 'other.crt', 's.efi')
    check(rc == 1 and 'untrusted' in out, f'verify against a foreign cert: exit {rc}')
    # issue 14: the report says the image is not signed by the given certificate, not "self-signed"
    check('not signed by the given certificate' in out and 'self-signed' not in out,
          f'verify names the reason for a foreign cert: {out}')
    check(not sbverify_ok('s.efi', 'other.crt'), 'sbverify refuses a foreign cert')
    ik('sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 's2.efi', 'addon.efi', env={'TZ': 'America/Lima'})
    check(open('s2.efi', 'rb').read() == s1, 'signing is reproducible (no signingTime by default)')
    cert_off = pefile.PE('s.efi').OPTIONAL_HEADER.DATA_DIRECTORY[4].VirtualAddress
    der_len = struct.unpack_from('<I', s1, cert_off)[0] - 8
    open('s.p7', 'wb').write(s1[cert_off + 8:cert_off + 8 + der_len])
    _, asn, _ = sh('openssl', 'asn1parse', '-inform', 'DER', '-in', 's.p7')
    check('signingTime' not in asn and 'messageDigest' in asn, 'no signingTime attribute unless asked')
    ik('sign', '--key', 'db.key', '--cert', 'db.crt', '--signing-time', '1700000000', '-o', 't.efi', 'addon.efi')
    _, out, _ = sh('osslsigncode', 'verify', '-CAfile', 'db.crt', '-in', 't.efi')
    check('Signing time: Nov 14 22:13:20 2023 GMT' in out or '2023' in out, f'--signing-time honoured: {out[:200]}')
    check(sbverify_ok('t.efi', 'db.crt'), 'sbverify accepts a signature with signingTime')

    # 3. One flipped byte: every verifier refuses.
    d = bytearray(s1)
    d[0x700] ^= 1
    open('flipped.efi', 'wb').write(d)
    check(not sbverify_ok('flipped.efi', 'db.crt'), 'sbverify refuses a modified image')
    check(not osslsigncode_verify('flipped.efi', 'db.crt')[0], 'osslsigncode refuses a modified image')
    rc, out, _ = ik('verify', '--cert', 'db.crt', 'flipped.efi')
    check(rc == 1 and 'digest mismatch' in out, f'igvmkit verify refuses a modified image: {rc} {out}')
    # The report names the signer and shows the image's own digest next to the signed one.
    check('signer: /CN=igvmkit test db' in out and f'image digest: SHA256 {digest("flipped.efi")}' in out
          and f'  digest: SHA256 {d0}' in out, f'verify shows signer, signed and image digest: {out}')
    # The digest is the output of `igvmkit digest`: a full disk is an error, not an empty success.
    with open('/dev/full', 'w') as full:
        p = subprocess.run([IGVMKIT, 'digest', 's.efi'], stdout=full, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 4 and 'cannot write to standard output' in p.stderr,
          f'digest to a full disk: exit {p.returncode} {p.stderr.strip()}')

    # 4. Already-signed input: refused unless --replace or --append.
    open('o.efi', 'wb').write(b'old')
    expect_fail(['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'o.efi', 's.efi'], 3,
                'already has 1 signature', 'o.efi', 'signed input without a choice')
    # issue 14: the message names the options that fix it
    expect_fail(['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'o.efi', 's.efi'], 3,
                'pass --replace to drop them or --append to add one', 'o.efi', 'signed input names the options')
    # issue 14: what the docs say of --hash is what sbverify does: SHA-256 only (edk2 and
    # osslsigncode verify SHA-384/512 too)
    for alg in ('sha384', 'sha512'):
        rc, _, err = ik('sign', '--key', 'db.key', '--cert', 'db.crt', '--hash', alg, '-o', alg + '.efi', 'addon.efi')
        check(rc == 0 and osslsigncode_verify(alg + '.efi', 'db.crt')[0], f'--hash {alg} verifies with osslsigncode: {err}')
        check(not sbverify_ok(alg + '.efi', 'db.crt'), f'sbverify refuses --hash {alg} (as docs/cmd/sign.md says)')
        rc, out, _ = ik('verify', '--cert', 'db.crt', alg + '.efi')
        check(rc == 0, f'igvmkit verify accepts --hash {alg}: {out}')
    rc, _, err = ik('sign', '--replace', '--key', 'other.key', '--cert', 'other.crt', '-o', 'r.efi', 's.efi')
    check(rc == 0 and sbverify_ok('r.efi', 'other.crt') and not sbverify_ok('r.efi', 'db.crt'), f'--replace {err}')
    check(len(pefile.PE('r.efi').OPTIONAL_HEADER.DATA_DIRECTORY) and
          osslsigncode_verify('r.efi', 'other.crt')[0], 'osslsigncode after --replace')
    rc, _, err = ik('sign', '--append', '--key', 'other.key', '--cert', 'other.crt', '-o', 'ap.efi', 's.efi')
    check(rc == 0, f'--append: {err}')
    check_signed_pe('ap.efi', 'appended')
    rc, out, _ = ik('verify', '--all', '--cert', 'db.crt', '--cert', 'other.crt', 'ap.efi')
    check(rc == 0 and out.count(': ok') == 2, f'two appended signatures verify: {out}')
    rc, out, _ = ik('verify', '--cert', 'other.crt', 'ap.efi')
    check(rc == 0, 'an appended signature alone admits the image (as UEFI does)')
    check(sbverify_ok('ap.efi', 'db.crt'), 'sbverify accepts the first of two signatures')
    check(digest('ap.efi') == d0, 'digest unchanged by appending')

    # 5. Keys: mismatch, encrypted PEM (file / environment), EC P-384.
    expect_fail(['sign', '--key', 'other.key', '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'], 5,
                'does not match', 'o.efi', 'key not matching certificate')
    sh('openssl', 'pkey', '-in', 'db.key', '-aes256', '-passout', 'pass:s3cret', '-out', 'db.enc.key')
    open('pass.txt', 'w').write('s3cret\n')
    rc, _, err = ik('sign', '--key', 'db.enc.key', '--passphrase-file', 'pass.txt', '--cert', 'db.crt', '-o', 'e1.efi', 'addon.efi')
    check(rc == 0 and open('e1.efi', 'rb').read() == s1, f'encrypted key, passphrase file: {err}')
    rc, _, err = ik('sign', '--key', 'db.enc.key', '--passphrase-env', 'IK_PASS', '--cert', 'db.crt', '-o', 'e2.efi',
                    'addon.efi', env={'IK_PASS': 's3cret'})
    check(rc == 0 and open('e2.efi', 'rb').read() == s1, f'encrypted key, passphrase env: {err}')
    expect_fail(['sign', '--key', 'db.enc.key', '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'], 5,
                'encrypted', 'o.efi', 'encrypted key without passphrase')
    expect_fail(['sign', '--key', 'db.enc.key', '--passphrase-env', 'IK_PASS', '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'],
                5, 'wrong passphrase', 'o.efi', 'wrong passphrase', env={'IK_PASS': 'nope'})
    sh('openssl', 'req', '-new', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes',
       '-sha384', '-days', '3650', '-subj', '/CN=igvmkit p384/', '-keyout', 'p384.key', '-out', 'p384.crt')
    # issue 14: edk2 verifies only RSA signers (and vars/regen refuse EC db certificates), so an
    # EC certificate is refused unless --allow-non-rsa says the output is not for edk2 firmware
    expect_fail(['sign', '--key', 'p384.key', '--cert', 'p384.crt', '--hash', 'sha384', '-o', 'ec.efi', 'addon.efi'],
                5, '--allow-non-rsa', 'ec.efi', 'EC certificate refused without --allow-non-rsa')
    rc, _, err = ik('sign', '--key', 'p384.key', '--cert', 'p384.crt', '--hash', 'sha384', '--allow-non-rsa',
                    '-o', 'ec.efi', 'addon.efi')
    check(rc == 0, f'EC P-384 signing: {err}')
    rc, out, _ = ik('verify', '--cert', 'p384.crt', 'ec.efi')
    check(rc == 0 and 'SHA384' in out.upper().replace('-', ''), f'EC P-384 / SHA-384 verifies: {out}')
    check(osslsigncode_verify('ec.efi', 'p384.crt')[0], 'osslsigncode accepts the EC P-384 signature')

    # 6. Two-step signing: prepare, sign elsewhere, attach; equals the one-step result.
    rc, _, err = ik('sign', '--prepare-offline', 'tbs.der', 'addon.efi')
    check(rc == 0 and open('tbs.der', 'rb').read()[:1] == b'\x31', f'prepare: {err}')
    sh('openssl', 'dgst', '-sha256', '-sign', 'db.key', '-out', 'sig.bin', 'tbs.der')
    rc, _, err = ik('sign', '--signed-attrs', 'tbs.der', '--signature', 'sig.bin', '--cert', 'db.crt', '-o', 'off.efi', 'addon.efi')
    check(rc == 0 and open('off.efi', 'rb').read() == s1, f'offline signature equals the one-step one: {err}')
    check(sbverify_ok('off.efi', 'db.crt'), 'sbverify accepts the offline signature')
    sh('openssl', 'dgst', '-sha256', '-sign', 'other.key', '-out', 'badsig.bin', 'tbs.der')
    expect_fail(['sign', '--signed-attrs', 'tbs.der', '--signature', 'badsig.bin', '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'],
                5, 'does not verify', 'o.efi', 'offline signature by another key')
    expect_fail(['sign', '--signed-attrs', 'tbs.der', '--signature', 'sig.bin', '--cert', 'db.crt', '-o', 'o.efi', 's.efi'],
                3, 'already has', 'o.efi', 'attach to a signed file')
    ik('fuki', '--cmdline', 'other', '-o', 'addon2.efi', 'a.igvm')
    expect_fail(['sign', '--signed-attrs', 'tbs.der', '--signature', 'sig.bin', '--cert', 'db.crt', '-o', 'o.efi', 'addon2.efi'],
                1, 'not prepared for this image', 'o.efi', 'attach to another image')
    rc, _, _ = ik('sign', '--prepare-offline', 'tbs2.der', '--signing-time', '1700000000', 'addon.efi')
    sh('openssl', 'dgst', '-sha256', '-sign', 'db.key', '-out', 'sig2.bin', 'tbs2.der')
    rc, _, err = ik('sign', '--signed-attrs', 'tbs2.der', '--signature', 'sig2.bin', '--cert', 'db.crt', '-o', 'off2.efi', 'addon.efi')
    check(rc == 0 and open('off2.efi', 'rb').read() == open('t.efi', 'rb').read(), f'offline with signingTime: {err}')

    # 7. Inputs that are not PE images, and a signature too large for edk2 is not an issue here.
    open('junk.bin', 'wb').write(b'\0' * 100)
    expect_fail(['sign', '--key', 'db.key', '--cert', 'db.crt', '-o', 'o.efi', 'junk.bin'], 3, 'MZ', 'o.efi', 'not a PE')
    expect_fail(['verify', '--cert', 'db.crt', 'addon.efi'], 1, 'not signed', 'o.efi', 'verify an unsigned image')
    expect_fail(['sign', '--key', 'db.key', '-o', 'o.efi', 'addon.efi'], 2, '--cert', 'o.efi', 'missing --cert')

    # 8. pkcs11: a SoftHSM2 token through the pkcs11 engine; same key -> same bytes as PEM.
    pkcs11_tests()

    shutil.rmtree(work)
    if FAILS:
        print(f'{len(FAILS)} check(s) failed')
        return 1
    print('all sign checks passed')
    return 0


def pkcs11_tests():
    engine = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so'
    if not shutil.which('softhsm2-util') or not os.path.exists(engine):
        print('note: softhsm2 or libengine-pkcs11-openssl missing; pkcs11 not tested')
        return
    os.mkdir('tokens')
    open('softhsm2.conf', 'w').write(f'directories.tokendir = {os.path.abspath("tokens")}\n'
                                     'objectstore.backend = file\n')
    env = {'SOFTHSM2_CONF': os.path.abspath('softhsm2.conf'), 'IK_PIN': '123456'}
    sh('softhsm2-util', '--init-token', '--free', '--label', 'igvmkit-test', '--pin', '123456', '--so-pin', '654321', env=env)
    sh('openssl', 'pkcs8', '-topk8', '-nocrypt', '-in', 'db.key', '-out', 'db.p8')
    rc, out, err = sh('softhsm2-util', '--import', 'db.p8', '--token', 'igvmkit-test', '--label', 'dbkey', '--id', 'a1',
                      '--pin', '123456', env=env)
    check(rc == 0, f'softhsm2 import: {out} {err}')
    uri = 'pkcs11:token=igvmkit-test;object=dbkey;type=private'
    open('o.efi', 'wb').write(b'old')
    rc, _, err = ik('sign', '--key', uri, '--passphrase-env', 'IK_PIN', '--cert', 'db.crt', '-o', 'hsm.efi', 'addon.efi', env=env)
    check(rc == 0, f'pkcs11 signing: {err}')
    if rc == 0:
        check(open('hsm.efi', 'rb').read() == open('s.efi', 'rb').read(), 'token signature equals the PEM one')
        check(sbverify_ok('hsm.efi', 'db.crt') and osslsigncode_verify('hsm.efi', 'db.crt')[0], 'token signature verifies')
    # The PIN from the file a 'pin-source' URI attribute names (a 'pin-value' one is refused: tests/harden/test_keys.py).
    open('pin.txt', 'w').write('123456\n')
    rc, _, err = ik('fuki', '--key', uri + '?pin-source=file:' + os.path.abspath('pin.txt'), '--cert', 'db.crt',
                    '--cmdline', 'console=ttyS0', '-o', 'hsm-fuki.efi', 'a.igvm', env=env)
    check(rc == 0 and open('hsm-fuki.efi', 'rb').read() == open('s.efi', 'rb').read(), f'fuki signs via pkcs11: {err}')
    # An EC P-384 key on the token (what SNP ID-block signing loads through the same function).
    sh('openssl', 'pkcs8', '-topk8', '-nocrypt', '-in', 'p384.key', '-out', 'p384.p8')
    rc, out, err = sh('softhsm2-util', '--import', 'p384.p8', '--token', 'igvmkit-test', '--label', 'p384',
                      '--id', 'b2', '--pin', '123456', env=env)
    check(rc == 0, f'softhsm2 import P-384: {out} {err}')
    rc, _, err = ik('sign', '--key', 'pkcs11:token=igvmkit-test;object=p384;type=private', '--passphrase-env', 'IK_PIN',
                    '--cert', 'p384.crt', '--hash', 'sha384', '--allow-non-rsa', '-o', 'hsm-ec.efi', 'addon.efi', env=env)
    check(rc == 0, f'pkcs11 EC P-384 signing: {err}')
    rc, out, _ = ik('verify', '--cert', 'p384.crt', 'hsm-ec.efi')
    check(rc == 0 and osslsigncode_verify('hsm-ec.efi', 'p384.crt')[0], f'token EC P-384 signature verifies: {out}')
    expect_fail(['sign', '--key', 'pkcs11:token=no-such-token;object=dbkey;type=private', '--passphrase-env', 'IK_PIN',
                 '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'], 5, 'cannot load the private key', 'o.efi',
                'unreachable token', env=env)
    rc, _, err = ik('sign', '--key', 'pkcs11:token=no-such-token;object=dbkey;pin-value=999999', '--cert', 'db.crt',
                    '-o', 'o.efi', 'addon.efi', env=env)
    check('999999' not in err, 'the PIN never appears in messages')
    expect_fail(['sign', '--key', uri, '--passphrase-env', 'IK_PIN', '--cert', 'db.crt', '-o', 'o.efi', 'addon.efi'], 5,
                'cannot load the private key', 'o.efi', 'wrong PIN', env=dict(env, IK_PIN='000000'))
    expect_fail(['sign', '--key', uri + '?module-path=/nonexistent/libnone.so', '--passphrase-env', 'IK_PIN', '--cert', 'db.crt',
                 '-o', 'o.efi', 'addon.efi'], 5, 'cannot load the private key', 'o.efi', 'missing PKCS#11 module', env=env)


if __name__ == '__main__':
    sys.exit(main())
