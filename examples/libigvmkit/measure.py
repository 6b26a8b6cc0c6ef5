#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A libigvmkit consumer in Python (ctypes, standard library only).

    python3 measure.py [--lib libigvmkit.so.0] [--platform sev-snp] [--vcpus 1]
                       [--vcpu-type EPYC-v4] FILE.igvm

Reads an IGVM file, prints its launch digest ("sev-snp: HEX") and then walks
its headers: the platforms it declares and one line per header.
"""
import argparse
import ctypes
import sys

ERROR_FILE_MAX, ERROR_PLACE_MAX, ERROR_MESSAGE_MAX = 512, 160, 768
DIGEST_MAX = 48


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int),
                ("file", ctypes.c_char * ERROR_FILE_MAX),
                ("place", ctypes.c_char * ERROR_PLACE_MAX),
                ("message", ctypes.c_char * ERROR_MESSAGE_MAX)]


class MeasureOptions(ctypes.Structure):
    _fields_ = [("platform", ctypes.c_char_p),
                ("vcpus", ctypes.c_uint32),
                ("vcpu_type", ctypes.c_char_p),
                ("has_vcpu_signature", ctypes.c_int),
                ("vcpu_signature", ctypes.c_uint32),
                ("vmm", ctypes.c_char_p),
                ("loader", ctypes.c_char_p),
                ("tdx_order", ctypes.c_char_p),
                ("has_guest_features", ctypes.c_int),
                ("guest_features", ctypes.c_uint64),
                ("native_zero", ctypes.c_int),
                ("kernel", ctypes.c_char_p),
                ("initrd", ctypes.c_char_p),
                ("append", ctypes.c_char_p)]


class Measurement(ctypes.Structure):
    _fields_ = [("platform", ctypes.c_char * 16),
                ("loader", ctypes.c_char * 16),
                ("vmm", ctypes.c_char * 16),
                ("vcpu_type", ctypes.c_char * 32),
                ("vcpus", ctypes.c_uint32),
                ("digest_field", ctypes.c_char * 16),
                ("algorithm", ctypes.c_char * 16),
                ("digest", ctypes.c_uint8 * DIGEST_MAX),
                ("digest_len", ctypes.c_size_t),
                ("digest_hex", ctypes.c_char * (2 * DIGEST_MAX + 1))]


class HeaderInfo(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint32),
                ("type_name", ctypes.c_char_p),
                ("section", ctypes.c_char_p),
                ("has_compatibility_mask", ctypes.c_int),
                ("compatibility_mask", ctypes.c_uint32),
                ("has_gpa", ctypes.c_int),
                ("gpa", ctypes.c_uint64),
                ("has_size", ctypes.c_int),
                ("size", ctypes.c_uint64),
                ("data_len", ctypes.c_uint64)]


class PlatformInfo(ctypes.Structure):
    _fields_ = [("platform_type", ctypes.c_uint32),
                ("name", ctypes.c_char_p),
                ("compatibility_mask", ctypes.c_uint32),
                ("highest_vtl", ctypes.c_uint32),
                ("platform_version", ctypes.c_uint32),
                ("shared_gpa_boundary", ctypes.c_uint64)]


class IgvmkitError(Exception):
    pass


def load(path):
    lib = ctypes.CDLL(path)
    handle = ctypes.c_void_p
    sigs = {
        "igvmkit_version": (ctypes.c_char_p, []),
        "igvmkit_error_format": (ctypes.c_size_t,
                                 [ctypes.POINTER(Error), ctypes.c_char_p, ctypes.c_size_t]),
        "igvmkit_igvm_read_file": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_uint,
                                                  ctypes.POINTER(handle), ctypes.POINTER(Error)]),
        "igvmkit_igvm_free": (None, [handle]),
        "igvmkit_measure_options_init": (None, [ctypes.POINTER(MeasureOptions)]),
        "igvmkit_measure_igvm": (ctypes.c_int, [handle, ctypes.POINTER(MeasureOptions),
                                                ctypes.POINTER(Measurement),
                                                ctypes.POINTER(Error)]),
        "igvmkit_igvm_header_count": (ctypes.c_size_t, [handle]),
        "igvmkit_igvm_header": (ctypes.c_int, [handle, ctypes.c_size_t,
                                               ctypes.POINTER(HeaderInfo), ctypes.POINTER(Error)]),
        "igvmkit_igvm_platform_count": (ctypes.c_size_t, [handle]),
        "igvmkit_igvm_platform": (ctypes.c_int, [handle, ctypes.c_size_t,
                                                 ctypes.POINTER(PlatformInfo),
                                                 ctypes.POINTER(Error)]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def check(lib, rc, err):
    if rc < 0:
        text = ctypes.create_string_buffer(1536)
        lib.igvmkit_error_format(ctypes.byref(err), text, len(text))
        raise IgvmkitError(text.value.decode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", default="libigvmkit.so.0", help="shared library to load")
    ap.add_argument("--platform", default="sev-snp")
    ap.add_argument("--vcpus", type=int, default=1)
    ap.add_argument("--vcpu-type", default="EPYC-v4")
    ap.add_argument("file")
    args = ap.parse_args()

    lib = load(args.lib)
    print("libigvmkit:", lib.igvmkit_version().decode())
    err = Error()
    igvm = ctypes.c_void_p()
    try:
        check(lib, lib.igvmkit_igvm_read_file(args.file.encode(), 0, ctypes.byref(igvm),
                                              ctypes.byref(err)), err)
        opts = MeasureOptions()
        lib.igvmkit_measure_options_init(ctypes.byref(opts))
        opts.platform = args.platform.encode()
        opts.vcpus = args.vcpus
        opts.vcpu_type = args.vcpu_type.encode()
        m = Measurement()
        check(lib, lib.igvmkit_measure_igvm(igvm, ctypes.byref(opts), ctypes.byref(m),
                                            ctypes.byref(err)), err)
        print(f"{m.platform.decode()}: {m.digest_hex.decode()}")

        for i in range(lib.igvmkit_igvm_platform_count(igvm)):
            p = PlatformInfo()
            check(lib, lib.igvmkit_igvm_platform(igvm, i, ctypes.byref(p), ctypes.byref(err)), err)
            print(f"platform {p.name.decode()}: mask 0x{p.compatibility_mask:x}, "
                  f"vtl {p.highest_vtl}, shared gpa boundary 0x{p.shared_gpa_boundary:x}")
        n = lib.igvmkit_igvm_header_count(igvm)
        print(f"headers: {n}")
        for i in range(n):
            h = HeaderInfo()
            check(lib, lib.igvmkit_igvm_header(igvm, i, ctypes.byref(h), ctypes.byref(err)), err)
            line = f"{i:6} {h.type_name.decode():<28} {h.section.decode():<14}"
            if h.has_compatibility_mask:
                line += f" mask 0x{h.compatibility_mask:x}"
            if h.has_gpa:
                line += f" gpa 0x{h.gpa:x}"
            if h.has_size:
                line += f" size 0x{h.size:x}"
            print(line)
    except IgvmkitError as e:
        print(f"measure.py: {e}", file=sys.stderr)
        return 1
    finally:
        lib.igvmkit_igvm_free(igvm)  # NULL (not read) is accepted
    return 0


if __name__ == "__main__":
    sys.exit(main())
