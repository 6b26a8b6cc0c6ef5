#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A large payload through `igvmkit fuki`, `sign` and `verify` (issue 8 item 4).

The add-on is put together as spans pointing into the mapped IGVM and streamed
to the output, so these commands must not hold a second copy of their input:
  * bytes: the unsigned add-on of a generated 40 MiB IGVM equals, byte for
    byte, what igvmkit wrote when it still built the PE in one buffer (golden
    SHA-256 below); signing it with `igvmkit sign` equals signing inline with
    `igvmkit fuki --key`; --append and --replace keep `igvmkit digest`,
    `pesign -h` and osslsigncode's computed digest in agreement;
  * independent verifiers: `osslsigncode verify` and `sbverify` accept the
    signed add-on, python3-pefile's generate_checksum() equals its CheckSum;
  * memory: peak RSS (wait4 ru_maxrss) of fuki, sign and verify is at most
    the input's size + 24 MiB (the buffer path needed twice the input).  Not
    checked in sanitizer builds, whose shadow memory and quarantine add their
    own.

usage: test_large.py IGVMKIT   (exit 77 = skipped: a tool is missing)
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

IGVMKIT = os.path.abspath(sys.argv[1])
FAILS = []
PAGES = 10240  # 40 MiB of page data

# SHA-256 of `igvmkit fuki -o big.efi big.igvm` (SOURCE_DATE_EPOCH unset) for the IGVM
# big_igvm() writes, as written by igvmkit at commit 5dbe7f6 (PE built in one buffer).
GOLDEN_UNSIGNED = 'f9fc2ba5bff43201814e0465cfff8d64e14c31e3613ea003ef973f8ca25e9e28'

for tool in ('osslsigncode', 'sbverify', 'pesign', 'openssl'):
    if not shutil.which(tool):
        print(f'{tool} is not installed; skipping')
        sys.exit(77)
try:
    import pefile
except ImportError:
    print('python3-pefile is not installed; skipping')
    sys.exit(77)


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what)


def big_igvm(path):
    """An IGVM v1 file (igvm.md section 1.13 layout, as tests/fuki/mkigvm.py): one NATIVE
    platform and PAGES 4 KiB PAGE_DATA pages, page i filled with its index and a pattern."""
    plat = bytes.fromhex('01000000' '00' '00' '0100' '0000000000000000')
    headers = bytearray(struct.pack('<II', 0x001, 16) + plat)
    data_start = 24 + 16 + 8 + PAGES * 32
    for i in range(PAGES):
        headers += struct.pack('<II', 0x302, 24) + struct.pack(
            '<QIIIHH', 0x1000 * (i + 1), 1, data_start + 4096 * i, 0, 0, 0)
    total = data_start + 4096 * PAGES
    fixed = struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total, 0)
    crc = zlib.crc32(fixed + headers) & 0xffffffff
    with open(path, 'wb') as f:
        f.write(struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total, crc) + headers)
        for i in range(PAGES):
            f.write(struct.pack('<II', i, 0x5a5aa5a5) * 512)


