#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent reference implementation of igvmkit's raw-ROM launch measurements.

Written from the published formats only (AMD SNP ABI PAGE_INFO, APM VMSA layout, QEMU's
OVMF footer table, SEV hashes table and TDVF metadata, as summarised in the research notes
measure.md sections 1-4), with nothing but the Python standard library, so that it shares
no code with the C implementation it checks.

    snp_ref.py measure --platform sev-snp|sev-es|sev|tdx [--vcpus N] [--vcpu-sig HEX]
                       [--vmm qemu|ec2|gce] [--guest-features HEX] [--kernel F]
                       [--initrd F] [--append S] [--tdx-order single|two-pass] ROM
    snp_ref.py selftest   (the measure.md §7 reference values; needs Debian's OVMF.fd)
"""
import argparse
import hashlib
import struct
import sys
import uuid

FOUR_GIB = 1 << 32
PAGE = 4096
KVM_VMSA_GPA = 0xFFFFFFFFF000


def guid(text):
    return uuid.UUID(text).bytes_le


FOOTER = guid("96b582de-1fb2-45f7-baea-a366c55a082d")
SEV_ES_RESET = guid("00f771de-1a7e-4fcb-890e-68c77e2fb44e")
HASH_AREA = guid("7255371f-3a3b-4b04-927b-1da6efa8d454")
ASEV_PTR = guid("dc886566-984a-4798-a75e-5585a7bf67cc")
TDVF_PTR = guid("e47a6535-984a-4798-865e-4685a7bf8ec2")


class Rom:
    def __init__(self, data):
        self.data = data
        self.n = len(data)
        self.gpa = FOUR_GIB - self.n
        self.table = {}
        if self.n >= 50 and data[self.n - 48:self.n - 32] == FOOTER:
            total = struct.unpack_from("<H", data, self.n - 50)[0]
            end, left = self.n - 50, total - 18
            while left >= 18:
                size = struct.unpack_from("<H", data, end - 18)[0]
                assert 18 <= size <= left, "bad footer entry"
                key = data[end - 16:end]
                if key not in self.table:
                    self.table[key] = data[end - size:end - 18]
                end -= size
                left -= size

    def u32(self, key, index=0):
        entry = self.table.get(key)
        return None if entry is None else struct.unpack_from("<I", entry, 4 * index)[0]

    def asev(self):
        off = self.u32(ASEV_PTR)
        if off is None:
            return None
        start = self.n - off
        sig, length, version, count = struct.unpack_from("<4sIII", self.data, start)
        assert sig == b"ASEV" and version == 1
        return [struct.unpack_from("<III", self.data, start + 16 + 12 * i) for i in range(count)]

    def tdvf(self):
        off = self.u32(TDVF_PTR)
        if off is None:
            return None
        start = self.n - off
        sig, length, version, count = struct.unpack_from("<4sIII", self.data, start)
        assert sig == b"TDVF" and version == 1 and length == 16 + 32 * count
        return [struct.unpack_from("<IIQQII", self.data, start + 16 + 32 * i) for i in range(count)]


# ---- QEMU's kernel hashes table ----

def hashes_table(kernel, initrd, append):
    cmdline = (append.encode() if append else b"") + b"\0"
    entries = [("97d02dd8-bd20-4c94-aa78-e7714d36ab2a", cmdline),
               ("44baf731-3a2f-4bd7-9af1-41e29169781d", initrd or b""),
               ("4de79437-abd2-427f-b835-d5b172d2045b", kernel)]
    body = b"".join(guid(g) + struct.pack("<H", 50) + hashlib.sha256(x).digest() for g, x in entries)
    table = guid("9438d606-4f22-4cc9-b479-a793d411fd21") + struct.pack("<H", 168) + body
    return table + bytes(176 - len(table))


# ---- VMSA ----

VMM = {  # cs attrib at reset vector, cs attrib elsewhere, ss, tr, fixed rdx, g_pat, mxcsr, fcw
    "qemu": (0x9B, 0x9B, 0x93, 0x8B, None, 0x0007040600070406, 0x1F80, 0x037F),
    "ec2": (0x9A, 0x9B, 0x92, 0x83, 0x600, 0x0007040600070406, 0, 0),
    "gce": (0x9B, 0x9B, 0x93, 0x8B, 0x600, 0x70106, 0, 0),
}


def vmsa(eip, features, sig, vmm):
    cs_bsp, cs_ap, ss, tr, rdx, pat, mxcsr, fcw = VMM[vmm]
    page = bytearray(PAGE)

    def seg(off, sel, attr, base):
        struct.pack_into("<HHIQ", page, off, sel, attr, 0xFFFF, base)

    for off, attr in ((0x00, 0x93), (0x20, ss), (0x30, 0x93), (0x40, 0x93), (0x50, 0x93),
                      (0x60, 0), (0x70, 0x82), (0x80, 0), (0x90, tr)):
        seg(off, 0, attr, 0)
    seg(0x10, 0xF000, cs_bsp if eip == 0xFFFFFFF0 else cs_ap, eip & 0xFFFF0000)
    for off, value in ((0xD0, 0x1000), (0x148, 0x40), (0x158, 0x10), (0x160, 0x400),
                       (0x168, 0xFFFF0FF0), (0x170, 2), (0x178, eip & 0xFFFF), (0x268, pat),
                       (0x310, sig if rdx is None else rdx), (0x3B0, features), (0x3E8, 1)):
        struct.pack_into("<Q", page, off, value)
    struct.pack_into("<I", page, 0x408, mxcsr)
    struct.pack_into("<H", page, 0x410, fcw)
    return bytes(page)


def vmsas(rom, vcpus, features, sig, vmm):
    ap = rom.u32(SEV_ES_RESET)
    assert ap is not None, "no SEV-ES reset block"
    return [vmsa(0xFFFFFFF0 if i == 0 else ap, features, sig, vmm) for i in range(vcpus)]


# ---- SNP ----

class Chain:
    def __init__(self):
        self.ld = bytes(48)

    def add(self, kind, gpa, page=None):
        contents = hashlib.sha384(page).digest() if page is not None else bytes(48)
        info = self.ld + contents + struct.pack("<HBBBBBBQ", 0x70, kind, 0, 0, 0, 0, 0, gpa)
        self.ld = hashlib.sha384(info).digest()


NORMAL, VMSA, ZERO, UNMEASURED, SECRETS, CPUID = 1, 2, 3, 4, 5, 6


def snp(rom, vcpus, sig, features, vmm, hashes):
    chain = Chain()
    for off in range(0, rom.n, PAGE):
        chain.add(NORMAL, rom.gpa + off, rom.data[off:off + PAGE])
    sections = rom.asev()
    assert sections is not None, "no ASEV"
    if hashes is not None:
        assert any(t == 0x10 for _, _, t in sections), "no SNP_KERNEL_HASHES section"

    def section(base, length, kind):
        pages = range(base, base + length, PAGE)
        if kind == 1:
            for g in pages:
                chain.add(UNMEASURED if vmm == "gce" else ZERO, g)
        elif kind in (2, 3):
            for g in pages:
                chain.add(SECRETS if kind == 2 else CPUID, g)
        elif kind == 0x10 and hashes is not None:
            buf = bytearray(length)
            at = rom.u32(HASH_AREA) & 0xFFF
            buf[at:at + 176] = hashes
            for g in pages:
                chain.add(NORMAL, g, bytes(buf[g - base:g - base + PAGE]))
        else:
            for g in pages:
                chain.add(ZERO, g)

    for base, length, kind in sections:
        if not (vmm == "ec2" and kind == 3):
            section(base, length, kind)
    if vmm == "ec2":
        for base, length, kind in sections:
            if kind == 3:
                section(base, length, kind)
    for page in vmsas(rom, vcpus, features, sig, vmm):
        chain.add(VMSA, KVM_VMSA_GPA, page)
    return chain.ld


def sev(rom, es, vcpus, sig, vmm, hashes):
    h = hashlib.sha256(rom.data)
    if hashes is not None:
        h.update(hashes)
    if es:
        for page in vmsas(rom, vcpus, 0, sig, vmm):
            h.update(page)
    return h.digest()


# ---- TDX ----

def tdx(rom, two_pass):
    h = hashlib.sha384()

    def add(gpa):
        h.update(b"MEM.PAGE.ADD".ljust(16, b"\0") + struct.pack("<Q", gpa) + bytes(104))

    def extend(gpa, page):
        for i in range(16):
            h.update(b"MR.EXTEND".ljust(16, b"\0") + struct.pack("<Q", gpa + 256 * i) + bytes(104))
            h.update(page[256 * i:256 * (i + 1)])

    for data_off, raw, gpa, size, kind, attrs in rom.tdvf():
        assert kind <= 3
        content = rom.data[data_off:data_off + raw] + bytes(size - raw)
        pages = [(gpa + k, content[k:k + PAGE]) for k in range(0, size, PAGE)]
        for g, page in pages:
            add(g)
            if attrs & 1 and not two_pass:
                extend(g, page)
        if attrs & 1 and two_pass:
            for g, page in pages:
                extend(g, page)
    return h.digest()


def measure(args):
    rom = Rom(open(args.rom, "rb").read())
    hashes = None
    if args.kernel:
        kernel = open(args.kernel, "rb").read()
        initrd = open(args.initrd, "rb").read() if args.initrd else None
        hashes = hashes_table(kernel, initrd, args.append)
    if args.platform == "sev-snp":
        return snp(rom, args.vcpus, args.vcpu_sig, args.guest_features, args.vmm, hashes)
    if args.platform in ("sev-es", "sev"):
        return sev(rom, args.platform == "sev-es", args.vcpus, args.vcpu_sig, args.vmm, hashes)
    return tdx(rom, args.tdx_order == "two-pass")


def selftest():
    """measure.md §7.2/§7.3 values (sev-snp-measure 0.0.13, td-shim td_shim_tee_info_hash.py)."""
    want_sha256 = "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773"  # measure.md §1.4
    try:
        rom = Rom(open("/usr/share/ovmf/OVMF.fd", "rb").read())
    except OSError:
        print("snp_ref selftest: /usr/share/ovmf/OVMF.fd absent, skipped")
        return 77
    if hashlib.sha256(rom.data).hexdigest() != want_sha256:
        print("snp_ref selftest: OVMF.fd is not the Debian 12 build of measure.md §1.4, skipped")
        return 77
    epyc = 0x00800F12
    want = {
        "snp1": "11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3",
        "snp4": "32ac9d7a17d28f7cd4404a4516d2f00519668c40ada2062351c36767e908eb3f090d66c33ab10f80150e00a4385b6d0f",
        "seves": "5bcbb5a45e7a9fa4699b6cc8f775382a810ff5a0186d3b90069ba28b1840b38f",
        "sev": "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773",
        "tdx": "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47",
    }
    got = {
        "snp1": snp(rom, 1, epyc, 1, "qemu", None).hex(),
        "snp4": snp(rom, 4, epyc, 1, "qemu", None).hex(),
        "seves": sev(rom, True, 1, epyc, "qemu", None).hex(),
        "sev": sev(rom, False, 1, epyc, "qemu", None).hex(),
        "tdx": tdx(rom, False).hex(),
    }
    bad = [k for k in want if want[k] != got[k]]
    for k in bad:
        print(f"snp_ref selftest: {k}: {got[k]} != {want[k]}", file=sys.stderr)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--platform", default="sev-snp", choices=["sev-snp", "sev-es", "sev", "tdx"])
    m.add_argument("--vcpus", type=int, default=1)
    m.add_argument("--vcpu-sig", type=lambda x: int(x, 0), default=0)
    m.add_argument("--vmm", default="qemu", choices=list(VMM))
    m.add_argument("--guest-features", type=lambda x: int(x, 0), default=1)
    m.add_argument("--kernel")
    m.add_argument("--initrd")
    m.add_argument("--append")
    m.add_argument("--tdx-order", default="single", choices=["single", "two-pass"])
    m.add_argument("rom")
    sub.add_parser("selftest")
    args = p.parse_args()
    if args.cmd == "selftest":
        return selftest()
    print(measure(args).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
