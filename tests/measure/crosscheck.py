#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Second check of `igvmkit measure` on raw ROMs: every case is computed both by igvmkit and
by the independent snp_ref.py, over vCPU counts, vCPU types, guest features, VMM models,
kernel-hash inputs and TDX orders, on synthetic ROMs built here and on Debian's OVMF.fd
(and the shared AmdSev fixture) when present.

    crosscheck.py IGVMKIT [SHARED_DATA_DIR]
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rom_fixtures  # noqa: E402
import snp_ref  # noqa: E402

# QEMU -cpu name -> signature, written out from the family/model/stepping table of measure.md §2.4.
VCPU_TYPES = {"EPYC": 0x00800F12, "EPYC-v4": 0x00800F12, "EPYC-Rome-v2": 0x00830F10,
              "EPYC-Milan": 0x00A00F11, "EPYC-Genoa-v1": 0x00A10F10, "EPYC-Turin": 0x00B00F00}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout.strip().splitlines()[-1]


class Args:
    def __init__(self, **kw):
        self.platform, self.vcpus, self.vcpu_sig, self.vmm = "sev-snp", 1, 0, "qemu"
        self.guest_features, self.kernel, self.initrd, self.append = 1, None, None, None
        self.tdx_order, self.rom = "single", None
        self.__dict__.update(kw)


def cases(rom, has_kernel_hashes, has_tdvf):
    for platform in ("sev-snp", "sev-es"):
        for vcpus in (1, 2, 3, 8, 64, 512):
            for vtype, sig in VCPU_TYPES.items():
                if vcpus > 8 and vtype not in ("EPYC-v4", "EPYC-Milan"):
                    continue
                yield dict(platform=platform, vcpus=vcpus, vcpu_type=vtype, vcpu_sig=sig)
        for vmm in ("ec2", "gce"):
            yield dict(platform=platform, vcpus=3, vmm=vmm)
    for features in (0x0, 0x1, 0x21, 0x5, 0xC021, 0xFFFFFFFFFFFFFFFF):
        yield dict(platform="sev-snp", vcpus=2, vcpu_type="EPYC-Milan", vcpu_sig=0x00A00F11,
                   guest_features=features)
    yield dict(platform="sev")
    if has_tdvf:
        yield dict(platform="tdx")
        yield dict(platform="tdx", tdx_order="two-pass")
    if has_kernel_hashes:
        for kw in (dict(kernel="k"), dict(kernel="k", initrd="i"), dict(kernel="k", append="console=ttyS0 quiet"),
                   dict(kernel="k", initrd="i", append="")):
            for platform in ("sev-snp", "sev-es", "sev"):
                for vmm in ("qemu", "gce"):
                    yield dict(platform=platform, vcpus=2, vcpu_type="EPYC-v4", vcpu_sig=0x00800F12, vmm=vmm, **kw)


def main():
    igvmkit = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = tempfile.mkdtemp(prefix="ik-crosscheck-")
    files = {"k": os.path.join(tmp, "kernel"), "i": os.path.join(tmp, "initrd")}
    with open(files["k"], "wb") as f:
        f.write(bytes(range(256)) * 1000 + b"tail")
    with open(files["i"], "wb") as f:
        f.write(b"initrd\n" * 333)
    roms = []
    for name in ("rom-all-sections", "rom-no-hash-area"):
        path = os.path.join(tmp, name + ".fd")
        with open(path, "wb") as f:
            f.write(rom_fixtures.FIXTURES[name]())
        roms.append((path, name == "rom-all-sections", True))
    if os.path.exists("/usr/share/ovmf/OVMF.fd"):
        roms.append(("/usr/share/ovmf/OVMF.fd", False, True))
    if shared and os.path.exists(os.path.join(shared, "ovmf_AmdSev_suffix.bin")):
        roms.append((os.path.join(shared, "ovmf_AmdSev_suffix.bin"), True, False))

    checked = failed = 0
    for path, hashes, tdvf in roms:
        for case in cases(path, hashes, tdvf):
            args = Args(rom=path, **{k: v for k, v in case.items() if k != "vcpu_type"})
            cmd = [igvmkit, "measure", "--platform", case["platform"]]
            if "vcpus" in case:
                cmd += ["--vcpus", str(case["vcpus"])]
            if "vcpu_type" in case:
                cmd += ["--vcpu-type", case["vcpu_type"]]
            if "vmm" in case:
                cmd += ["--vmm", case["vmm"]]
            if "guest_features" in case:
                cmd += ["--guest-features", hex(case["guest_features"])]
            if "tdx_order" in case:
                cmd += ["--tdx-order", case["tdx_order"]]
            for opt in ("kernel", "initrd"):
                if opt in case:
                    setattr(args, opt, files[case[opt]])
                    cmd += ["--" + opt, files[case[opt]]]
            if "append" in case:
                cmd += ["--append", case["append"]]
            cmd.append(path)
            want = snp_ref.measure(args).hex()
            got = run(cmd)
            checked += 1
            if got != want:
                failed += 1
                print(f"MISMATCH {' '.join(cmd)}\n  igvmkit    {got}\n  snp_ref.py {want}")
    print(f"crosscheck: {checked} cases, {failed} mismatches, {len(roms)} ROMs")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
