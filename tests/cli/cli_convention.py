#!/usr/bin/env python3
"""One CLI convention for every command (issue 15 item 5; cli/options.c, igvmkit(1) OPTIONS OF
EVERY COMMAND):

  - every command and every vars subcommand accepts -q/--quiet and -v/--verbose, and refuses both
    together (exit 2, naming both);
  - `igvmkit help CMD` prints what `igvmkit CMD --help` prints (`help vars SUB` likewise), and
    `igvmkit help` the main help;
  - the global --max-input-size works before and after the command name, overrides an invalid
    IGVMKIT_MAX_INPUT_SIZE, and may be given once;
  - options that exclude each other and a repeated single-valued option (also under an alias) are
    usage errors (exit 2) whose message names both options; repeatable options stay repeatable;
  - every alias appears in --help (measure --vmm-type);
  - what -q and -v do, on files this test makes itself (SHA-256 checked with hashlib).

usage: cli_convention.py IGVMKIT
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

IK = os.path.abspath(sys.argv[1])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("IGVMKIT_MAX_INPUT_SIZE", None)
    e.update(env or {})
    r = subprocess.run([IK] + list(args), capture_output=True, text=True, env=e)
    return r.returncode, r.stdout, r.stderr


def usage_error_naming(args, names, what, env=None):
    """ARGS exit 2 with one error message naming every option of NAMES, and write no output."""
    rc, out, err = run(*args, env=env)
    check(rc == 2, f"{what}: exit {rc}, expected 2: {err.strip()}")
    first = err.splitlines()[0] if err else ""
    for n in names:
        check(f"'{n}'" in first, f"{what}: the message does not name '{n}': {first}")
    check(not os.path.exists("out.never"), f"{what}: an output was written")


# Everything runs in a directory of its own: a command that succeeded by mistake writes there.
first_dir = tempfile.TemporaryDirectory(prefix="cli_convention.")
os.chdir(first_dir.name)
top = run("--help")[1]
commands = [c for c in re.findall(r"^  ([a-z][a-z0-9-]*)\s", top, re.M) if c != "help"]
check("build" in commands and "vars" in commands, f"igvmkit --help lists no commands: {commands}")
vars_subs = re.findall(r"^  ([a-z][a-z0-9-]*)\s", run("vars", "--help")[1], re.M)
check(len(vars_subs) >= 7, f"vars --help lists {vars_subs}")
every = [[c] for c in commands if c != "vars"] + [["vars", s] for s in vars_subs]

# 1. -q and -v everywhere, never together; each --help says what they do.
for cmd in every:
    label = " ".join(cmd)
    for opt in ("-q", "--quiet", "-v", "--verbose"):
        rc, out, err = run(*cmd, opt, "--help")
        check(rc == 0 and out.startswith("usage:"), f"{label} {opt} --help: exit {rc}: {err.strip()}")
        # also outside --help: whatever else is wrong (a missing file), the option is not refused
        rc, out, err = run(*cmd, opt, "missing.file")
        check("unknown option" not in err and "ambiguous" not in err,
              f"{label} {opt}: refused: {err.strip()}")
    help_text = run(*cmd, "--help")[1]
    for opt in ("--quiet", "--verbose", "--max-input-size"):
        check(re.search(r"(?<![\w-])" + opt + r"(?![\w-])", help_text) is not None,
              f"{label} --help does not show {opt}")
    usage_error_naming(list(cmd) + ["-q", "-v"], ["-v", "-q"], f"{label} -q -v")
    usage_error_naming(list(cmd) + ["--verbose", "--quiet"], ["--quiet", "--verbose"],
                       f"{label} --verbose --quiet")
usage_error_naming(["-q", "inspect", "-v", "x"], ["-v", "-q"], "-q before the command, -v after")

# 2. help CMD == CMD --help.
rc, out, _ = run("help")
check(rc == 0 and out == top, "igvmkit help differs from igvmkit --help")
for cmd in every + [["version"], ["vars"]]:
    h = run("help", *cmd)
    d = run(*cmd, "--help")
    check(h[0] == 0 and h[1] == d[1] and h[1].startswith("usage:"),
          f"igvmkit help {' '.join(cmd)} differs from {' '.join(cmd)} --help (exit {h[0]})")
check(run("help", "frobnicate")[0] == 2, "help of an unknown command is not exit 2")
check(run("help", "build", "extra")[0] == 2, "help with two words (not vars) is not exit 2")

# 3. Every alias appears in --help (docs_in_step.py checks the getopt tables of all commands).
check("--vmm-type" in run("measure", "--help")[1], "measure --help does not show --vmm-type")

with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    blob = "blob.bin"
    with open(blob, "wb") as f:
        f.write(b"\x01" * 4096)

    # 4. --max-input-size before and after the command name, in every parser.
    for cmd in (["inspect", blob], ["digest", blob], ["measure", blob], ["vars", "list", blob],
                ["diff", blob, blob]):
        label = " ".join(cmd[:-1] if cmd[0] != "diff" else cmd[:1])
        for args in (["--max-input-size", "1K"] + cmd, ["--max-input-size=1K"] + cmd,
                     cmd[:1] + ["--max-input-size", "1K"] + cmd[1:],
                     cmd + ["--max-input-size=1K"]):
            rc, _, err = run(*args)
            check(rc == 6 and blob in err, f"{' '.join(args)}: exit {rc}, expected 6: {err.strip()}")
        if cmd[0] == "vars":
            rc, _, err = run("vars", "--max-input-size", "1K", "list", blob)
            check(rc == 6, f"vars --max-input-size 1K list: exit {rc}: {err.strip()}")
    rc, _, err = run("inspect", blob, "--max-input-size", "1M", env={"IGVMKIT_MAX_INPUT_SIZE": "-5"})
    check(rc == 3, f"--max-input-size after the command does not override an invalid "
                   f"IGVMKIT_MAX_INPUT_SIZE: exit {rc}: {err.strip()}")
    rc, _, err = run("--max-input-size", "1M", "inspect", blob, env={"IGVMKIT_MAX_INPUT_SIZE": "lots"})
    check(rc == 3, f"--max-input-size before the command does not override an invalid "
                   f"IGVMKIT_MAX_INPUT_SIZE: exit {rc}: {err.strip()}")
    rc, _, err = run("inspect", blob, env={"IGVMKIT_MAX_INPUT_SIZE": "-5"})
    check(rc == 2 and "IGVMKIT_MAX_INPUT_SIZE" in err, f"an invalid IGVMKIT_MAX_INPUT_SIZE alone: exit {rc}")
    rc, _, err = run("inspect", blob, env={"IGVMKIT_MAX_INPUT_SIZE": "1K"})
    check(rc == 6, f"IGVMKIT_MAX_INPUT_SIZE=1K: exit {rc}")
    usage_error_naming(["--max-input-size", "1M", "inspect", "--max-input-size", "2M", blob],
                       ["--max-input-size"], "--max-input-size before and after")
    usage_error_naming(["measure", "--max-input-size=1M", "--max-input-size", "2M", blob],
                       ["--max-input-size"], "--max-input-size twice after")

    # 5. Options that exclude each other: exit 2, both named, in either order.
    zeros = "0" * 96
    conflicts = [
        (["measure", "--vcpu-type", "EPYC-v4", "--vcpu-sig", "0x800f12", blob], "--vcpu-type", "--vcpu-sig"),
        (["measure", "--vcpu-sig", "0x800f12", "--vcpu-type", "EPYC-v4", blob], "--vcpu-sig", "--vcpu-type"),
        (["measure", "--vcpu-type", "EPYC-v4", "--vcpu-family", "23", blob], "--vcpu-type", "--vcpu-family"),
        (["measure", "--vcpu-model", "1", "--vcpu-type", "EPYC-v4", blob], "--vcpu-model", "--vcpu-type"),
        (["measure", "--vcpu-type", "EPYC-v4", "--vcpu-stepping", "1", blob], "--vcpu-type", "--vcpu-stepping"),
        (["measure", "--vcpu-sig", "1", "--vcpu-family", "23", blob], "--vcpu-sig", "--vcpu-family"),
        (["measure", "--vcpu-stepping", "1", "--vcpu-sig", "1", blob], "--vcpu-stepping", "--vcpu-sig"),
        (["measure", "--vcpu-model", "1", "--vcpu-sig", "1", blob], "--vcpu-model", "--vcpu-sig"),
        (["measure", "--snp-ovmf-hash", zeros, "--print-snp-ovmf-hash", blob], "--snp-ovmf-hash",
         "--print-snp-ovmf-hash"),
        (["measure", "-q", "--json", blob], "-q", "--json"),
        (["sign-id-block", "--vcpu-type", "EPYC-v4", "--vcpu-sig", "1", "--id-key", "k", blob],
         "--vcpu-type", "--vcpu-sig"),
        (["build", "--variant", "a", "--all-variants"], "--variant", "--all-variants"),
        (["build", "--list-variants", "--print-layout"], "--list-variants", "--print-layout"),
        (["build", "--print-layout", "--check"], "--print-layout", "--check"),
        (["build", "--check", "--list-variants"], "--check", "--list-variants"),
        (["build", "--all-variants", "--print-layout"], "--all-variants", "--print-layout"),
        (["diff", "--json", "-q", blob, blob], "--json", "-q"),
        (["diff", "--quiet", "-o", "out.never", blob, blob], "--quiet", "-o"),
        (["diff", "-v", "--max-items", "3", blob, blob], "-v", "--max-items"),
        (["descriptor", "--tdx", "--no-platform-features", "-o", "out.never", blob], "--tdx",
         "--no-platform-features"),
        (["regen", "--secure-boot", "--no-secure-boot", "-o", "out.never", blob], "--secure-boot",
         "--no-secure-boot"),
        (["vars", "store", "--no-secure-boot", "--secure-boot", "-o", "out.never"], "--no-secure-boot",
         "--secure-boot"),
        (["vars", "json", "--secure-boot", "--no-secure-boot", "-o", "out.never"], "--secure-boot",
         "--no-secure-boot"),
    ]
    for args, a, b in conflicts:
        usage_error_naming(args, [a, b], " ".join(args))

    # 6. A single-valued option given twice, also under an alias or its short form.
    repeats = [
        (["measure", "-o", "a", "-o", "b", blob], "-o", "-o"),
        (["measure", "-o", "a", "--output", "b", blob], "--output", "-o"),
        (["measure", "--platform", "sev", "--platform", "tdx", blob], "--platform", "--platform"),
        (["measure", "--vmm", "qemu", "--vmm-type", "ec2", blob], "--vmm-type", "--vmm"),
        (["measure", "--vcpus", "1", "--vcpus", "2", blob], "--vcpus", "--vcpus"),
        (["build", "-o", "a", "--output-dir", "b"], "--output-dir", "-o"),
        (["build", "--variant", "a", "--variant", "b"], "--variant", "--variant"),
        (["digest", "--hash", "sha256", "--hash", "sha384", blob], "--hash", "--hash"),
        (["diff", "--max-items", "1", "--max-items", "2", blob, blob], "--max-items", "--max-items"),
        (["fuki", "-o", "a", "-o", "b", blob], "-o", "-o"),
        (["fuki", "--key", "a", "--key", "b", "-o", "out.never", blob], "--key", "--key"),
        (["sign", "--cert", "a", "--cert", "b", "-o", "out.never", blob], "--cert", "--cert"),
        (["sign-id-block", "--id-key", "a", "--id-key", "b", "-o", "out.never", blob], "--id-key", "--id-key"),
        (["regen", "--pk", "a", "--pk", "b", "-o", "out.never", blob], "--pk", "--pk"),
        (["regen", "-g", "0" * 8 + "-0000-0000-0000-" + "0" * 12, "--owner", "x", "-o", "out.never", blob], "--owner", "-g"),
        (["descriptor", "--filename", "/a", "--filename", "/b", "-o", "out.never", blob], "--filename",
         "--filename"),
        (["vars", "auth", "db", "-k", "a", "--key", "b", "-o", "out.never", blob], "--key", "-k"),
        (["vars", "store", "-s", "4m", "--size", "2m", "-o", "out.never"], "--size", "-s"),
        (["vars", "json", "--pk", "a", "--pk", "b", "-o", "out.never"], "--pk", "--pk"),
        (["vars", "list", "--json", blob], None, None),  # a flag: harmless, not refused
    ]
    for args, a, b in repeats:
        if a is None:
            rc, _, err = run(*args, "--json")
            check("given twice" not in err and "repeats" not in err, f"{args}: a repeated flag is refused")
            continue
        usage_error_naming(args, [a, b], " ".join(args))
    # Repeatable options stay repeatable.
    for args in (["build", "-D", "A=1", "-D", "B=2", "--print-layout"],
                 ["vars", "esl", "-g", "zero", "--sha256", "00" * 32, "-g", "ovmf", "--sha256", "11" * 32,
                  "-o", "l.esl"],
                 ["vars", "store", "--db", "x", "--db", "y", "-o", "out.never"],
                 ["verify", "--cert", "a", "--cert", "b", blob],
                 ["descriptor", "--tag", "a", "--tag", "b", "-o", "out.never", blob]):
        rc, _, err = run(*args)
        check("given twice" not in err and "repeats" not in err and "conflicts" not in err,
              f"{' '.join(args)}: a repeatable option is refused: {err.strip()}")

    # 7. What -q and -v do.
    rc, out, err = run("vars", "store", "-v", "-o", "s.fd")
    sha = hashlib.sha256(open("s.fd", "rb").read()).hexdigest() if rc == 0 else ""
    check(rc == 0 and f"wrote s.fd ({os.path.getsize('s.fd')} bytes, sha256 {sha})" in err,
          f"vars store -v: exit {rc}, stderr {err.strip()}")
    rc, out, err = run("inspect", "-q", "s.fd")
    check(rc == 0 and out == "" and err == "", f"inspect -q: exit {rc}, output {out[:80]!r} {err!r}")
    rc, out, err = run("inspect", "-q", blob)
    check(rc == 3 and out == "" and "error" in err, f"inspect -q of a bad file: exit {rc}")
    rc, out, err = run("inspect", "--verbose", "s.fd")
    check(rc == 0 and f"s.fd: UEFI variable data, {os.path.getsize('s.fd')} bytes, sha256 {sha}" in err
          and "variable store" in out, f"inspect -v: exit {rc}: {err.strip()}")
    rc, out, err = run("vars", "list", "-q", "s.fd")
    check(rc == 0 and out == "", f"vars list -q: exit {rc}, output {out[:80]!r}")
    rc, out, err = run("-q", "vars", "list", "s.fd")
    check(rc == 0 and out == "", f"-q before the command: exit {rc}, output {out[:80]!r}")
    rc, out, err = run("vars", "-v", "list", "s.fd")
    check(rc == 0 and sha in err, f"vars -v list: exit {rc}: {err.strip()}")
    rc, out, err = run("version", "-q")
    check(rc == 0 and out == "", f"version -q: exit {rc}, output {out!r}")
    rc, out, err = run("version", "-v")
    check(rc == 0 and len(out.splitlines()) == 2 and "OpenSSL" in out, f"version -v: {out!r}")
    rc, out, err = run("diff", "-q", "s.fd", "s.fd")
    check(out == "", f"diff -q printed {out[:80]!r}")

os.chdir("/")
first_dir.cleanup()
print(f"cli convention: {len(every)} commands and subcommands, {len(failures)} problems")
sys.exit(1 if failures else 0)
