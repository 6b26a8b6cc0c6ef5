#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks of docs/performance.md (issue 8), each a ratio measured in one run.

  bench.py build4  [--ik IGVMKIT] [--runs N] [--all-refs]
                                                  four-platform build vs its hash passes
  bench.py payload [--ik IGVMKIT] [--runs N] [--sizes 128,256,512]
                                                  build with a raw payload: peak RSS, linearity
  bench.py vcpus   [--ik IGVMKIT] [--runs N]      SNP measurement, 512 vCPUs vs 1 vCPU

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
    p.add_argument('which', choices=['build4', 'payload', 'vcpus'])
    p.add_argument('--ik', default=os.path.join(REPO, 'build', 'igvmkit'))
    p.add_argument('--runs', type=int, default=11)
    p.add_argument('--sizes', default='128,256,512', help='payload sizes in MiB (payload only)')
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
        ok = {'build4': bench_build4, 'payload': bench_payload, 'vcpus': bench_vcpus}[a.which](a, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
