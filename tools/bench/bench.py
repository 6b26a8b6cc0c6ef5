#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks of docs/performance.md (issue 8), each a ratio measured in one run.

  bench.py build4  [--ik IGVMKIT] [--runs N] [--all-refs]
                                                  four-platform build vs its hash passes
  bench.py payload [--ik IGVMKIT] [--runs N] [--sizes 128,256,512]
                                                  build with a raw payload: peak RSS, linearity
  bench.py vcpus   [--ik IGVMKIT] [--runs N]      SNP measurement, 512 vCPUs vs 1 vCPU
  bench.py fuki-payload [--ik IGVMKIT] [--runs N] [--sizes 128,256,512]
                                                  fuki, sign and verify of a large IGVM: peak RSS,
                                                  linearity, against `openssl dgst -sha256`

Every child is timed with os.wait4: wall-clock time, CPU time (user + system) and peak RSS
(ru_maxrss, the figure `/usr/bin/time -v` prints as "Maximum resident set size").  The
commands being compared run alternately, so both see the same machine load, and the median
of the per-round ratios is reported.  On a machine shared with other work the CPU-time ratio
is the steadier figure; both are printed.  Exit status 1 when a target is missed.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OVMF = '/usr/share/ovmf/OVMF.fd'


class Run:
    def __init__(self, wall, cpu, rss_kib, rc):
        self.wall, self.cpu, self.rss_kib, self.rc = wall, cpu, rss_kib, rc


def timed(cmd, cwd=None):
    """Runs CMD (output discarded) and returns its wall time, CPU time and peak RSS."""
    with open(os.devnull, 'wb') as null:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        err = p.stderr.read().decode(errors='replace')
        p.stderr.close()
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f'command failed (exit {p.returncode}): {" ".join(cmd)}\n{err}')
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode)


def total(runs):
    return Run(sum(r.wall for r in runs), sum(r.cpu for r in runs), max(r.rss_kib for r in runs), 0)


def med(xs):
    return statistics.median(xs)


def machine():
    ossl = subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()
    load = open('/proc/loadavg').read().split()[0]
    model = ''
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            model = line.split(':', 1)[1].strip()
            break
    return (f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {os.cpu_count()} CPUs ({model}), '
            f'load average {load}, {ossl}')


def make_key(d):
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=bench',
                    '-days', '2', '-keyout', os.path.join(d, 'db.key'), '-out', os.path.join(d, 'db.crt')],
                   check=True, capture_output=True)


def default_layout(all_refs=False):
    """The shipped default layout (layouts/default.yaml: Debian's OVMF.fd for sev-snp, tdx,
    sev-es and native), written out in full so the benchmark needs no include."""
    refs = ('  vcpus: [1, 2, 4, 8]\n  vcpu-types: [EPYC-v4, EPYC-Milan, EPYC-Genoa]\n' if all_refs
            else '  vcpus: [4]\n  vcpu-types: [EPYC-v4]\n')
    return ('platforms:\n'
            '  sev-snp: {policy: 0x30000}\n'
            '  tdx: {policy: 0x2}\n'
            '  sev-es:\n'
            '  native:\n'
            f'measure:\n  loader: qemu\n  vmm: [qemu]\n{refs}'
            'components:\n'
            f'  ovmf: {{type: ovmf, file: {OVMF}}}\n')


