#!/usr/bin/env python3
"""Docs drift check: the options a command accepts, its --help, docs/cmd/<name>.md and igvmkit(1)
name the same options.

usage: docs_in_step.py IGVMKIT SRCDIR

For every command `igvmkit --help` lists, and for every subcommand `igvmkit vars --help` lists:
  - docs/cmd/<name>.md exists and igvmkit(1) has a `.SS <name>` section;
  - every long option it accepts -- those its `--help` shows and those of its getopt_long table
    in cli/cmd_<name>.c (for vars: the rows of opt_rows whose subcommand mask includes the
    subcommand) -- is named in its own part of igvmkit(1) (the `.SS` section; for a vars
    subcommand the part from its `.B igvmkit vars SUB` synopsis to the next one) and in
    docs/cmd/<name>.md (for a vars subcommand: its `## vars SUB` section or the synopsis);
  - every option of the getopt table is shown by `--help`, aliases included (issue 15);
  - every command's `--help` shows the options every command has (cli/options.c): -q/--quiet and
    -v/--verbose, whose meaning each command documents in its own sections, and the global
    --max-input-size, documented once in igvmkit(1)'s OPTIONS OF EVERY COMMAND.
Options are matched as whole words: `--key` is not found in `--key-file`.  `--help` itself is
documented once for every command in igvmkit(1)'s DESCRIPTION and is not required per section.
"""
import os
import re
import subprocess
import sys

ik, src = sys.argv[1], sys.argv[2]
failures = []
# The options every command takes (cli/options.c): per-command meaning, so documented per section.
COMMON = {"--quiet": "q", "--verbose": "v"}
# Global: one meaning, documented once in igvmkit(1)'s OPTIONS OF EVERY COMMAND.
GLOBAL = {"--max-input-size"}
# In the shared vars option table for store and json, but refused by json with a usage error
# ("--size applies to store images"), as docs/cmd/vars.md says.
REFUSED = {"vars json": {"--size", "--whole-image"}}


