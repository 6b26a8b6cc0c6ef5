#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`igvmkit inspect` of every kind of file igvmkit reads or writes, and `fuki --list/--extract`.

Each kind is inspected as text and as JSON; the JSON is parsed here and checked against the keys
docs/inspect-json.md documents, and its values against independent readings of the same bytes:
the PE certificate table and section headers (Microsoft PE format), the OVMF footer table walked
as QEMU does (measure.md section 1), ELF program headers (System V gABI), `openssl x509 -serial`
for the signer's serial and `pesign -h` for the Authenticode digest when installed.
Corrupt inputs must fail with exit 3, name the file, and print nothing on standard output.

usage: inspect_kinds.py IGVMKIT SOURCE_DIR SHARED_DATA_DIR
Parts whose inputs are absent (OVMF.fd, systemd's stub, Debian's signed shim/grub, the shared
AmdSev fixture) are skipped with a printed reason; the rest always runs.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid

IGVMKIT = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
SHARED = sys.argv[3] if len(sys.argv) > 3 else ''
CORPUS = os.path.join(SRC, 'tests', 'fuzz', 'corpus')
FAILS = []
SKIPS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what)


def ik(*args):
    return subprocess.run([IGVMKIT, *args], capture_output=True)


def inspect_both(path):
    """Text and JSON of PATH; both must succeed and print something."""
    t = ik('inspect', path)
    j = ik('inspect', '--json', path)
    check(t.returncode == 0 and t.stdout, f'inspect {path}: exit {t.returncode} {t.stderr!r}')
    check(j.returncode == 0, f'inspect --json {path}: exit {j.returncode} {j.stderr!r}')
    doc = json.loads(j.stdout) if j.returncode == 0 else {}
    return t.stdout.decode(), doc


def has_keys(obj, keys, where):
    missing = [k for k in keys if k not in obj]
    check(not missing, f'{where}: documented keys missing: {missing}')


TOP = ['format', 'schema_version', 'file_size']


def expect_error(path, what, *, needle=None):
    r = ik('inspect', path)
    err = r.stderr.decode()
    check(r.returncode == 3, f'{what}: exit {r.returncode}, expected 3 ({err.strip()})')
    check(r.stdout == b'', f'{what}: printed on standard output despite the error')
    check(path in err, f'{what}: error does not name the file: {err.strip()}')
    if needle:
        check(needle in err, f'{what}: error lacks {needle!r}: {err.strip()}')


# ---- independent readers ----

def pe_cert_table(data):
    """(offset, size) of the certificate table (DataDirectory[4])."""
    lfanew = struct.unpack_from('<I', data, 0x3c)[0]
    opt = lfanew + 24
    magic = struct.unpack_from('<H', data, opt)[0]
    dirs = opt + (112 if magic == 0x20b else 96)
    return struct.unpack_from('<II', data, dirs + 4 * 8)


def pe_sections(data):
    lfanew = struct.unpack_from('<I', data, 0x3c)[0]
    nsec, = struct.unpack_from('<H', data, lfanew + 6)
    optsize, = struct.unpack_from('<H', data, lfanew + 20)
    table = lfanew + 24 + optsize
    out = []
    for i in range(nsec):
        name, vsize, vaddr, rawsize, rawoff = struct.unpack_from('<8sIIII', data, table + 40 * i)
        chars, = struct.unpack_from('<I', data, table + 40 * i + 36)
        out.append((name.rstrip(b'\0').decode(), vaddr, vsize, rawoff, rawsize, chars))
    return out


def ovmf_footer(data):
    """QEMU's pc_system_parse_ovmf_flash walk: [(guid, data_offset, data_len)]."""
    n = len(data)
    footer = uuid.UUID('96b582de-1fb2-45f7-baea-a366c55a082d').bytes_le
    assert data[n - 48:n - 32] == footer
    total, = struct.unpack_from('<H', data, n - 50)
    end = n - 50  # the table's entries end here (before the total length)
    start = n - 32 - total
    out, pos = [], end
    while pos > start:
        g = uuid.UUID(bytes_le=data[pos - 16:pos])
        ln, = struct.unpack_from('<H', data, pos - 18)
        out.append((str(g), pos - ln, ln - 18))
        pos -= ln
    return out