def ik(*args):
    """Runs igvmkit; returns (exit code, stdout, stderr)."""
    env = dict(os.environ)
    env.pop('SOURCE_DATE_EPOCH', None)
    p = subprocess.run([IGVMKIT, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def ik_rss(*args):
    """Runs igvmkit (output discarded); returns (exit code, peak RSS in bytes) from wait4."""
    env = dict(os.environ)
    env.pop('SOURCE_DATE_EPOCH', None)
    with open(os.devnull, 'wb') as null:
        p = subprocess.Popen([IGVMKIT, *args], stdout=null, stderr=null, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    return os.waitstatus_to_exitcode(status), ru.ru_maxrss * 1024


def sh(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def sanitized():
    """True for an ASan/UBSan build (its shadow memory is not the program's)."""
    data = open(IGVMKIT, 'rb').read()
    return b'__asan_init' in data or b'__ubsan_handle' in data


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def digest(path):
    rc, out, _ = ik('digest', path)
    return out.strip().splitlines()[-1] if rc == 0 and out.strip() else None


def pesign_hash(path):
    _, out, _ = sh('pesign', '-h', '-i', path)
    m = re.search(r'([0-9a-f]{64})', out)
    return m.group(1) if m else None


def osslsigncode_ok(path, cert):
    rc, out, _ = sh('osslsigncode', 'verify', '-CAfile', cert, '-in', path)
    cur = re.search(r'Current message digest\s*:\s*([0-9A-Fa-f]+)', out)
    calc = re.search(r'Calculated message digest\s*:\s*([0-9A-Fa-f]+)', out)
    return rc == 0 and cur and calc and cur.group(1).lower() == calc.group(1).lower()


def main():
    work = tempfile.mkdtemp(prefix='igvmkit-large-')
    os.chdir(work)
    try:
        big_igvm('big.igvm')
        sh('openssl', 'req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
           '-subj', '/CN=igvmkit large test/', '-keyout', 'db.key', '-out', 'db.crt')
        key = ['--key', 'db.key', '--cert', 'db.crt']
        measure_rss = not sanitized()

        # Peak RSS first, while this process is small: a child's ru_maxrss starts from the
        # size of the process it was forked from.
        steps = (('fuki', ['fuki', '-o', 'big.efi', 'big.igvm'], 'big.igvm'),
                 ('sign', ['sign', *key, '-o', 'big.s.efi', 'big.efi'], 'big.efi'),
                 ('verify', ['verify', '--cert', 'db.crt', 'big.s.efi'], 'big.s.efi'))
        for name, args, inp in steps:
            rc, rss = ik_rss(*args)
            check(rc == 0, f'{name} exit {rc}')
            size = os.path.getsize(inp)
            if measure_rss:
                check(rss <= size + (24 << 20),
                      f'{name} peak RSS {rss >> 20} MiB > input {size >> 20} MiB + 24 MiB')

        # Unsigned add-on: the bytes the buffer path wrote.
        check(sha256('big.efi') == GOLDEN_UNSIGNED, f'unsigned add-on sha256 {sha256("big.efi")} != golden')
        pe = pefile.PE('big.efi', fast_load=True)
        check(pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum(), 'unsigned add-on: pefile CheckSum')
        d0 = digest('big.efi')
        check(d0 is not None and d0 == pesign_hash('big.efi'), f'igvmkit digest {d0} != pesign -h')

        # sign of the add-on == fuki --key (one signing path, deterministic RSA).
        rc, _, err = ik('fuki', *key, '-o', 'big.fs.efi', 'big.igvm')
        check(rc == 0 and sha256('big.fs.efi') == sha256('big.s.efi'), f'fuki --key != sign of the add-on {err}')
        check(osslsigncode_ok('big.s.efi', 'db.crt'), 'osslsigncode verify of the signed add-on')
        rc, _, err = sh('sbverify', '--cert', 'db.crt', 'big.s.efi')
        check(rc == 0, f'sbverify of the signed add-on: {err}')
        pe = pefile.PE('big.s.efi', fast_load=True)
        check(pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum(), 'signed add-on: pefile CheckSum')
        check(digest('big.s.efi') == d0, 'digest unchanged by signing')

        # A second signature appended (osslsigncode reads only one WIN_CERTIFICATE, so
        # sbverify checks the first), then both replaced by one.
        rc, _, err = ik('sign', '--append', '--hash', 'sha384', *key, '-o', 'big.a.efi', 'big.s.efi')
        check(rc == 0 and sh('sbverify', '--cert', 'db.crt', 'big.a.efi')[0] == 0, f'--append: {err}')
        check(digest('big.a.efi') == d0 == pesign_hash('big.a.efi'), 'digest unchanged by appending')
        rc, _, err = ik('verify', '--all', '--cert', 'db.crt', 'big.a.efi')
        check(rc == 0, f'verify --all after --append: {err}')
        rc, _, err = ik('sign', '--replace', *key, '-o', 'big.r.efi', 'big.a.efi')
        check(rc == 0 and sha256('big.r.efi') == sha256('big.s.efi'), f'--replace gives the first signing back {err}')

        # One flipped payload byte: every verifier refuses.
        data = bytearray(open('big.s.efi', 'rb').read())
        data[len(data) // 2] ^= 1
        open('flip.efi', 'wb').write(data)
        rc, _, _ = ik('verify', '--cert', 'db.crt', 'flip.efi')
        check(rc == 1, f'verify of a modified image exit {rc} != 1')
        check(not osslsigncode_ok('flip.efi', 'db.crt'), 'osslsigncode refuses a modified image')
    finally:
        os.chdir('/')
        shutil.rmtree(work, ignore_errors=True)
    print(f'{len(FAILS)} check(s) failed' if FAILS else 'all checks passed')
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