def fail(msg):
    failures.append(msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def has_option(text, opt):
    return re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", text) is not None


def help_text(args):
    r = subprocess.run([ik] + args + ["--help"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(args)}: --help exits {r.returncode}")
    return r.stdout


def help_options(text):
    return set(re.findall(r"(?<![\w-])--[a-z0-9][a-z0-9-]*", text)) - {"--help"}


def roff_plain(text):
    """igvmkit.1 as a reader sees it: roff escapes removed, so '\\-\\-key' is '--key'."""
    text = re.sub(r"\\f[BIRP]", "", text)
    text = text.replace("\\-", "-").replace("\\ ", " ").replace("\\&", "").replace("\\e", "\\")
    return text


def man_sections(man):
    """{name: text} of the .SS sections of COMMANDS (up to the next .SS or .SH)."""
    out = {}
    for m in re.finditer(r"^\.SS (\S+)\n(.*?)(?=^\.S[SH] |\Z)", man, re.M | re.S):
        out[m.group(1)] = roff_plain(m.group(2))
    return out


def getopt_names(path):
    """{long option: short letter or ''} of the getopt_long tables in a cmd_*.c file."""
    if not os.path.exists(path):
        return {}
    text = read(path)
    names = {}
    for table in re.findall(r"struct option \w+\[\] = \{(.*?)\n\s*\};", text, re.S):
        for n, short in re.findall(r"\{\s*\"([a-z0-9][a-z0-9-]*)\"\s*,\s*(?:no|required|optional)_argument"
                                   r"\s*,\s*\w+\s*,\s*(?:'(\w)')?", table):
            names["--" + n] = short
    names.pop("--help", None)
    return names


def vars_rows(path, subs):
    """{sub: long options} from cli/cmd_vars.c's opt_rows and its subcommand masks."""
    text = read(path)
    enum = re.search(r"enum sub \{([^}]*)\}", text)
    rows = re.search(r"static const struct opt_row opt_rows\[\] = \{(.*?)\n\};", text, re.S)
    if not enum or not rows:
        fail("cli/cmd_vars.c: cannot find 'enum sub' or 'opt_rows' (update docs_in_step.py)")
        return {}
    ids = {name.strip(): i for i, name in enumerate(enum.group(1).split(",")) if name.strip()}
    macros = dict(re.findall(r"^#define (M_\w+) (.*)$", text, re.M))

    def mask(expr):
        for _ in range(4):
            expr = re.sub(r"\bM_\w+\b", lambda m: "(" + macros.get(m.group(0), "BAD") + ")", expr)
        expr = re.sub(r"\bM\((SUB_\w+)\)", lambda m: str(1 << ids[m.group(1)]), expr)
        expr = expr.replace("~0u", str((1 << len(ids)) - 1))
        if not re.fullmatch(r"[\d\s|()]+", expr):
            raise ValueError(expr)
        return eval(expr)  # only digits, '|' and parentheses remain

    out = {s: {} for s in subs}
    for name, short, rest in re.findall(r"^\s*\{ \"([a-z0-9-]+)\", (?:'(\w)'|0), (.*?)\},?\s*$", rows.group(1), re.M | re.S):
        try:
            m = mask(" ".join(rest.rsplit(",", 1)[-1].split()))
        except (ValueError, KeyError, SyntaxError) as e:
            fail(f"cli/cmd_vars.c: cannot read the mask of option '{name}': {e}")
            continue
        for s in subs:
            if "SUB_" + s.upper() in ids and m & (1 << ids["SUB_" + s.upper()]):
                out[s]["--" + name] = short
    for s in out:
        out[s].pop("--help", None)
    return out


def named(text, opt, short):
    """OPT is named in TEXT by its long form, or by its short form where it has one."""
    return has_option(text, opt) or (short and re.search(r"(?<![\w-])-" + short + r"\b", text))


def check(label, help_text_, table, man_part, md_part, md_name):
    """The man page names every option long-hand; --help and docs/cmd may use the short form."""
    shown = help_options(help_text_) - GLOBAL
    table = {o: s for o, s in table.items() if o not in REFUSED.get(label, set())}
    table.update(COMMON)
    for opt in sorted(set(COMMON) | GLOBAL):
        if not has_option(help_text_, opt):
            fail(f"{label}: --help does not show {opt}, which every command takes")
    for opt in sorted(table):
        if not named(help_text_, opt, table[opt]):
            fail(f"{label}: option {opt} is accepted (getopt table) but not shown by --help")
    for opt in sorted(shown | set(table)):
        if man_part is not None and not has_option(man_part, opt):
            fail(f"{label}: option {opt} is not in its part of docs/igvmkit.1")
        if md_part is not None and not named(md_part, opt, table.get(opt, "")):
            fail(f"{label}: option {opt} is not in {md_name}")


top = subprocess.run([ik, "--help"], capture_output=True, text=True, check=True).stdout
commands = re.findall(r"^  ([a-z][a-z0-9-]*)\s", top, re.M)
man_path = os.path.join(src, "docs", "igvmkit.1")
man = read(man_path) if os.path.exists(man_path) else ""
if not man:
    fail("docs/igvmkit.1 is missing")
sections = man_sections(man)
every = re.search(r"^\.SH OPTIONS OF EVERY COMMAND\n(.*?)(?=^\.SH )", man, re.M | re.S)
for opt in sorted(set(COMMON) | GLOBAL):
    if not every or not has_option(roff_plain(every.group(1)), opt):
        fail(f"docs/igvmkit.1: OPTIONS OF EVERY COMMAND does not describe {opt}")
checked = 0
for cmd in commands:
    if cmd in ("version", "help"):
        continue
    page = os.path.join(src, "docs", "cmd", cmd + ".md")
    md = read(page) if os.path.exists(page) else None
    if md is None:
        fail(f"{cmd}: docs/cmd/{cmd}.md is missing")
    sec = sections.get(cmd)
    if man and sec is None:
        fail(f"{cmd}: docs/igvmkit.1 has no '.SS {cmd}' section")
    text = help_text([cmd])
    if cmd != "vars":
        table = getopt_names(os.path.join(src, "cli", "cmd_" + cmd.replace("-", "_") + ".c"))
        if not table:
            fail(f"{cmd}: no getopt_long table found in cli/cmd_{cmd.replace('-', '_')}.c")
        check(cmd, text, table, sec, md, f"docs/cmd/{cmd}.md")
        checked += 1
        continue
    subs = re.findall(r"^  ([a-z][a-z0-9-]*)\s", text, re.M)
    if not subs:
        fail("vars: --help lists no subcommands")
    rows = vars_rows(os.path.join(src, "cli", "cmd_vars.c"), subs)
    for sub in subs:
        label = "vars " + sub
        table = rows.get(sub, {})
        man_part = None
        if sec is not None:
            m = re.search(r"^\.B igvmkit vars " + sub + r"\n(.*?)(?=^\.B igvmkit vars |\Z)", sec, re.M | re.S)
            if not m:
                fail(f"{label}: no '.B igvmkit vars {sub}' part in the vars section of docs/igvmkit.1")
            man_part = m.group(1) if m else None
        md_part = None
        if md is not None:
            m = re.search(r"^## vars " + sub + r"\b(.*?)(?=^## |\Z)", md, re.M | re.S)
            syn = re.search(r"^\s+igvmkit vars " + sub + r"\b.*?(?=^\s+igvmkit vars |^\s*$)", md, re.M | re.S)
            syn = syn.group(0) if syn else ""
            if not m:
                fail(f"{label}: no '## vars {sub}' section in docs/cmd/vars.md")
            md_part = (m.group(1) if m else "") + "\n" + syn
            # "The same options as `vars store`": that section documents them.
            same = re.search(r"same options as `vars ([a-z]+)`", md_part)
            other = same and re.search(r"^## vars " + same.group(1) + r"\b(.*?)(?=^## |\Z)", md, re.M | re.S)
            if other:
                md_part += other.group(1)
        check(label, help_text(["vars", sub]), table, man_part, md_part, "docs/cmd/vars.md")
        checked += 1
for f in failures:
    print("FAIL:", f)
print(f"{checked} commands and vars subcommands checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