def elf_loads(data):
    """PT_LOAD (paddr, filesz, memsz) of a 64-bit little-endian ELF, by paddr."""
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    out = []
    for i in range(phnum):
        p_type, _flags, _off, _vaddr, paddr, filesz, memsz = struct.unpack_from(
            '<IIQQQQQ', data, phoff + i * phentsize)
        if p_type == 1:
            out.append((paddr, filesz, memsz))
    return sorted(out)


# ---- PE / FUKI ----

def test_fuki(tmp):
    snp = os.path.join(CORPUS, 'igvm', 'sev-snp.igvm')
    tdx = os.path.join(CORPUS, 'igvm', 'tdx.igvm')
    hw = os.path.join(CORPUS, 'hwids', 'uefi-fw.json')
    fuki = os.path.join(tmp, 'fw.efi')
    r = ik('fuki', '--fwid', 'qemu-snp', '--fwid', 'tdx', '--hwids', hw, '--cmdline', 'console=ttyS0',
           '--osrel', 'ID=igvmkit-test', '--uname', '6.1.0', '-o', fuki, snp, tdx)
    check(r.returncode == 0, f'fuki build: {r.stderr!r}')
    data = open(fuki, 'rb').read()

    # --extract: byte-identical to what was packed
    for fwid, orig in (('qemu-snp', snp), ('tdx', tdx)):
        out = os.path.join(tmp, fwid + '.igvm')
        r = ik('fuki', '--extract', fwid, '-o', out, fuki)
        check(r.returncode == 0, f'fuki --extract {fwid}: {r.stderr!r}')
        check(os.path.exists(out) and open(out, 'rb').read() == open(orig, 'rb').read(),
              f'fuki --extract {fwid}: not byte-identical to {orig}')
    missing = os.path.join(tmp, 'nope.igvm')
    r = ik('fuki', '--extract', 'nope', '-o', missing, fuki)
    check(r.returncode == 3, f'fuki --extract of an unknown fwid: exit {r.returncode}')
    check(b"'nope'" in r.stderr and b"'qemu-snp'" in r.stderr and b'fw.efi' in r.stderr,
          f'fuki --extract unknown fwid: unclear error {r.stderr!r}')
    check(not os.path.exists(missing), 'fuki --extract of an unknown fwid left an output file')
    check(not [f for f in os.listdir(tmp) if f.startswith('.') or 'tmp' in f],
          f'temporary files left behind: {os.listdir(tmp)}')
    r = ik('fuki', '--extract', 'tdx', fuki)
    check(r.returncode == 2, f'fuki --extract without -o: exit {r.returncode}')
    r = ik('fuki', '--extract', 'tdx', '--fwid', 'x', '-o', os.path.join(tmp, 'x.igvm'), fuki)
    check(r.returncode == 2, f'fuki --extract with a build option: exit {r.returncode}')
    r = ik('fuki', '--list', '--extract', 'tdx', fuki)
    check(r.returncode == 2, f'fuki --list with --extract: exit {r.returncode}')
    r = ik('fuki', '--list', fuki)
    lines = [ln.split('\t') for ln in r.stdout.decode().splitlines()]
    check(r.returncode == 0 and [ln[0] for ln in lines] == ['qemu-snp', 'tdx'],
          f'fuki --list: {r.stdout!r} {r.stderr!r}')
    check(lines and int(lines[0][1]) == os.path.getsize(snp), f'fuki --list size: {lines}')

    text, doc = inspect_both(fuki)
    has_keys(doc, TOP + ['machine', 'optional_header', 'subsystem', 'entry_point', 'image_base',
                         'size_of_image', 'time_date_stamp', 'sections', 'efifw', 'hwids',
                         'sbat', 'cmdline', 'osrel', 'uname', 'authenticode_sha256',
                         'signatures'], 'FUKI JSON')
    check(doc.get('format') == 'pe' and doc.get('file_size') == len(data), 'FUKI: format/file_size')
    secs = [(s['name'], int(s['virtual_address'], 16), int(s['virtual_size'], 16),
             int(s['raw_offset'], 16), int(s['raw_size'], 16), int(s['characteristics'], 16))
            for s in doc.get('sections', [])]
    check(secs == pe_sections(data), f'FUKI sections differ from the section table: {secs}')
    fw = doc.get('efifw', [])
    check([e['fwid'] for e in fw] == ['qemu-snp', 'tdx'], f'FUKI efifw ids: {fw}')
    for e in fw:
        has_keys(e, ['fwid', 'section', 'size', 'sha256', 'igvm'], 'efifw entry')
    if len(fw) == 2:
        check(fw[0]['igvm']['platforms'] == ['SEV_SNP'] and fw[1]['igvm']['platforms'] == ['TDX'],
              f'efifw IGVM platforms: {fw}')
        check(fw[0]['size'] == os.path.getsize(snp), 'efifw size')
        import hashlib
        check(fw[1]['sha256'] == hashlib.sha256(open(tdx, 'rb').read()).hexdigest(), 'efifw sha256')
    chids = json.load(open(hw))['hwids']
    check(sorted(h['chid'] for h in doc.get('hwids', [])) == sorted(chids) and
          all(h['fwid'] == 'qemu-snp' and h['type'] == 'uefi-fw' for h in doc.get('hwids', [])),
          f'hwids: {doc.get("hwids")}')
    check(doc.get('cmdline') == 'console=ttyS0' and doc.get('osrel') == 'ID=igvmkit-test' and
          doc.get('uname') == '6.1.0' and doc.get('sbat', '').startswith('sbat,1,'),
          'text sections')
    check(doc.get('signatures') == [], 'unsigned FUKI has signatures')
    dig = ik('digest', fuki).stdout.decode().split()
    check(dig and doc.get('authenticode_sha256') == dig[-1], 'authenticode_sha256 != igvmkit digest')
    if shutil.which('pesign'):
        ph = subprocess.run(['pesign', '-h', '-i', fuki], capture_output=True, text=True).stdout
        check(ph.split() and ph.split()[-1] == doc.get('authenticode_sha256'),
              f'pesign -h {ph.strip()} != {doc.get("authenticode_sha256")}')
    check("efifw 'tdx'" in text and 'platforms: TDX' in text and 'hwids:' in text, 'FUKI text')

    # corrupt inputs
    trunc = os.path.join(tmp, 'truncated.efi')
    open(trunc, 'wb').write(data[:len(data) // 2])
    expect_error(trunc, 'truncated FUKI')
    bad = bytearray(data)
    efifw = [s for s in pe_sections(data) if s[0] == '.efifw'][0]
    bad[efifw[3]] ^= 0xff  # the .efifw magic
    badp = os.path.join(tmp, 'bad-efifw.efi')
    open(badp, 'wb').write(bad)
    expect_error(badp, 'corrupt .efifw magic', needle='.efifw')
    r = ik('fuki', '--list', badp)
    check(r.returncode == 3 and r.stdout == b'', f'fuki --list of a corrupt FUKI: exit {r.returncode}')


def test_any_payload(tmp):
    blob = os.path.join(tmp, 'blob.bin')
    open(blob, 'wb').write(b'not an IGVM file' * 64)
    out = os.path.join(tmp, 'any.efi')
    r = ik('fuki', '--any-payload', '--fwid', 'raw', '-o', out, blob)
    check(r.returncode == 0, f'fuki --any-payload: {r.stderr!r}')
    _, doc = inspect_both(out)
    e = (doc.get('efifw') or [{}])[0]
    check(e.get('igvm', 0) is None and e.get('igvm_error'), f'non-IGVM payload: {e}')
    back = os.path.join(tmp, 'back.bin')
    r = ik('fuki', '--extract', 'raw', '-o', back, out)
    check(r.returncode == 0 and open(back, 'rb').read() == open(blob, 'rb').read(),
          'fuki --extract of a non-IGVM payload is not byte-identical')


def test_signed(tmp):
    signed = os.path.join(CORPUS, 'pe', 'fuki-addon-signed.efi')
    data = open(signed, 'rb').read()
    text, doc = inspect_both(signed)
    sigs = doc.get('signatures', [])
    check(len(sigs) == 1, f'signed FUKI: {len(sigs)} signatures')
    if not sigs:
        return
    s = sigs[0]
    has_keys(s, ['size', 'status', 'signer_subject', 'signer_issuer', 'signer_serial',
                 'digest_algorithm', 'signed_digest', 'digest_matches'], 'signature')
    check(s['status'] == 'valid' and s['digest_matches'], f'signature status: {s}')
    check(s['signed_digest'] == doc['authenticode_sha256'], 'signed digest != image digest')
    check(s['signer_subject'] == '/CN=igvmkit test', f'signer subject {s["signer_subject"]}')
    off, size = pe_cert_table(data)
    length, = struct.unpack_from('<I', data, off)
    check(s['size'] == length, 'signature size != dwLength')
    if shutil.which('openssl'):
        p7 = os.path.join(tmp, 'sig.p7')
        open(p7, 'wb').write(data[off + 8:off + length])
        certs = subprocess.run(['openssl', 'pkcs7', '-inform', 'DER', '-in', p7, '-print_certs'],
                               capture_output=True).stdout
        ser = subprocess.run(['openssl', 'x509', '-noout', '-serial'], input=certs.decode(),
                             capture_output=True, text=True).stdout.strip()
        check(ser == 'serial=' + s['signer_serial'], f'serial {s["signer_serial"]} vs openssl {ser}')
    check('[0] valid' in text and 'serial  ' + s['signer_serial'] in text, 'signed FUKI text')
    # A byte of a section changed after signing: the digest no longer matches.
    bad = bytearray(data)
    bad[pe_sections(data)[0][3]] ^= 1
    badp = os.path.join(tmp, 'modified.efi')
    open(badp, 'wb').write(bad)
    _, bdoc = inspect_both(badp)
    bs = bdoc.get('signatures', [{}])[0]
    check(bs.get('status') == 'digest-mismatch' and bs.get('digest_matches') is False,
          f'modified signed image: {bs}')


def test_distro_pe():
    for path, sbat_word in (('/usr/lib/systemd/boot/efi/linuxx64.efi.stub', 'systemd'),
                            ('/usr/lib/shim/shimx64.efi.signed', 'shim'),
                            ('/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', 'grub')):
        if not os.path.exists(path):
            SKIPS.append(f'{path} absent')
            continue
        data = open(path, 'rb').read()
        _, doc = inspect_both(path)
        check(doc.get('format') == 'pe', f'{path}: format {doc.get("format")}')
        names = [s['name'] for s in doc.get('sections', [])]
        check(names == [s[0] for s in pe_sections(data)], f'{path}: sections {names}')
        check(sbat_word in doc.get('sbat', ''), f'{path}: .sbat lacks {sbat_word}')
        if pe_cert_table(data)[1]:
            sigs = doc.get('signatures', [])
            check(sigs and sigs[0]['status'] == 'valid' and sigs[0]['signer_subject'],
                  f'{path}: signatures {sigs}')


# ---- OVMF ROM ----

def check_rom(path, expect_store):
    data = open(path, 'rb').read()
    text, doc = inspect_both(path)
    has_keys(doc, TOP + ['base_gpa', 'footer_table', 'sev_es_reset_block', 'sev_secret',
                         'kernel_hashes', 'sev_metadata', 'tdx_metadata', 'platforms',
                         'variable_store'], f'{path} JSON')
    check(doc.get('format') == 'ovmf-rom', f'{path}: format')
    check(int(doc.get('base_gpa', '0'), 16) == (1 << 32) - len(data), f'{path}: base_gpa')
    mine = [(e['guid'], int(e['data_offset'], 16), e['data_size']) for e in doc.get('footer_table', [])]
    check(mine == ovmf_footer(data), f'{path}: footer table {mine} != {ovmf_footer(data)}')
    plats = doc.get('platforms', [])
    check([p['platform'] for p in plats] == ['sev', 'sev-es', 'sev-snp', 'tdx'], f'{path}: {plats}')
    for p in plats:
        has_keys(p, ['platform', 'supported', 'kernel_hashes'], f'{path} platform')
        check(p['supported'] or p.get('missing'), f'{path}: unsupported without a reason: {p}')
    check((doc.get('variable_store') is not None) == expect_store, f'{path}: variable_store')
    check('footer table:' in text and 'platforms:' in text, f'{path}: text')
    return doc


def test_ovmf(tmp):
    fd = '/usr/share/ovmf/OVMF.fd'
    if os.path.exists(fd):
        doc = check_rom(fd, True)
        store = doc.get('variable_store') or {}
        has_keys(store, ['geometry', 'size', 'used_end', 'deleted_entries', 'variables'],
                 'variable_store')
        check(doc['sev_es_reset_block'] and doc['sev_metadata'] and doc['tdx_metadata'],
              'Debian OVMF.fd lacks SEV-ES/SEV/TDX metadata')
        # A footer table claiming less than one entry's 18 bytes is corrupt.
        bad = bytearray(open(fd, 'rb').read())
        struct.pack_into('<H', bad, len(bad) - 50, 17)
        badp = os.path.join(tmp, 'OVMF-bad-footer.fd')
        open(badp, 'wb').write(bad)
        expect_error(badp, 'OVMF.fd with a corrupt footer table length')
    else:
        SKIPS.append(f'{fd} absent (package ovmf)')
    amd = os.path.join(SHARED, 'ovmf_AmdSev_suffix.bin') if SHARED else ''
    if amd and os.path.exists(amd):
        doc = check_rom(amd, False)
        snp = [p for p in doc['platforms'] if p['platform'] == 'sev-snp'][0]
        check(snp['supported'] and snp['kernel_hashes'] is True, f'AmdSev SNP: {snp}')
        types = [s['type'] for s in doc['sev_metadata']['sections']]
        check('SNP_KERNEL_HASHES' in types and 'SVSM_CAA' in types, f'AmdSev ASEV types {types}')
    else:
        SKIPS.append('shared fixture ovmf_AmdSev_suffix.bin absent')
    expect_error(os.path.join(CORPUS, 'ovmf', 'rom-asev-bad-signature.fd'), 'OVMF bad ASEV',
                 needle='ASEV')


# ---- SVSM ELF ----

def test_elf():
    elf = os.path.join(CORPUS, 'elf', 'standin-0x8000000.elf')
    data = open(elf, 'rb').read()
    text, doc = inspect_both(elf)
    has_keys(doc, TOP + ['class', 'entry', 'segments'], 'ELF JSON')
    entry, = struct.unpack_from('<Q', data, 0x18)
    check(doc.get('class') == 64 and int(doc.get('entry', '0'), 16) == entry, 'ELF class/entry')
    segs = doc.get('segments', [])
    for s in segs:
        has_keys(s, ['program_header', 'paddr', 'filesz', 'memsz', 'bss', 'first_page', 'pages',
                     'sha256'], 'ELF segment')
    mine = [(int(s['paddr'], 16), int(s['filesz'], 16), int(s['memsz'], 16)) for s in segs]
    check(mine == elf_loads(data), f'ELF PT_LOAD {mine} != {elf_loads(data)}')
    check('PT_LOAD' in text and 'GPA 0x8000000-' in text, 'ELF text')
    expect_error(os.path.join(CORPUS, 'elf', 'standin-truncated.elf'), 'truncated ELF',
                 needle='program header')


# ---- measurements JSON ----

def test_measurements(tmp):
    out = os.path.join(tmp, 'out')
    m = None
    if os.path.exists('/usr/share/ovmf/OVMF.fd'):
        r = subprocess.run([IGVMKIT, 'build', '-o', out], capture_output=True, cwd=tmp)
        check(r.returncode == 0, f'build: {r.stderr!r}')
        m = os.path.join(out, 'ovmf.measurements.json')
    if not m or not os.path.exists(m):
        SKIPS.append('no OVMF.fd for a build; measurements JSON from `igvmkit measure`')
        m = os.path.join(tmp, 'm.json')
        ik('measure', '--json', '-o', m, os.path.join(CORPUS, 'igvm', 'sev.igvm'), '--platform', 'sev')
    orig = json.load(open(m))
    text, doc = inspect_both(m)
    has_keys(doc, TOP + ['document'], 'measurements JSON')
    check(doc.get('format') == 'measurements' and doc.get('document') == orig,
          'measurements: the normalised echo differs from the document')
    rows = [ln for ln in text.splitlines()[2:] if ln.strip()]
    check(len(rows) == len(orig['measurements']), f'measurements table: {len(rows)} rows')
    check(all(mm['digest'] in text for mm in orig['measurements']), 'measurements table digests')
    raw = open(m, 'rb').read()
    for name, body, needle in (('cut.json', raw[:len(raw) // 2], 'line'),
                               ('noschema.json', raw.replace(b'"digest"', b'"dijest"', 1), 'digest')):
        p = os.path.join(tmp, name)
        open(p, 'wb').write(body)
        expect_error(p, f'measurements {name}', needle=needle)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fdir = os.path.join(tmp, 'fuki')
        os.mkdir(fdir)
        test_fuki(fdir)
        test_any_payload(tmp)
        test_signed(tmp)
        test_distro_pe()
        test_ovmf(tmp)
        test_elf()
        test_measurements(tmp)
        junk = os.path.join(tmp, 'junk.bin')
        open(junk, 'wb').write(b'\x00junk that is no kind of file at all')
        expect_error(junk, 'unknown kind', needle='not a kind of file inspect knows (IGVM, PE/UKI/FUKI')
    for s in SKIPS:
        print('skipped part:', s)
    print(f'inspect kinds: {len(FAILS)} failure(s)')
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