def bench_build4(a, d):
    """(b) `igvmkit build` of the default layout (Debian OVMF.fd for sev-snp, tdx, sev-es and
    native) with one reference measurement per measured platform (4 vCPUs, EPYC-v4; --all-refs:
    the shipped 25, every vCPU count and type), plus a FUKI add-on signed with an RSA-2048 key,
    against the hash passes such a build needs at least: SHA-384 of the ROM twice (SNP pages,
    TDX MRTD), SHA-256 of the ROM (SEV-ES), SHA-256 of the IGVM (the measurements JSON names it)
    and of the add-on (Authenticode), as two `openssl dgst` processes."""
    make_key(d)
    with open(os.path.join(d, 'bench.yaml'), 'w') as f:
        f.write(default_layout(a.all_refs) +
                'outputs:\n'
                '  igvm: bench.igvm\n'
                '  measurements: bench.measurements.json\n'
                '  fuki: bench.efi\n'
                f'  sign: {{key: {d}/db.key, cert: {d}/db.crt}}\n')
    out = os.path.join(d, 'out')
    build = [a.ik, 'build', '-q', '-o', out, os.path.join(d, 'bench.yaml')]
    refs = '25 reference measurements' if a.all_refs else '3 reference measurements'
    timed(build)  # warm up, and make the IGVM and PE the hash passes read
    igvm, efi = os.path.join(out, 'bench.igvm'), os.path.join(out, 'bench.efi')
    passes = [['openssl', 'dgst', '-sha384', OVMF, OVMF], ['openssl', 'dgst', '-sha256', OVMF, igvm, efi]]
    rows = []
    for _ in range(a.runs):
        b = timed(build)
        h = total([timed(c) for c in passes])
        rows.append((b, h))
    wall = med([b.wall / h.wall for b, h in rows])
    cpu = med([b.cpu / h.cpu for b, h in rows])
    print(f'build4: igvmkit build (4 platforms, {refs}, FUKI, signature): median wall '
          f'{med([b.wall for b, _ in rows]) * 1e3:.1f} ms, CPU {med([b.cpu for b, _ in rows]) * 1e3:.1f} ms')
    print(f'build4: hash passes (openssl dgst, 5 files): median wall '
          f'{med([h.wall for _, h in rows]) * 1e3:.1f} ms, CPU {med([h.cpu for _, h in rows]) * 1e3:.1f} ms')
    print(f'build4: median ratio wall {wall:.2f}, CPU {cpu:.2f} (target <= 2), {a.runs} rounds')
    return cpu <= 2.0


def bench_payload(a, d):
    """(c) `igvmkit build` of the default layout (one reference measurement per platform) plus a
    raw component of random bytes at 16 MiB (every platform loads it, measured): peak RSS against the payload size (target:
    at most payload + 64 MiB) and time against size (target: linear, so time per MiB flat
    across 128, 256 and 512 MiB)."""
    sizes = [int(s) for s in a.sizes.split(',')]
    layouts = {}
    for mib in sizes:
        payload = os.path.join(d, f'payload-{mib}.bin')
        with open(payload, 'wb') as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
        layouts[mib] = os.path.join(d, f'payload-{mib}.yaml')
        with open(layouts[mib], 'w') as f:
            f.write(default_layout() +
                    f'  payload: {{type: raw, file: {payload}, address: 0x1000000}}\n'
                    f'outputs: {{igvm: payload-{mib}.igvm, measurements: payload-{mib}.json}}\n')
    res = {mib: [] for mib in sizes}
    for _ in range(a.runs):
        for mib in sizes:  # alternate sizes within a round
            res[mib].append(timed([a.ik, 'build', '-q', '-o', os.path.join(d, 'out'), layouts[mib]]))
            os.unlink(os.path.join(d, 'out', f'payload-{mib}.igvm'))
    ok = True
    base = None
    for mib in sizes:
        rss = max(r.rss_kib for r in res[mib]) / 1024
        wall = med([r.wall for r in res[mib]])
        cpu = med([r.cpu for r in res[mib]])
        if base is None:
            base = (mib, cpu, wall)
        over = rss - mib
        ok &= over <= 64
        print(f'payload {mib:4d} MiB: peak RSS {rss:7.1f} MiB (payload + {over:6.1f} MiB, target <= +64), '
              f'wall {wall:6.2f} s, CPU {cpu:6.2f} s = {cpu / mib * 1e3:5.1f} ms/MiB, '
              f'CPU ratio to {base[0]} MiB {cpu / base[1]:.2f} (size ratio {mib / base[0]:.0f})')
    last = sizes[-1]
    lin = (med([r.cpu for r in res[last]]) / last) / (base[1] / base[0])
    print(f'payload: CPU time per MiB at {last} MiB / at {base[0]} MiB = {lin:.2f} (linear: about 1)')
    return ok and lin <= 1.25


