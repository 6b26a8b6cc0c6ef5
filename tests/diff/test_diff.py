#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""igvmkit diff end to end: verdicts, exit codes, per-item details, JSON, determinism,
bad inputs, and FUKI/PE comparisons (sections, '.efifw' recursion, signatures).

IGVM inputs come from gen_igvm.py (independent of igvmkit's writer); FUKIs are made with
`igvmkit fuki` and signed with `igvmkit sign` using throw-away keys from `openssl req`.
usage: test_diff.py IGVMKIT
"""
import json
import os
import shutil
import subprocess
import sys
import struct
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_igvm  # noqa: E402

IK = os.path.abspath(sys.argv[1])
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def run(*args, env=None, cwd=None):
    res = subprocess.run([IK, *args], capture_output=True, text=True, env=env, cwd=cwd)
    return res.returncode, res.stdout, res.stderr


def diff(a, b, *opts):
    return run('diff', *opts, a, b)


def diff_json(a, b, *opts):
    rc, out, err = diff(a, b, '--json', *opts)
    try:
        return rc, json.loads(out)
    except ValueError:
        check(False, f'diff --json {a} {b}: not JSON: {out[:200]!r} {err!r}')
        return rc, {}


def first_line(text):
    return text.split('\n', 1)[0]


def expect_verdict(a, b, line, code, *opts):
    rc, out, err = diff(a, b, *opts)
    check(rc == code, f'{os.path.basename(b)}: exit {rc}, expected {code} ({err.strip()})')
    check(first_line(out) == line,
          f'{os.path.basename(b)}: verdict {first_line(out)!r}, expected {line!r}')
    return out


def items(report, cls):
    return report.get(cls, [])


def main():
    tmp = tempfile.mkdtemp(prefix='ik-diff-')
    try:
        os.chdir(tmp)
        for name, make in gen_igvm.VARIANTS.items():
            with open(name, 'wb') as f:
                f.write(make())
        igvm_cases(tmp)
        bad_input_cases(tmp)
        determinism_cases(tmp)
        fuki_cases(tmp)
        build_cases(tmp)
        dir_cases(tmp)
        mutation_cases(tmp)
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{checks} checks, {len(failures)} failures')
    return 1 if failures else 0


def igvm_cases(tmp):
    # identical bytes
    out = expect_verdict('base.igvm', 'copy.igvm', 'identical', 0)
    check('sha256' in out, 'identical: the report names the digests')
    rc, _, _ = diff('base.igvm', 'copy.igvm', '--quiet')
    check(rc == 0, '--quiet identical exits 0')

    # one page byte: offset 0x123 of the page at gpa 0x2000 (gen_igvm.flipped_page)
    expect_verdict('base.igvm', 'page-byte.igvm', 'different: 1 page differs', 1)
    rc, rep = diff_json('base.igvm', 'page-byte.igvm')
    sem = items(rep, 'semantic')
    check(rep.get('verdict') == 'different', 'page-byte: JSON verdict')
    check(len(sem) == 1 and sem[0]['kind'] == 'content', f'page-byte: one content item: {sem}')
    if sem:
        it = sem[0]
        check(it['scope'] == 'header 4 (PAGE_DATA) gpa 0x2000 for NATIVE|SEV_SNP',
              f'page-byte scope {it["scope"]}')
        check(it['first_offset'] == '0x123' and it['last_offset'] == '0x123',
              'page-byte: first/last differing offset 0x123')
        check(it['bytes_differing'] == 1, 'page-byte: one byte differs')
        check(it['a_sha256'] != it['b_sha256'] and len(it['a_sha256']) == 64,
              'page-byte: content hashes')
    check(rep.get('counts', {}).get('semantic', {}).get('pages') == 1, 'page-byte: counts.pages')
    meas = rep.get('measurements', [])
    snp = [m for m in meas if m['platform'] == 'sev-snp']
    check(len(snp) == 1 and snp[0]['equal'] is False, f'page-byte: SNP measurement differs: {meas}')
    rc, _, _ = diff('base.igvm', 'page-byte.igvm', '--quiet')
    check(rc == 1, '--quiet different exits 1')

    # one header field: GUEST_POLICY.policy 0x30000 -> 0xb0000
    expect_verdict('base.igvm', 'policy.igvm', 'different: 1 header differs', 1)
    rc, rep = diff_json('base.igvm', 'policy.igvm')
    f = [i for i in items(rep, 'semantic') if i['kind'] == 'field']
    check(len(f) == 1 and f[0].get('field') == 'policy' and f[0]['a'] == '0x30000'
          and f[0]['b'] == '0xb0000', f'policy: field item {f}')
    check(any(i.get('field') == 'checksum' for i in items(rep, 'layout')),
          'policy: checksum difference is layout')
    # the policy is not part of the SNP launch digest (measure.md: PAGE_INFO chain)
    snp = [m for m in rep.get('measurements', []) if m['platform'] == 'sev-snp']
    check(snp and snp[0]['equal'] is True, 'policy: measurement unchanged')

    # a platform removed (and masks narrowed accordingly)
    out = expect_verdict('base.igvm', 'no-native.igvm', 'different: 1 platform, 5 pages differ', 1)
    check('header 1 (SUPPORTED_PLATFORM) NATIVE: only in A' in out, 'no-native: platform only in A')
    check('compatibility_mask: A 0x3 (NATIVE|SEV_SNP), B 0x1 (SEV_SNP)' in out,
          'no-native: page mask as platform names')

    # data layout only: no dedup, data in reverse order
    out = expect_verdict('base.igvm', 'layout.igvm',
                         'equivalent (same semantics, different layout)', 1)
    check('deduplication of identical data differs' in out, 'layout: dedup reported')
    check('refer to file data at different offsets' in out, 'layout: offsets reported')
    rc, _, _ = diff('base.igvm', 'layout.igvm', '--semantic')
    check(rc == 0, 'layout: --semantic exits 0 for equivalent files')
    rc, rep = diff_json('base.igvm', 'layout.igvm')
    check(rep.get('verdict') == 'equivalent' and not items(rep, 'semantic'),
          'layout: JSON equivalent, no semantic items')
    check(all(m['equal'] for m in rep.get('measurements', [])), 'layout: measurements equal')

    # mask bits renumbered for the same platforms
    out = expect_verdict('base.igvm', 'renumbered.igvm',
                         'equivalent (same semantics, different layout)', 1)
    check('different compatibility_mask bits for the same platforms' in out, 'renumbered: note')

    # a page inserted: reported once, later pages still paired
    out = expect_verdict('base.igvm', 'inserted.igvm', 'different: 1 page differs', 1)
    check('(PAGE_DATA) gpa 0x8000 for NATIVE|SEV_SNP: only in B' in out, 'inserted: page only in B')

    # two pages swapped: directive order is semantic
    out = expect_verdict('base.igvm', 'swapped.igvm', 'different: 1 page differs', 1)
    check('position differs' in out, 'swapped: position difference reported')

    # VMSA field named
    out = expect_verdict('base.igvm', 'vmsa-rip.igvm', 'different: 1 header differs', 1)
    check("first difference in VMSA field 'rip'" in out, 'vmsa-rip: VMSA field named')

    # gap between fixed and variable headers: strict reader refuses, --lenient compares
    rc, _, err = diff('base.igvm', 'gap.igvm')
    check(rc == 3 and 'gap.igvm' in err, f'gap: strict read fails with exit 3 naming the file: {err}')
    expect_verdict('base.igvm', 'gap.igvm', 'equivalent (same semantics, different layout)', 1,
                   '--lenient')

    # zeros as file data vs file_offset 0
    out = expect_verdict('base.igvm', 'zero-explicit.igvm',
                         'equivalent (same semantics, different layout)', 1)
    check('holds zeros in one file as file data' in out, 'zero-explicit: representation note')

    # pages shared by two platforms vs one header per platform: same loads everywhere
    out = expect_verdict('base.igvm', 'split.igvm',
                         'equivalent (same semantics, different layout)', 1)
    check('every platform loads the same directives' in out, 'split: per-platform note')
    # ... but the per-platform check must not hide a real change behind the split
    rc, out, _ = diff('split.igvm', 'page-byte.igvm')
    check(rc == 1 and first_line(out).startswith('different: ') and
          'gpa 0x2000 for SEV_SNP: contents differ: 1 byte at offset 0x123' in out,
          f'split vs page-byte: {first_line(out)}')

    # SNP ID blocks signed with other keys: nested field names from the spec
    if shutil.which('openssl'):
        for n in ('1', '2'):
            subprocess.run(['openssl', 'ecparam', '-name', 'secp384r1', '-genkey', '-noout',
                            '-out', f'id{n}.pem'], check=True, capture_output=True)
        run('sign-id-block', '--id-key', 'id1.pem', '-o', 'sid1.igvm', 'base.igvm')
        run('sign-id-block', '--id-key', 'id2.pem', '--image-id',
            '000102030405060708090a0b0c0d0e0f', '-o', 'sid2.igvm', 'base.igvm')
        out = expect_verdict('sid1.igvm', 'sid2.igvm', 'different: 1 header differs', 1)
        for text in ('(SNP_ID_BLOCK) for SEV_SNP: image_id: A 00000000000000000000000000000000, '
                     'B 000102030405060708090a0b0c0d0e0f', 'id_public_key.qx: A 72 bytes',
                     'id_key_signature.r_comp: A 72 bytes'):
            check(text in out, f'id block: {text!r} in the report')
        out = expect_verdict('base.igvm', 'sid1.igvm', 'different: 1 header differs', 1)
        check('(SNP_ID_BLOCK) for SEV_SNP: only in B' in out, 'id block only in B')

        # the same ID block signed twice: ECDSA signatures are randomised, both verify, so
        # the two builds are equivalent (a layout with an ID block never rebuilds byte-identically)
        run('sign-id-block', '--id-key', 'id1.pem', '-o', 'sid1b.igvm', 'base.igvm')
        out = expect_verdict('sid1.igvm', 'sid1b.igvm',
                             'equivalent (same semantics, different layout)', 1)
        check('1 header carries other ECDSA signatures over the same ID block, and both verify '
              'with the same keys' in out and 'id_key_signature' not in out,
              f'resigned id block is layout: {out}')
        # ... but a signature that no longer verifies is a semantic difference
        ref, bad = open('sid1.igvm', 'rb').read(), bytearray(open('sid1b.igvm', 'rb').read())
        first = next(i for i in range(24, len(bad)) if bad[i] != ref[i])  # in r_comp
        bad[first] ^= 0x01
        vh_off, vh_size = struct.unpack_from('<II', bad, 8)
        fixed = bytes(bad[:0x14]) + bytes(4) + bytes(bad[0x18:24])
        struct.pack_into('<I', bad, 0x14,
                         zlib.crc32(fixed + bytes(bad[vh_off:vh_off + vh_size])) & 0xffffffff)
        with open('sid1-badsig.igvm', 'wb') as f:
            f.write(bad)
        out = expect_verdict('sid1.igvm', 'sid1-badsig.igvm', 'different: 1 header differs', 1)
        check('id_key_signature.r_comp: A 72 bytes' in out, f'bad signature is semantic: {out}')

    # --max-items caps the text listing, JSON stays complete
    rc, out, _ = diff('base.igvm', 'no-native.igvm', '--max-items', '2')
    check('... and 4 more' in out, '--max-items 2 truncates the listing')
    # --output writes the report atomically
    rc, out, _ = diff('base.igvm', 'policy.igvm', '-o', 'report.txt')
    check(rc == 1 and out == '' and first_line(open('report.txt').read()) ==
          'different: 1 header differs', '-o writes the report')


def bad_input_cases(tmp):
    with open('junk.bin', 'wb') as f:
        f.write(bytes(range(256)) * 4)
    data = open('base.igvm', 'rb').read()
    with open('truncated.igvm', 'wb') as f:
        f.write(data[:5000])
    with open('header-truncated.igvm', 'wb') as f:
        f.write(data[:20])
    with open('empty.bin', 'wb'):
        pass
    for name, expect in (('junk.bin', "expected an IGVM file (magic 'IGVM'), a PE image ('MZ') or a CoRIM"),
                         ('truncated.igvm', 'truncated.igvm'),
                         ('header-truncated.igvm', 'header-truncated.igvm'),
                         ('empty.bin', 'found only 0 bytes')):
        rc, out, err = diff('base.igvm', name)
        check(rc == 3, f'{name}: exit {rc}, expected 3')
        check(out == '', f'{name}: nothing on stdout')
        check(err.startswith('igvmkit diff: error: ') and name in err and expect in err,
              f'{name}: message {err.strip()!r}')
    rc, out, err = diff('base.igvm', 'does-not-exist.igvm')
    check(rc == 4 and 'does-not-exist.igvm' in err, f'missing file: exit {rc}, {err.strip()}')
    rc, _, err = run('diff', 'base.igvm')
    check(rc == 2, 'one argument: usage error')
    rc, _, err = run('diff', '--bogus', 'a', 'b')
    check(rc == 2, 'unknown option: usage error')
    rc, _, _ = diff('base.igvm', 'policy.igvm', '-o', 'out/missing-dir/report.txt')
    check(rc == 4 and not os.path.exists('out'), 'unwritable output: exit 4, nothing left')
    if os.path.exists('/dev/full'):
        # a report lost on a full disk or a closed pipe is an I/O error, not "different"
        with open('/dev/full', 'w') as full:
            res = subprocess.run([IK, 'diff', 'base.igvm', 'policy.igvm'], stdout=full,
                                 stderr=subprocess.PIPE, text=True)
        check(res.returncode == 4 and 'cannot write to standard output' in res.stderr,
              f'stdout on /dev/full: exit {res.returncode}, {res.stderr.strip()!r}')


def determinism_cases(tmp):
    ref = diff('base.igvm', 'layout.igvm', '--json')[1]
    env = dict(os.environ, TZ='Pacific/Kiritimati', LC_ALL='C.UTF-8')
    sub = os.path.join(tmp, 'elsewhere')
    os.makedirs(sub, exist_ok=True)
    for f in ('base.igvm', 'layout.igvm'):
        shutil.copy(f, sub)
    again = run('diff', '--json', 'base.igvm', 'layout.igvm', env=env, cwd=sub)[1]
    check(ref == again, 'same report whatever the directory, TZ and locale')
    check(diff('base.igvm', 'no-native.igvm')[1] == diff('base.igvm', 'no-native.igvm')[1],
          'text report is stable across runs')


def fuki_cases(tmp):
    rc, _, err = run('fuki', '-o', 'a.efi', '--fwid', 'qemu', 'base.igvm')
    if rc != 0:
        check(False, f'igvmkit fuki failed: {err}')
        return
    run('fuki', '-o', 'b.efi', '--fwid', 'qemu', 'page-byte.igvm')
    run('fuki', '-o', 'c.efi', '--fwid', 'qemu', 'layout.igvm')
    run('fuki', '-o', 'a2.efi', '--fwid', 'qemu', 'copy.igvm')
    expect_verdict('a.efi', 'a2.efi', 'identical', 0)
    # a page inside the '.efifw' entry: the IGVM is compared, not just the section bytes
    out = expect_verdict('a.efi', 'b.efi', 'different: 1 page differs', 1)
    check("section 1 '.efifw' firmware 'qemu': header 4 (PAGE_DATA) gpa 0x2000 "
          "for NATIVE|SEV_SNP: contents differ" in out, f'fuki: nested page difference: {out}')
    rc, rep = diff_json('a.efi', 'c.efi')
    lay = items(rep, 'layout')
    check(any('deduplication' in i.get('text', '') and i['scope'].startswith(
        "section 1 '.efifw' firmware 'qemu'") for i in lay), 'fuki: nested layout note')
    check(rep.get('a', {}).get('format') == 'pe', 'fuki: format pe in JSON')
    check(any('follow from \'.efifw\' payloads' in i.get('text', '') for i in lay),
          'fuki: geometry differences explained by the equivalent payload')
    # an '.efifw' entry whose IGVM is broken: reported with the reader's reason, bytes compared
    with open('broken.igvm', 'wb') as f:
        f.write(open('base.igvm', 'rb').read()[:6000])
    run('fuki', '--any-payload', '-o', 'x.efi', '--fwid', 'qemu', 'broken.igvm')
    rc, out, err = diff('a.efi', 'x.efi')
    check(rc == 1 and 'the IGVM file cannot be read, compared as bytes: x.efi section 1' in out
          and 'total_file_size' in out, f'broken inner IGVM: {rc} {out} {err}')
    # the Authenticode digest in the summary, cross-checked with pesign (Debian package pesign)
    if shutil.which('pesign'):
        res = subprocess.run(['pesign', '-h', '-i', 'a.efi'], capture_output=True, text=True)
        want = res.stdout.split()[-1] if res.returncode == 0 and res.stdout.split() else '?'
        check(f'Authenticode sha256 {want}' in rep.get('a', {}).get('summary', ''),
              f'Authenticode digest matches pesign -h ({want}): {rep.get("a")}')
    else:
        print('SKIP: pesign cross-check (package pesign)')
    # mixing formats is an input error
    rc, _, err = diff('a.efi', 'base.igvm')
    check(rc == 3 and 'different formats' in err, f'pe vs igvm: {rc} {err.strip()}')

    if not shutil.which('openssl'):
        print('SKIP: signature cases need openssl')
        return
    for n in ('1', '2'):
        subprocess.run(['openssl', 'req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes',
                        '-keyout', f'k{n}.pem', '-out', f'c{n}.pem', '-days', '30',
                        '-subj', f'/CN=igvmkit diff test {n}'], check=True, capture_output=True)
    run('sign', '--key', 'k1.pem', '--cert', 'c1.pem', '-o', 's1.efi', 'a.efi')
    run('sign', '--key', 'k1.pem', '--cert', 'c1.pem', '-o', 's1b.efi', 'a.efi')
    run('sign', '--key', 'k1.pem', '--cert', 'c1.pem', '--signing-time', '1700000000',
        '-o', 's1t.efi', 'a.efi')
    run('sign', '--key', 'k2.pem', '--cert', 'c2.pem', '--hash', 'sha384', '-o', 's2.efi', 'a.efi')
    # RSA PKCS#1 v1.5 without signingTime is deterministic (uki-sign.md 4.4)
    expect_verdict('s1.efi', 's1b.efi', 'identical', 0)
    out = expect_verdict('s1.efi', 's1t.efi', 'different: 1 signature differs', 1)
    # 1700000000 = 2023-11-14T22:13:20Z
    check('signingTime: A absent, B 2023-11-14T22:13:20Z' in out, f'signing time: {out}')
    out = expect_verdict('s1.efi', 's2.efi', 'different: 1 signature differs', 1)
    check('signer subject: A /CN=igvmkit diff test 1, B /CN=igvmkit diff test 2' in out,
          'signer subject difference')
    check('digest algorithm: A SHA256, B SHA384' in out, 'digest algorithm difference')
    out = expect_verdict('a.efi', 's1.efi', 'different: 1 signature differs', 1)
    check("only in B: signer '/CN=igvmkit diff test 1', SHA256, signingTime absent" in out,
          'signature only in B')


def dir_cases(tmp):
    """Two output directories: files paired by name, IGVM structurally, the rest as bytes."""
    for d in ('out1', 'out2'):
        os.makedirs(d)
        shutil.copy('base.igvm', os.path.join(d, 'qemu.igvm'))
        with open(os.path.join(d, 'qemu.measurements.json'), 'w') as f:
            f.write('{\n  "schema": "igvmkit-measurements/1",\n  "digest": "00"\n}\n')
    os.makedirs('out2/subdir')  # not a regular file: ignored
    rc, out, err = diff('out1', 'out2')
    check(rc == 0 and first_line(out) == 'identical', f'dirs identical: {rc} {out} {err}')
    shutil.copy('page-byte.igvm', 'out2/qemu.igvm')
    with open('out2/qemu.measurements.json', 'w') as f:
        f.write('{\n  "schema": "igvmkit-measurements/1",\n  "digest": "01"\n}\n')
    shutil.copy('base.igvm', 'out2/extra.igvm')
    rc, out, err = diff('out1', 'out2')
    check(rc == 1 and first_line(out) == 'different: 3 of 3 files differ',
          f'dirs different: {first_line(out)}')
    for text in ('  extra.igvm: only in B', '  qemu.igvm: different: 1 page differs',
                 '  qemu.measurements.json: different: bytes differ from offset 0x36',
                 'text: first difference on line 3', '== qemu.igvm =='):
        check(text in out, f'dirs: {text!r} in the report')
    rc, rep = diff_json('out1', 'out2')
    names = [(f['name'], f['presence']) for f in rep.get('files', [])]
    check(names == [('extra.igvm', 'only-b'), ('qemu.igvm', 'both'),
                    ('qemu.measurements.json', 'both')], f'dirs JSON files: {names}')
    rc, _, err = diff('out1', 'base.igvm')
    check(rc == 2 and 'directory with a file' in err, 'dir vs file is a usage error')


def mutation_cases(tmp):
    """Robustness: 400 deterministic mutations (fixed seed) of the variants, in the headers and
    the data, compared against the base and each other: every run must end in a verdict
    (0 or 1) or a clean input error (3) with a message, never a crash or sanitizer report."""
    import random
    rng = random.Random(7)
    names = sorted(gen_igvm.VARIANTS)
    bad = 0
    for n in range(400):
        data = bytearray(open(rng.choice(names), 'rb').read())
        for _ in range(rng.randint(1, 4)):
            # mostly the fixed and variable headers, sometimes the data
            hi = 0x120 if rng.random() < 0.8 else len(data)
            pos = rng.randrange(0, min(hi, len(data)))
            data[pos] = rng.randrange(256)
        if rng.random() < 0.1:
            del data[rng.randrange(len(data)):]
        elif rng.random() < 0.7 and len(data) >= 24:
            # re-seal the CRC so the mutation reaches the header checks and the pairing
            import struct
            import zlib
            off, size = struct.unpack_from('<II', data, 8)
            if off + size <= len(data):
                data[0x14:0x18] = bytes(4)
                crc = zlib.crc32(bytes(data[:24]) + bytes(data[off:off + size])) & 0xffffffff
                struct.pack_into('<I', data, 0x14, crc)
        with open('mutant.igvm', 'wb') as f:
            f.write(data)
        other = rng.choice(names)
        rc, out, err = diff(other, 'mutant.igvm', '--lenient' if n % 2 else '--json')
        ok = (rc in (0, 1) and out) or (rc == 3 and err.startswith('igvmkit diff: error: '))
        if not ok or 'Sanitizer' in err or 'runtime error' in err:
            bad += 1
            if bad <= 3:
                print(f'mutant {n} vs {other}: exit {rc}: {err.strip()[:300]}')
    check(bad == 0, f'{bad} of 400 mutated inputs crashed or failed unclearly')


def build_cases(tmp):
    """The issue 7 reproducibility promise on a real image: the built-in default layout (Debian's
    OVMF.fd for sev-snp, sev-es, tdx and native) built in two directories with different TZ,
    locale and umask gives identical IGVMs, and diff pins a one-byte change to its page."""
    if not os.path.exists('/usr/share/ovmf/OVMF.fd'):
        print('SKIP: build cases need Debian OVMF (package ovmf)')
        return
    outs = []
    for n, (tz, loc, umask) in enumerate((('UTC', 'C', '022'),
                                          ('Pacific/Chatham', 'C.UTF-8', '077'))):
        d = os.path.join(tmp, f'build{n}', 'nested')
        os.makedirs(d)
        env = dict(os.environ, TZ=tz, LC_ALL=loc)
        res = subprocess.run(['sh', '-c', f'umask {umask}; exec "$0" build -q -o out', IK],
                             cwd=d, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            check(False, f'igvmkit build failed: {res.stderr.strip()}')
            return
        outs.append(os.path.join(d, 'out', 'ovmf.igvm'))
    rc, out, err = diff(outs[0], outs[1])
    check(rc == 0 and first_line(out) == 'identical',
          f'two builds are identical: {first_line(out)} {err.strip()}')
    data = bytearray(open(outs[0], 'rb').read())
    # flip a byte 100 KiB before the end of the file data: an OVMF code page, not the VP
    # contexts at the very end
    data[-100 * 1024] ^= 0x40
    with open('flipped.igvm', 'wb') as f:
        f.write(data)
    rc, rep = diff_json(outs[0], 'flipped.igvm')
    check(rc == 1 and rep.get('summary') == 'different: 1 page differs',
          f'one flipped byte in a real image is one page: {rep.get("summary")}')
    sem = items(rep, 'semantic')
    check(len(sem) == 1 and sem[0]['kind'] == 'content' and sem[0]['bytes_differing'] == 1,
          'the flipped page is described by one content item')
    meas = {m['platform']: m['equal'] for m in rep.get('measurements', [])}
    check(meas.get('sev-snp') is False and meas.get('tdx') is False,
          f'a changed measured page changes the SNP and TDX digests: {meas}')


if __name__ == '__main__':
    sys.exit(main())
