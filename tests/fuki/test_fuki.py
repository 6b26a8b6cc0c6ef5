#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `igvmkit fuki` and igvmkit's PE/COFF reader.

Independent checks: python3-pefile parses every PE igvmkit writes and its
generate_checksum() must equal CheckSum; the .efifw header is compared with
the layout in systemd's src/boot/efi-firmware.h (uki-sign.md section 2.3);
.hwids is compared with an independent implementation of ukify's
parse_hwid_dir() rules (below); `pesign -h` must print the same digest.

usage: test_fuki.py IGVMKIT   (exit 77 = skipped: python3-pefile missing)
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkigvm  # noqa: E402

try:
    import pefile
except ImportError:
    print('python3-pefile is not installed; skipping')
    sys.exit(77)

IGVMKIT = os.path.abspath(sys.argv[1])
FAILS = []

# ukify's ADDON_SBAT (systemd src/ukify/ukify.py)
ADDON_SBAT = (b'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n'
              b'uki-addon,1,UKI Addon,addon,1,'
              b'https://www.freedesktop.org/software/systemd/man/latest/systemd-stub.html\n')
DEBIAN_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub'


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what)


def run(*args, env=None, cwd=None):
    e = dict(os.environ)
    e.pop('SOURCE_DATE_EPOCH', None)
    if env:
        e.update(env)
    p = subprocess.run([IGVMKIT, *args], capture_output=True, text=True, env=e, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def expect_fail(args, code, needle, out=None, what=''):
    rc, _, err = run(*args)
    check(rc == code, f'{what}: exit {rc} != {code} ({err.strip()})')
    check(needle in err, f'{what}: message lacks {needle!r}: {err.strip()}')
    if out:
        check(not os.path.exists(out) or open(out, 'rb').read() == b'old',
              f'{what}: output {out} was written or changed')
    check(not [f for f in os.listdir('.') if '.tmp' in f or f.startswith('.#')],
          f'{what}: temporary file left behind')


def section_data(pe, s):
    return s.get_data()[:s.Misc_VirtualSize]


def hwids_reference(files):
    """ukify parse_hwid_dir(): one 28-byte record per (device, CHID); devices
    keyed by (type, name, compatible|fwid) in file order; CHIDs sorted as UUIDs;
    a zero record; then the sorted, de-duplicated strings; offsets from the
    start of the section."""
    devtype = {'devicetree': 1, 'uefi-fw': 2}
    devices, strings = {}, set()
    for f in files:
        d = json.load(open(f))
        value = d.get('fwid', d.get('compatible'))
        key = (devtype[d['type']], d['name'], value)
        devices.setdefault(key, set()).update(uuid.UUID(h) for h in d['hwids'])
        strings |= {d['name'], value}
    nrec = 1 + sum(len(v) for v in devices.values())
    blob, offs = b'', {}
    for s in sorted(strings):
        offs[s] = nrec * 28 + len(blob)
        blob += s.encode() + b'\0'
    out = b''
    for (t, name, value), chids in devices.items():
        for c in sorted(chids):
            out += struct.pack('<I', t << 28 | 28) + c.bytes_le + struct.pack('<II', offs[name], offs[value])
    return out + bytes(28) + blob


def check_pe_invariants(path, what):
    data = open(path, 'rb').read()
    pe = pefile.PE(path)  # raises on malformed input
    oh = pe.OPTIONAL_HEADER
    check(len(data) % 8 == 0, f'{what}: length {len(data)} not a multiple of 8')
    check(oh.CheckSum == pe.generate_checksum(), f'{what}: CheckSum 0x{oh.CheckSum:x} != pefile 0x{pe.generate_checksum():x}')
    secs = pe.sections
    last = max(s.VirtualAddress + max(s.Misc_VirtualSize, 1) for s in secs)
    align = oh.SectionAlignment
    check(oh.SizeOfImage == (last + align - 1) // align * align, f'{what}: SizeOfImage 0x{oh.SizeOfImage:x}')
    table_end = pe.DOS_HEADER.e_lfanew + 24 + pe.FILE_HEADER.SizeOfOptionalHeader + 40 * len(secs)
    check(table_end <= oh.SizeOfHeaders, f'{what}: section table beyond SizeOfHeaders')
    by_raw = sorted((s for s in secs if s.SizeOfRawData), key=lambda s: s.PointerToRawData)
    for a, b in zip(by_raw, by_raw[1:]):
        check(a.PointerToRawData + a.SizeOfRawData <= b.PointerToRawData, f'{what}: raw overlap {a.Name}')
    by_va = sorted(secs, key=lambda s: s.VirtualAddress)
    for a, b in zip(by_va, by_va[1:]):
        check(a.VirtualAddress + a.Misc_VirtualSize <= b.VirtualAddress, f'{what}: VA overlap {a.Name}')
    return pe, data


def main():
    work = tempfile.mkdtemp(prefix='igvmkit-fuki-')
    os.chdir(work)
    a, b = mkigvm.igvm(1, 1), mkigvm.igvm(7, 3)
    open('qemu-snp.igvm', 'wb').write(a)
    open('b.igvm', 'wb').write(b)
    os.mkdir('hw')
    chids = ['16a55446-eba9-5f97-80e3-5e39d8209bc3', 'c4159f7c-c4e2-5cf3-b5e1-3a1b5d2d7b5c',
             '0b1c8c1e-1b75-5a2f-9e9e-3b6a5a1d7c11']
    json.dump({'type': 'uefi-fw', 'name': 'QEMU SNP guest', 'fwid': 'qemu-snp', 'hwids': chids[:2]},
              open('hw/a.json', 'w'))
    json.dump({'type': 'uefi-fw', 'name': 'Cloud guest', 'fwid': 'cloud',
               'hwids': ['{' + chids[2] + '}', chids[0]]}, open('hw/b.json', 'w'))
    open('osrel', 'w').write('ID=test\n')

    # 1. A FUKI add-on with every optional section.
    rc, out, err = run('fuki', '-o', 'f.efi', '--fwid', 'qemu-snp', '--fwid', 'cloud', '--hwids', 'hw',
                       '--cmdline', 'console=ttyS0', '--uname', '6.1.0-test', '--osrel', '@osrel',
                       'qemu-snp.igvm', 'b.igvm')
    check(rc == 0, f'fuki: exit {rc}: {err}')
    pe, data = check_pe_invariants('f.efi', 'fuki add-on')
    names = [s.Name.rstrip(b'\0').decode() for s in pe.sections]
    check(names == ['.text', '.osrel', '.cmdline', '.hwids', '.uname', '.efifw', '.efifw', '.sbat'],
          f'section order {names}')
    check(pe.FILE_HEADER.Machine == 0x8664 and pe.OPTIONAL_HEADER.Subsystem == 10, 'machine/subsystem')
    check(pe.OPTIONAL_HEADER.DllCharacteristics & 0x100, 'NX_COMPAT')
    check(not pe.FILE_HEADER.Characteristics & 1, 'RELOCS_STRIPPED must be clear')
    check(pe.FILE_HEADER.TimeDateStamp == 0, 'TimeDateStamp 0 without SOURCE_DATE_EPOCH')
    check(pe.OPTIONAL_HEADER.SizeOfInitializedData ==
          sum(s.SizeOfRawData for s in pe.sections if s.Characteristics & 0x40), 'SizeOfInitializedData')
    sec = {n: [] for n in names}
    for n, s in zip(names, pe.sections):
        sec[n].append(section_data(pe, s))
    for blob, fwid, payload in zip(sec['.efifw'], ['qemu-snp', 'cloud'], [a, b]):
        # systemd src/boot/efi-firmware.h: magic 0xfeeddead, header_len, fwid_len (with NUL), payload_len
        hdr = struct.unpack('<IIII', blob[:16])
        check(blob[:4] == bytes.fromhex('addeedfe'), f'.efifw magic bytes {blob[:4].hex()}')
        check(hdr == (0xfeeddead, 16, len(fwid) + 1, len(payload)), f'.efifw header {hdr}')
        check(blob[16:16 + len(fwid) + 1] == fwid.encode() + b'\0', '.efifw fwid')
        check(blob[17 + len(fwid):] == payload, '.efifw payload')
    check(sec['.hwids'][0] == hwids_reference(['hw/a.json', 'hw/b.json']), '.hwids differs from ukify rules')
    check(sec['.sbat'][0] == ADDON_SBAT, '.sbat default')
    check(sec['.cmdline'][0] == b'console=ttyS0' and sec['.uname'][0] == b'6.1.0-test'
          and sec['.osrel'][0] == b'ID=test\n', 'text sections')
    rc2, dig, _ = run('digest', 'f.efi')
    check(rc2 == 0 and dig.strip() == out.strip().splitlines()[-1], 'fuki prints the digest igvmkit digest prints')
    if shutil.which('pesign'):
        ph = subprocess.run(['pesign', '-h', '-i', 'f.efi'], capture_output=True, text=True).stdout
        check(ph.split()[-1] == dig.strip(), f'pesign -h {ph.strip()} != {dig.strip()}')

    # 2. Reproducible whatever the directory, time zone, locale and umask; SOURCE_DATE_EPOCH honoured.
    os.mkdir('elsewhere')
    shutil.copy('qemu-snp.igvm', 'elsewhere/qemu-snp.igvm')
    old = os.umask(0o077)
    rc, _, err = run('fuki', '-o', 'g.efi', '--fwid', 'qemu-snp', '--fwid', 'cloud', '--hwids', os.path.abspath('hw'),
                     '--cmdline', 'console=ttyS0', '--uname', '6.1.0-test', '--osrel', '@../osrel',
                     'qemu-snp.igvm', '../b.igvm', env={'TZ': 'Asia/Tokyo', 'LC_ALL': 'C.UTF-8'}, cwd='elsewhere')
    os.umask(old)
    check(rc == 0 and open('elsewhere/g.efi', 'rb').read() == data, f'not reproducible: {err}')
    rc, _, _ = run('fuki', '-o', 'e.efi', 'qemu-snp.igvm', env={'SOURCE_DATE_EPOCH': '1700000000'})
    check(rc == 0 and pefile.PE('e.efi').FILE_HEADER.TimeDateStamp == 1700000000, 'SOURCE_DATE_EPOCH')
    # A value that is not seconds, or beyond the 32-bit field, is refused, not taken as 0.
    for bad in ('abc', '4294967296', '-1'):
        rc, _, err = run('fuki', '-o', 'bad-sde.efi', 'qemu-snp.igvm', env={'SOURCE_DATE_EPOCH': bad})
        check(rc == 2 and 'SOURCE_DATE_EPOCH' in err and not os.path.exists('bad-sde.efi'),
              f'SOURCE_DATE_EPOCH={bad}: exit {rc} {err.strip()}')

    rc, _, err = run('fuki', '--arch', 'aa64', '-o', 'arm.efi', 'qemu-snp.igvm')
    arm, armdata = check_pe_invariants('arm.efi', 'aa64 add-on') if rc == 0 else (None, None)
    check(rc == 0 and arm.FILE_HEADER.Machine == 0xaa64, f'--arch aa64: {err}')
    if arm:
        # movz x0,#3; movk x0,#0x8000,lsl #48; ret (EFI_UNSUPPORTED)
        check(section_data(arm, arm.sections[0]) == bytes.fromhex('600080d20000f0f2c0035fd6'), 'aa64 entry code')

    # 3. --into: append to igvmkit's own add-on and to Debian's systemd stub.
    open('c.igvm', 'wb').write(mkigvm.igvm(9, 2))
    rc, _, err = run('fuki', '--into', 'f.efi', '-o', 'f2.efi', 'c.igvm')
    check(rc == 0, f'--into add-on: {err}')
    pe2, _ = check_pe_invariants('f2.efi', '--into add-on')
    check([s.Name.rstrip(b'\0') for s in pe2.sections][-1] == b'.efifw' and len(pe2.sections) == 9,
          '--into appends one section')
    check(open('f2.efi', 'rb').read()[:0x400] != data[:0x400], 'headers updated')
    expect_fail(['fuki', '--into', 'f.efi', '-o', 'dup.efi', 'qemu-snp.igvm'], 3,
                "already has a '.efifw' section for firmware id 'qemu-snp'", 'dup.efi', '--into duplicate fwid')
    expect_fail(['fuki', '--into', 'f.efi', '--hwids', 'hw', '-o', 'dup.efi', 'c.igvm'], 3,
                "already has a '.hwids' section", 'dup.efi', '--into second .hwids')
    # A signed base image: refused unless --unsign, which drops the signature.
    key = subprocess.run(['openssl', 'req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=t/',
                          '-keyout', 'k.pem', '-out', 'c.pem'], capture_output=True).returncode == 0
    if key:
        run('sign', '--key', 'k.pem', '--cert', 'c.pem', '-o', 'signed.efi', 'f.efi')
        expect_fail(['fuki', '--into', 'signed.efi', '-o', 'us.efi', 'c.igvm'], 3, 'is signed', 'us.efi',
                    '--into a signed image')
        rc, _, err = run('fuki', '--into', 'signed.efi', '--unsign', '-o', 'us.efi', 'c.igvm')
        check(rc == 0, f'--into --unsign: {err}')
        pe4, _ = check_pe_invariants('us.efi', '--into --unsign')
        check(pe4.OPTIONAL_HEADER.DATA_DIRECTORY[4].Size == 0, '--unsign leaves no certificate table')
        check(open('us.efi', 'rb').read() == open('f2.efi', 'rb').read(), '--unsign equals --into the unsigned image')
    if os.path.exists(DEBIAN_STUB):
        rc, _, err = run('fuki', '--into', DEBIAN_STUB, '--cmdline', 'quiet', '-o', 'uki.efi', 'c.igvm')
        check(rc == 0, f'--into Debian stub: {err}')
        pe3, _ = check_pe_invariants('uki.efi', '--into Debian stub')
        check(pe3.FILE_HEADER.PointerToSymbolTable == 0 and pe3.FILE_HEADER.Characteristics & 8,
              'symbol table dropped, LOCAL_SYMS_STRIPPED set')
        stub = pefile.PE(DEBIAN_STUB)
        check(len(pe3.sections) == len(stub.sections) + 2, '--into stub adds .cmdline and .efifw')
        check(pe3.sections[-1].VirtualAddress % stub.OPTIONAL_HEADER.SectionAlignment == 0, 'VA aligned')
        # Data after the symbol and string tables is not a symbol table: refused, not dropped.
        open('stub-overlay.efi', 'wb').write(open(DEBIAN_STUB, 'rb').read() + b'OVERLAY!')
        expect_fail(['fuki', '--into', 'stub-overlay.efi', '-o', 'uki2.efi', 'c.igvm'], 3,
                    'follow the last section', 'uki2.efi', '--into a stub with overlay data')
        expect_fail(['fuki', '--into', DEBIAN_STUB, '--sbat', 'x', '-o', 'uki2.efi', 'c.igvm'], 3,
                    "already has a '.sbat' section", 'uki2.efi', '--sbat on a stub with .sbat')
    else:
        print('note: systemd-boot-efi not installed; --into a systemd stub not tested')

    # 4. Bad input: clear message, documented exit code, nothing written, old output untouched.
    bad = bytearray(a)
    bad[0x3c] ^= 1  # PAGE_DATA gpa, inside the CRC-covered headers
    open('badcrc.igvm', 'wb').write(bad)
    open('out.efi', 'wb').write(b'old')
    expect_fail(['fuki', '-o', 'out.efi', 'badcrc.igvm'], 3, 'checksum', 'out.efi', 'bad IGVM CRC')
    open('notigvm.bin', 'wb').write(b'\x55' * 5000)
    expect_fail(['fuki', '-o', 'out.efi', 'notigvm.bin'], 3, "'IGVM' magic", 'out.efi', 'not an IGVM')
    rc, _, _ = run('fuki', '--any-payload', '-o', 'any.efi', 'notigvm.bin')
    check(rc == 0, '--any-payload accepts other firmware')
    expect_fail(['fuki', '--fwid', 'x', '--fwid', 'x', '-o', 'out.efi', 'qemu-snp.igvm', 'b.igvm'], 3,
                "firmware id 'x' is used twice", 'out.efi', 'duplicate fwid')
    expect_fail(['fuki', '--hwids', 'hw/b.json', '-o', 'out.efi', 'qemu-snp.igvm'], 3,
                "names firmware id 'cloud'", 'out.efi', 'hwids names a missing fwid')
    open('broken.json', 'w').write('{\n  "type": "uefi-fw",\n  "name": [1,\n')
    expect_fail(['fuki', '--hwids', 'broken.json', '-o', 'out.efi', 'qemu-snp.igvm'], 3,
                'broken.json:line', 'out.efi', 'malformed JSON')
    json.dump({'type': 'uefi-fw', 'name': 'n', 'fwid': 'qemu-snp', 'hwids': chids, 'extra': 1}, open('unk.json', 'w'))
    expect_fail(['fuki', '--hwids', 'unk.json', '-o', 'out.efi', 'qemu-snp.igvm'], 3,
                "unknown key 'extra'", 'out.efi', 'unknown JSON key')
    json.dump({'type': 'uefi-fw', 'name': 'n', 'fwid': 'qemu-snp', 'hwids': ['not-a-guid']}, open('g.json', 'w'))
    expect_fail(['fuki', '--hwids', 'g.json', '-o', 'out.efi', 'qemu-snp.igvm'], 3,
                "'not-a-guid' is not a CHID", 'out.efi', 'bad CHID')
    expect_fail(['fuki', '--sbat', 'x', '--no-sbat', '-o', 'out.efi', 'qemu-snp.igvm'], 2, 'exclude', 'out.efi',
                'conflicting options')
    expect_fail(['fuki', '-o', 'no/such/dir/out.efi', 'qemu-snp.igvm'], 4, 'no/such/dir', None, 'missing output dir')
    expect_fail(['fuki', '-o', 'out.efi', 'missing.igvm'], 4, 'missing.igvm', 'out.efi', 'missing input')

    # 5. The PE reader rejects malformed images, naming the place (via `igvmkit digest`).
    good = open('f.efi', 'rb').read()
    e_lfanew = struct.unpack_from('<I', good, 0x3c)[0]
    table = e_lfanew + 24 + 0xf0

    def mutate(name, fn):
        d = bytearray(good)
        fn(d)
        open(name, 'wb').write(d)
        return name

    def sec_field(d, i, off, v):
        struct.pack_into('<I', d, table + 40 * i + off, v)

    cases = [
        (mutate('trunc.efi', lambda d: d.__delitem__(slice(3000, None))), 'inside the'),
        (mutate('rawovl.efi', lambda d: sec_field(d, 6, 20, struct.unpack_from('<I', d, table + 40 * 5 + 20)[0])),
         'overlaps the previous section'),
        (mutate('vaovl.efi', lambda d: sec_field(d, 6, 12, struct.unpack_from('<I', d, table + 40 * 5 + 12)[0])),
         'overlaps the previous section'),
        (mutate('past.efi', lambda d: sec_field(d, 7, 16, 0x100000)), "section 7 ('.sbat')"),
        (mutate('nomz.efi', lambda d: d.__setitem__(0, 0x4e)), "'MZ'"),
        (mutate('lfanew.efi', lambda d: struct.pack_into('<I', d, 0x3c, 0x7fffffff)), 'e_lfanew'),
        (mutate('nosec.efi', lambda d: struct.pack_into('<H', d, e_lfanew + 6, 0)), 'NumberOfSections 0'),
        (mutate('certtab.efi', lambda d: struct.pack_into('<II', d, e_lfanew + 24 + 112 + 32, 0x400, 16)),
         'certificate table'),
        (mutate('nra.efi', lambda d: struct.pack_into('<I', d, e_lfanew + 24 + 108, 17)), 'NumberOfRvaAndSizes'),
    ]
    for name, needle in cases:
        expect_fail(['digest', name], 3, needle, None, f'PE reader: {name}')
        expect_fail(['fuki', '--into', name, '-o', 'out.efi', 'c.igvm'], 3, name, 'out.efi', f'--into {name}')

    shutil.rmtree(work)
    if FAILS:
        print(f'{len(FAILS)} check(s) failed')
        return 1
    print('all fuki checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