def write_igvm(path, mib):
    """Writes a valid IGVM file of about MIB MiB independently of igvmkit (the layout of
    tests/fuki/mkigvm.py, igvm.md section 1.13): one NATIVE platform and 4 KiB PAGE_DATA pages
    of random bytes (no two alike, so nothing is de-duplicated), streamed to disk."""
    import struct
    import zlib
    pages = mib * 254  # 254 pages + their 254 32-byte headers fill a MiB
    plat_body = bytes.fromhex('01000000' '00' '00' '0100' '0000000000000000')
    headers = bytearray(struct.pack('<II', 0x001, 16) + plat_body)
    data_start = 24 + len(headers) + pages * 32
    for i in range(pages):
        body = struct.pack('<QIIIHH', 0x1000 * (i + 1), 1, data_start + 4096 * i, 0, 0, 0)
        headers += struct.pack('<II', 0x302, 24) + body
    total_size = data_start + 4096 * pages
    fixed = struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total_size, 0)
    crc = zlib.crc32(fixed + headers) & 0xffffffff
    with open(path, 'wb') as f:
        f.write(struct.pack('<IIIIII', 0x4D564749, 1, 24, len(headers), total_size, crc) + headers)
        for i in range(0, pages, 256):
            f.write(os.urandom(4096 * min(256, pages - i)))
    return total_size


