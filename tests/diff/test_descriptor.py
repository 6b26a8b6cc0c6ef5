#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""igvmkit descriptor: the JSON is checked member by member against QEMU's
docs/interop/firmware.json schema, features are derived from the IGVM platforms, and bad
inputs fail cleanly without leaving an output file.

Schema facts (QEMU docs/interop/firmware.json as of the 2025-11 QAPI doc refill, which
already carries FirmwareDevice 'igvm' and FirmwareMappingIgvm, "Since: 10.1"):
  struct Firmware: description str, interface-types [FirmwareOSInterface],
    mapping FirmwareMapping, targets [FirmwareTarget], features [FirmwareFeature],
    tags [str] -- all members mandatory
  union FirmwareMapping: base {device: FirmwareDevice}; 'igvm' -> FirmwareMappingIgvm {filename}
  struct FirmwareTarget: architecture FirmwareArchitecture, machines [str]
usage: test_descriptor.py IGVMKIT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_igvm  # noqa: E402

IK = os.path.abspath(sys.argv[1])
REQUIRED = ['description', 'interface-types', 'mapping', 'targets', 'features', 'tags']
OS_INTERFACES = {'bios', 'openfirmware', 'uboot', 'uefi'}
ARCHITECTURES = {'aarch64', 'arm', 'i386', 'loongarch64', 'riscv64', 'x86_64'}
# FirmwareFeature in enum order, as of the 'host-uefi-vars' addition (qemu-devel, 2025):
FEATURES = ['acpi-s3', 'acpi-s4', 'amd-sev', 'amd-sev-es', 'amd-sev-snp', 'intel-tdx',
            'enrolled-keys', 'requires-smm', 'secure-boot', 'host-uefi-vars', 'verbose-dynamic',
            'verbose-static']
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def validate(doc, what):
    """Field-by-field check against the schema; returns the document."""
    check(isinstance(doc, dict), f'{what}: top level is an object')
    check(list(doc) == REQUIRED, f'{what}: members {list(doc)} are exactly {REQUIRED} in order')
    check(isinstance(doc.get('description'), str) and doc['description'],
          f'{what}: description is a non-empty string')
    it = doc.get('interface-types')
    check(isinstance(it, list) and it and all(x in OS_INTERFACES for x in it),
          f'{what}: interface-types is a non-empty list of FirmwareOSInterface: {it}')
    m = doc.get('mapping', {})
    check(m.get('device') == 'igvm', f'{what}: mapping.device is igvm')
    check(set(m) == {'device', 'filename'}, f'{what}: FirmwareMappingIgvm has only filename')
    check(isinstance(m.get('filename'), str) and m['filename'].startswith('/'),
          f'{what}: mapping.filename is an absolute path')
    t = doc.get('targets')
    check(isinstance(t, list) and t, f'{what}: targets is a non-empty list')
    for tgt in t or []:
        check(set(tgt) == {'architecture', 'machines'}, f'{what}: FirmwareTarget members')
        check(tgt.get('architecture') in ARCHITECTURES, f'{what}: architecture {tgt}')
        check(isinstance(tgt.get('machines'), list) and tgt['machines'] and
              all(isinstance(x, str) and x for x in tgt['machines']), f'{what}: machines')
    f = doc.get('features')
    check(isinstance(f, list) and all(x in FEATURES for x in f),
          f'{what}: features are FirmwareFeature values: {f}')
    check(f == sorted(set(f), key=FEATURES.index), f'{what}: features once each, schema order')
    check(not ('verbose-dynamic' in f and 'verbose-static' in f),
          f'{what}: verbose-dynamic and verbose-static are exclusive')
    tags = doc.get('tags')
    check(isinstance(tags, list) and all(isinstance(x, str) for x in tags), f'{what}: tags')
    return doc


def descriptor(*args):
    res = subprocess.run([IK, 'descriptor', *args], capture_output=True, text=True)
    return res.returncode, res.stdout, res.stderr


def write(name, headers):
    with open(name, 'wb') as f:
        f.write(gen_igvm.build(headers))
    return os.path.abspath(name)


def debian_cross_check():
    """Debian's ovmf package ships descriptors written by edk2's packagers: they must use the
    same members in the same order and only features from the same vocabulary, which checks
    REQUIRED and FEATURES above against an independent producer."""
    d = '/usr/share/qemu/firmware'
    files = sorted(f for f in os.listdir(d) if f.endswith('.json')) if os.path.isdir(d) else []
    if not files:
        print('SKIP: no /usr/share/qemu/firmware descriptors (Debian package ovmf)')
        return
    for name in files:
        doc = json.load(open(os.path.join(d, name)))
        check(list(doc) == REQUIRED, f'Debian {name}: members {list(doc)}')
        check(all(x in FEATURES for x in doc.get('features', [])),
              f'Debian {name}: features {doc.get("features")} within the schema list')
        check(all(x in OS_INTERFACES for x in doc.get('interface-types', [])),
              f'Debian {name}: interface types')
        check(all(t.get('architecture') in ARCHITECTURES for t in doc.get('targets', [])),
              f'Debian {name}: architectures')