def drop_cache(path):
    """Evicts PATH from the page cache (as far as the kernel agrees), so each run reads its
    input the same way; peak RSS counts the mapped input's pages either way."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def bench_fuki_payload(a, d):
    """(c′) the FUKI and signing steps on their own, for an IGVM of 128, 256 and 512 MiB:
    `igvmkit fuki` (wrap it as an add-on), `igvmkit sign` (RSA-2048, SHA-256) of that add-on
    and `igvmkit verify` of the signed file.  Target for each: peak RSS at most its input's
    size + 64 MiB, and time linear in size (CPU per MiB flat across sizes).  For scale,
    `openssl dgst -sha256` of the same input (one hash pass; fuki and sign hash and write,
    verify hashes once per signature)."""
    make_key(d)
    key, crt = os.path.join(d, 'db.key'), os.path.join(d, 'db.crt')
    sizes = [int(s) for s in a.sizes.split(',')]
    igvm, efi, signed = {}, {}, {}
    for mib in sizes:
        igvm[mib] = os.path.join(d, f'p{mib}.igvm')
        efi[mib] = os.path.join(d, f'p{mib}.efi')
        signed[mib] = os.path.join(d, f'p{mib}.signed.efi')
        write_igvm(igvm[mib], mib)
        timed([a.ik, 'fuki', '-o', efi[mib], igvm[mib]])
        timed([a.ik, 'sign', '--key', key, '--cert', crt, '-o', signed[mib], efi[mib]])
    steps = {
        'fuki': lambda m: ([a.ik, 'fuki', '-o', efi[m], igvm[m]], igvm[m]),
        'sign': lambda m: ([a.ik, 'sign', '--key', key, '--cert', crt, '-o', signed[m], efi[m]], efi[m]),
        'verify': lambda m: ([a.ik, 'verify', '--cert', crt, signed[m]], signed[m]),
    }
    res = {(s, m): [] for s in steps for m in sizes}
    ref = {m: [] for m in sizes}
    for _ in range(a.runs):
        for m in sizes:
            for s, mk in steps.items():
                cmd, inp = mk(m)
                drop_cache(inp)
                res[(s, m)].append((timed(cmd), os.path.getsize(inp)))
            ref[m].append(timed(['openssl', 'dgst', '-sha256', signed[m]]))
    ok = True
    for s in steps:
        base = None
        for m in sizes:
            runs = [r for r, _ in res[(s, m)]]
            size = res[(s, m)][0][1] / (1 << 20)
            rss = max(r.rss_kib for r in runs) / 1024
            wall, cpu = med([r.wall for r in runs]), med([r.cpu for r in runs])
            dg = med([r.cpu for r in ref[m]])
            if base is None:
                base = cpu / size
            ok &= rss - size <= 64
            print(f'{s:6s} {m:4d} MiB: input {size:6.1f} MiB, peak RSS {rss:7.1f} MiB (input + {rss - size:5.1f} '
                  f'MiB, target <= +64), wall {wall:6.2f} s, CPU {cpu:6.2f} s = {cpu / size * 1e3:5.2f} ms/MiB '
                  f'(x{cpu / size / base:.2f} of {sizes[0]} MiB), CPU / openssl dgst -sha256 {cpu / dg:.2f}')
        lin = (cpu / size) / base
        ok &= lin <= 1.25
    return ok


def bench_vcpus(a, d):
    """(d) `igvmkit measure --platform sev-snp` with 512 vCPUs against 1 vCPU, on Debian's
    OVMF.fd as a ROM and on the IGVM the default layout builds from it."""
    out = os.path.join(d, 'out')
    timed([a.ik, 'build', '-q', '--no-measurements', '-o', out])
    ok = True
    for what, path in (('OVMF.fd (ROM)', OVMF), ('ovmf.igvm (IGVM)', os.path.join(out, 'ovmf.igvm'))):
        one = [a.ik, 'measure', '--platform', 'sev-snp', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', path]
        many = [a.ik, 'measure', '--platform', 'sev-snp', '--vcpus', '512', '--vcpu-type', 'EPYC-v4', path]
        timed(one)
        rows = [(timed(many), timed(one)) for _ in range(a.runs)]
        wall = med([m.wall / o.wall for m, o in rows])
        cpu = med([m.cpu / o.cpu for m, o in rows])
        ok &= cpu <= 2.0
        print(f'vcpus {what}: 512 vCPUs median wall {med([m.wall for m, _ in rows]) * 1e3:.1f} ms '
              f'CPU {med([m.cpu for m, _ in rows]) * 1e3:.1f} ms; 1 vCPU wall '
              f'{med([o.wall for _, o in rows]) * 1e3:.1f} ms CPU {med([o.cpu for _, o in rows]) * 1e3:.1f} ms; '
              f'median ratio wall {wall:.2f}, CPU {cpu:.2f} (target <= 2)')
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('which', choices=['build4', 'payload', 'vcpus', 'fuki-payload'])
    p.add_argument('--ik', default=os.path.join(REPO, 'build', 'igvmkit'))
    p.add_argument('--runs', type=int, default=11)
    p.add_argument('--sizes', default='128,256,512', help='payload sizes in MiB (payload, fuki-payload)')
    p.add_argument('--all-refs', action='store_true',
                   help='build4: keep the default layout\'s 25 reference measurements')
    a = p.parse_args()
    a.ik = os.path.abspath(a.ik)
    if not os.access(a.ik, os.X_OK):
        sys.exit(f"igvmkit binary '{a.ik}' not found (build it, or pass --ik)")
    if not os.path.exists(OVMF) or not shutil.which('openssl'):
        sys.exit(f'needs {OVMF} (package ovmf) and openssl')
    print('machine:', machine())
    d = tempfile.mkdtemp(prefix='ik-bench-')
    try:
        ok = {'build4': bench_build4, 'payload': bench_payload, 'vcpus': bench_vcpus,
              'fuki-payload': bench_fuki_payload}[a.which](a, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