def main():
    tmp = tempfile.mkdtemp(prefix='ik-desc-')
    g = gen_igvm
    try:
        os.chdir(tmp)
        base = write('base.igvm', g.base_headers())
        allp = write('all.igvm', [g.platform(0x1, g.SEV_SNP), g.platform(0x2, g.SEV_ES),
                                  g.platform(0x4, 4), g.platform(0x8, g.TDX),
                                  g.platform(0x10, g.NATIVE),
                                  g.page(0x1000, 0x1f, g.fill(0x11))])
        native = write('native.igvm', [g.platform(0x1, g.NATIVE), g.page(0x1000, 1, g.fill(1))])

        # derived from the platforms; default interface, target, description
        rc, out, err = descriptor(base, '-o', 'base.json')
        check(rc == 0, f'base: exit {rc} {err}')
        doc = validate(json.load(open('base.json')), 'base')
        check(doc['features'] == ['amd-sev-snp'], f'base: features {doc["features"]}')
        check(doc['mapping']['filename'] == base, 'base: filename is the IGVM path')
        check(doc['interface-types'] == ['uefi'], 'base: default interface uefi')
        check(doc['targets'] == [{'architecture': 'x86_64', 'machines': ['pc-q35-*']}],
              'base: default target x86_64 pc-q35-*')
        check(doc['description'] == 'IGVM firmware (SEV_SNP, NATIVE)', 'base: description')
        # the one tag igvmkit always adds: the release that wrote the file
        version = subprocess.run([IK, '--version'], stdout=subprocess.PIPE, text=True,
                                 check=True).stdout.split()[1]
        gen = f'generator=igvmkit {version}'
        check(doc['tags'] == [gen], f'base: tags hold only the generator: {doc["tags"]}')

        # every platform: TDX only on request (QEMU's IGVM loader has no TDX support)
        rc, out, _ = descriptor(allp, '-o', '-')
        doc = validate(json.loads(out), 'all')
        check(doc['features'] == ['amd-sev', 'amd-sev-es', 'amd-sev-snp'],
              f'all: features {doc["features"]}')
        if os.path.exists('/dev/full'):
            # '-o -' on a full disk: an I/O error naming standard output, not success
            with open('/dev/full', 'w') as full:
                res = subprocess.run([IK, 'descriptor', allp, '-o', '-'], stdout=full,
                                     stderr=subprocess.PIPE, text=True)
            check(res.returncode == 4 and 'cannot write to standard output' in res.stderr,
                  f'-o - on /dev/full: exit {res.returncode}, {res.stderr.strip()!r}')
        rc, out, _ = descriptor(allp, '--tdx', '-o', '-')
        doc = validate(json.loads(out), 'all --tdx')
        check(doc['features'] == ['amd-sev', 'amd-sev-es', 'amd-sev-snp', 'intel-tdx'],
              f'all --tdx: features {doc["features"]}')
        rc, out, _ = descriptor(native, '-o', '-')
        check(validate(json.loads(out), 'native')['features'] == [], 'native: no features')

        # options; feature order does not depend on the command line
        opts = ['--filename', '/usr/share/igvmkit/qemu-snp.igvm', '--description', 'igvmkit SNP',
                '--interface', 'uefi', '--target', 'x86_64:pc-q35-*,pc-i440fx-*',
                '--tag', 'layout=qemu', '--tag', 'SOURCE_DATE_EPOCH=0']
        rc1, out1, _ = descriptor(base, *opts, '--feature', 'verbose-dynamic', '--feature',
                                  'secure-boot', '--feature', 'enrolled-keys', '-o', '-')
        rc2, out2, _ = descriptor(base, *opts, '--feature', 'enrolled-keys', '--feature',
                                  'secure-boot', '--feature', 'verbose-dynamic',
                                  '--feature', 'secure-boot', '-o', '-')
        check(rc1 == 0 and out1 == out2, 'feature order and repeats do not change the output')
        doc = validate(json.loads(out1), 'options')
        check(doc['features'] == ['amd-sev-snp', 'enrolled-keys', 'secure-boot',
                                  'verbose-dynamic'], f'options: features {doc["features"]}')
        check(doc['targets'][0]['machines'] == ['pc-q35-*', 'pc-i440fx-*'], 'options: machines')
        check(doc['tags'] == ['layout=qemu', 'SOURCE_DATE_EPOCH=0', gen],
              'options: tags in order, the generator last')
        check(doc['mapping']['filename'] == '/usr/share/igvmkit/qemu-snp.igvm',
              'options: --filename')
        rc, out, _ = descriptor(base, '--no-platform-features', '-o', '-')
        check(json.loads(out)['features'] == [], '--no-platform-features')

        # bad inputs: clear error, no output left behind
        with open('junk.bin', 'wb') as f:
            f.write(b'not an igvm file at all' * 10)
        with open('trunc.igvm', 'wb') as f:
            f.write(open(base, 'rb').read()[:100])
        for args, code, text in (
                (['junk.bin', '--filename', '/x.igvm'], 3, 'junk.bin'),
                (['trunc.igvm', '--filename', '/x.igvm'], 3, 'trunc.igvm'),
                (['missing.igvm', '--filename', '/x.igvm'], 4, 'missing.igvm'),
                ([base, '--feature', 'no-such-feature'], 2, 'no-such-feature'),
                ([base, '--interface', 'efi'], 2, 'efi'),
                ([base, '--target', 'x86_64'], 2, 'ARCH:MACHINE'),
                ([base, '--target', 'sparc:sun4m'], 3, 'sparc'),
                ([base, '--feature', 'verbose-static', '--feature', 'verbose-dynamic'], 3,
                 'mutually exclusive'),
                (['base.igvm'], 2, '--filename'),
                ([base, '--filename', 'relative.igvm'], 3, 'absolute path')):
            rc, out, err = descriptor(*args, '-o', 'bad.json')
            check(rc == code, f'{args}: exit {rc}, expected {code}: {err.strip()}')
            check(text in err, f'{args}: message names {text!r}: {err.strip()}')
            check(not os.path.exists('bad.json'), f'{args}: no output file left')
        rc, _, err = descriptor(base)
        check(rc == 2 and '-o' in err, 'missing -o is a usage error')
        debian_cross_check()
    finally:
        os.chdir('/')
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{checks} checks, {len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
