#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks igvmkit's one-way module order (docs/architecture.md).

    check_deps.py SOURCE_DIR        check the tree; exit 1 naming every violation
    check_deps.py --self-test       prove the checks can fail, on small generated trees
    check_deps.py --print-order     print the declared order as a diagram
    check_deps.py --calls BUILD_DIR [NM]
                                    no call circle between the files of one module, read from
                                    the symbols of its archive (BUILD_DIR/*/libik_NAME.a)

What is checked, all from the source tree (no build needed):
  1. every `#include` in a .c/.h file of a module folder resolves to a folder that is the
     file's own or one below it in MODULE_DEPS (transitively); nothing includes cli/;
  2. each folder's CMakeLists.txt names only modules below it (ik_module DEPENDS,
     target_link_libraries), the top-level IK_MODULES list is a valid lowest-first order of
     MODULE_DEPS, and what a folder includes is reachable through what it links, so the static
     archives link in order;
  3. no include cycle between the files of one folder;
  4. a folder's internal headers (*_priv.h, *_private.h, *_internal.h, INTERNAL_HEADERS) are
     included only by files of that folder;
  5. docs/architecture.md, where present, shows the order as --print-order prints it.
With --calls: two files of one folder that call each other's functions (directly or round a
longer circle) share helpers that belong in a third file (docs/architecture.md); circles in
KNOWN_CALL_CIRCLES are reported but tolerated until they are cut.
Exit status: 0 clean, 1 violations found, 2 usage or unreadable tree.
"""

import os
import re
import subprocess
import sys
import tempfile

# The declared order, once: each module and the modules directly below it that it may use.
# Everything those use is allowed too (transitive closure).  Lowest first.
MODULE_DEPS = {
    "common": [],
    "igvm": ["common"],
    "measure": ["igvm"],
    "fuki": ["igvm"],
    "sign": ["fuki", "measure"],
    "vars": ["sign"],
    "layout": ["vars", "sign", "measure"],
    "descriptor": ["igvm"],
    "diff": ["sign", "fuki", "measure"],
    "assemble": ["layout", "diff", "descriptor", "vars", "fuki", "sign", "measure"],
    # The two products, side by side: neither uses the other.
    # The public shared library: the API over everything below (libigvmkit/ + include/igvmkit/).
    "libigvmkit": ["assemble"],
    # The igvmkit binary: parses options, calls the libraries, prints.  Nothing includes it.
    "cli": ["assemble"],
}
# Folders that need not exist (written in a later step); the others must.
OPTIONAL_MODULES = {"libigvmkit"}
# Top-level folders that are not modules: their files are not checked and may not be included
# by module code (tests/ and examples/ may include anything; they are not read).
# include/ holds the installed public headers (include/igvmkit/*.h): self-contained, so every
# module may include them and they may include only each other.
PUBLIC_HEADERS = "include"
TOP = {"cli"}  # included by nothing
# Headers private to their folder: by name, plus these.  (tests/ may include them.)
INTERNAL_SUFFIXES = ("_priv.h", "_private.h", "_internal.h")
INTERNAL_HEADERS = {"layout/layout_tree.h", "layout/layout_path.h"}

ARCH_DOC = "docs/architecture.md"  # shows diagram(MODULE_DEPS) in an indented block

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
IK_MODULE_RE = re.compile(r"\bik_module\s*\((.*?)\)", re.S)
LINK_RE = re.compile(r"\btarget_link_libraries\s*\((.*?)\)", re.S)
IK_MODULES_RE = re.compile(r"\bset\s*\(\s*IK_MODULES\s+([^)]*)\)")


def closure(deps):
    """Module -> set of every module below it.  Raises ValueError on a cycle in DEPS."""
    below = {}

    def visit(mod, path):
        if mod in below:
            return below[mod]
        if mod in path:
            raise ValueError("declared order has a cycle: " + " -> ".join(path + [mod]))
        if mod not in deps:
            raise ValueError("declared order names unknown module '%s'" % mod)
        acc = set()
        for dep in deps[mod]:
            acc.add(dep)
            acc |= visit(dep, path + [mod])
        below[mod] = acc
        return acc

    for mod in deps:
        visit(mod, [])
    return below


def levels(deps):
    """Module -> height above common (0 for common), for the diagram."""
    height = {}

    def h(mod):
        if mod not in height:
            height[mod] = 1 + max((h(d) for d in deps[mod]), default=-1)
        return height[mod]

    for mod in deps:
        h(mod)
    return height


def diagram(deps):
    """The order as text, highest row first: each row lists modules and what they use."""
    height = levels(deps)
    rows = []
    for level in range(max(height.values()), -1, -1):
        mods = [m for m in deps if height[m] == level]
        cells = ["%s -> %s" % (m, ", ".join(deps[m])) if deps[m] else m for m in mods]
        rows.append("  %d  %s" % (level, "   |   ".join(cells)))
    return "\n".join(rows)


def is_internal(relpath):
    return relpath.endswith(INTERNAL_SUFFIXES) or relpath in INTERNAL_HEADERS


def strip_cmake_comments(text):
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


class Checker:
    def __init__(self, root, deps):
        self.root = os.path.abspath(root)
        self.deps = deps
        self.below = closure(deps)
        self.errors = []
        self.notes = []
        self.files = 0
        self.includes = 0

    def error(self, where, text):
        self.errors.append("%s: %s" % (where, text))

    def folder_of(self, relpath):
        """The module (or PUBLIC_HEADERS) a root-relative path belongs to, else None."""
        top = relpath.split("/", 1)[0]
        if top in self.deps or top == PUBLIC_HEADERS:
            return top
        return None

    def module_dirs(self):
        present = []
        for mod in self.deps:
            if os.path.isdir(os.path.join(self.root, mod)):
                present.append(mod)
            elif mod not in OPTIONAL_MODULES:
                self.error(mod + "/", "module folder missing (declared in MODULE_DEPS)")
        if os.path.isdir(os.path.join(self.root, PUBLIC_HEADERS)):
            present.append(PUBLIC_HEADERS)
        return present

    def sources(self, folder):
        for dirpath, dirnames, filenames in os.walk(os.path.join(self.root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), self.root).replace(os.sep, "/")

    def resolve(self, relfile, kind, target):
        """Root-relative path TARGET names, or None for a system header.

        Quoted includes are looked up beside the file, then from the root (igvmkit's
        include path), then under include/; <> ones only under include/ (public headers
        use <igvmkit/...>).
        """
        here = os.path.dirname(relfile)
        candidates = [PUBLIC_HEADERS + "/" + target]
        if kind == '"':
            candidates = [os.path.join(here, target), target] + candidates
        for cand in candidates:
            cand = os.path.normpath(cand).replace(os.sep, "/")
            if not cand.startswith("../") and os.path.isfile(os.path.join(self.root, cand)):
                return cand
        return None

    def allowed(self, src, dst):
        if dst == src:
            return True
        if dst == PUBLIC_HEADERS:
            return True
        if src == PUBLIC_HEADERS:
            return False
        return dst in self.below[src]

    def check_includes(self):
        graph = {}  # relfile -> [(line, included relfile)] within one folder
        built_from = {}  # folder -> set of folders its files include
        for folder in self.module_dirs():
            for rel in self.sources(folder):
                self.files += 1
                graph.setdefault(rel, [])
                try:
                    with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                        lines = f.read().splitlines()
                except (OSError, UnicodeDecodeError) as e:
                    self.error(rel, "cannot read: %s" % e)
                    continue
                for lineno, line in enumerate(lines, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    kind, target = m.group(1), m.group(2)
                    where = "%s:%d" % (rel, lineno)
                    resolved = self.resolve(rel, kind, target)
                    if resolved is None:
                        if kind == '"':
                            self.error(where, 'includes "%s", which is no file of the tree'
                                       % target)
                        continue  # a system header
                    self.includes += 1
                    dst = self.folder_of(resolved)
                    if dst is None:
                        self.error(where, "includes %s, outside every module folder" % resolved)
                        continue
                    built_from.setdefault(folder, set()).add(dst)
                    if dst != folder and is_internal(resolved):
                        self.error(where, "includes %s, internal to %s/" % (resolved, dst))
                    elif dst in TOP and dst != folder:
                        self.error(where, "includes %s: nothing may include %s/"
                                   % (resolved, dst))
                    elif not self.allowed(folder, dst):
                        self.error(where, "includes %s: %s is not below %s (%s may use: %s)"
                                   % (resolved, dst, folder, folder, self.may_use(folder)))
                    if dst == folder:
                        graph[rel].append((lineno, resolved))
        return graph, built_from

    def may_use(self, folder):
        if folder == PUBLIC_HEADERS:
            return "only other public headers"
        below = sorted(self.below[folder], key=list(self.deps).index)
        return ", ".join(below + [PUBLIC_HEADERS + "/"]) if below else PUBLIC_HEADERS + "/"

    def check_file_cycles(self, graph):
        """Include cycles inside a folder (a file including itself counts)."""
        edges = {v: [w for _, w in graph[v]] for v in graph}
        for comp in strongly_connected(graph, edges):
            members = set(comp)
            # Name each edge of the cycle by file:line so it can be cut.
            cut = ["%s:%d -> %s" % (v, line, w)
                   for v in sorted(comp) for line, w in graph[v] if w in members]
            self.error(sorted(comp)[0], "include cycle between %s (%s)"
                       % (", ".join(sorted(comp)), "; ".join(cut)))

    def cmake_module(self, folder):
        """(module name or None, [(line, ik_ target)]) named by FOLDER/CMakeLists.txt."""
        path = os.path.join(self.root, folder, "CMakeLists.txt")
        if not os.path.isfile(path):
            return None, []
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        text = strip_cmake_comments(raw)
        name, targets = None, []

        def line_of(pos):
            return text.count("\n", 0, pos) + 1

        for m in IK_MODULE_RE.finditer(text):
            words = m.group(1).split()
            name = words[0] if words else None
            if "DEPENDS" in words:
                start = words.index("DEPENDS") + 1
                for w in words[start:]:
                    targets.append((line_of(m.start()), w))
        for m in LINK_RE.finditer(text):
            for w in m.group(1).split()[1:]:
                targets.append((line_of(m.start()), w))
        return name, targets

    def check_cmake(self, built_from):
        links = {}
        for folder in self.deps:
            if not os.path.isdir(os.path.join(self.root, folder)):
                continue
            name, targets = self.cmake_module(folder)
            where = folder + "/CMakeLists.txt"
            if name is not None and name != folder:
                self.error(where, "ik_module(%s) in folder %s/" % (name, folder))
            linked = set()
            for line, target in targets:
                m = re.fullmatch(r"ik_(\w+?)(_obj)?", target)
                if not m:
                    continue  # a package (OpenSSL::Crypto, PkgConfig::YAML) or a keyword
                dep = m.group(1)
                if dep == folder:
                    continue
                if dep not in self.deps:
                    self.error("%s:%d" % (where, line), "links %s, no declared module" % target)
                elif not self.allowed(folder, dep):
                    self.error("%s:%d" % (where, line), "links %s: %s is not below %s (%s may use: %s)"
                               % (target, dep, folder, folder, self.may_use(folder)))
                else:
                    linked.add(dep)
            links[folder] = linked
        # What a folder includes must be reachable through what it links.
        reach = {}

        def reachable(mod, seen=()):
            if mod not in reach:
                acc = set(links.get(mod, ()))
                for dep in links.get(mod, ()):
                    if dep not in seen:
                        acc |= reachable(dep, seen + (mod,))
                reach[mod] = acc
            return reach[mod]

        for folder, used in sorted(built_from.items()):
            if folder == PUBLIC_HEADERS or folder not in links:
                continue
            if not links[folder] and folder in OPTIONAL_MODULES:
                continue  # links a set of objects, not archives (the shared library)
            for dep in sorted(used - {folder, PUBLIC_HEADERS}):
                if dep in self.deps and self.allowed(folder, dep) and dep not in reachable(folder):
                    self.error(folder + "/CMakeLists.txt",
                               "%s/ includes %s/ headers but does not link ik_%s, "
                               "directly or through its DEPENDS" % (folder, dep, dep))
        self.check_module_list()

    def check_module_list(self):
        path = os.path.join(self.root, "CMakeLists.txt")
        if not os.path.isfile(path):
            self.error("CMakeLists.txt", "missing")
            return
        with open(path, encoding="utf-8") as f:
            text = strip_cmake_comments(f.read())
        m = IK_MODULES_RE.search(text)
        if not m:
            self.error("CMakeLists.txt", "no set(IK_MODULES ...) list of the modules")
            return
        listed = m.group(1).split()
        where = "CMakeLists.txt:%d" % (text.count("\n", 0, m.start()) + 1)
        for i, mod in enumerate(listed):
            if mod not in self.deps:
                self.error(where, "IK_MODULES names %s, which is not in MODULE_DEPS" % mod)
                continue
            later = [d for d in self.below[mod] if d in listed[i + 1:]]
            if later:
                self.error(where, "IK_MODULES lists %s before %s, which it uses"
                           % (mod, ", ".join(sorted(later))))
        for mod in self.deps:
            if mod not in listed and mod not in TOP and mod not in OPTIONAL_MODULES:
                self.error(where, "IK_MODULES does not list %s" % mod)

    def check_doc(self):
        path = os.path.join(self.root, ARCH_DOC)
        if not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            shown = {line.strip() for line in f}
        missing = [row.strip() for row in diagram(self.deps).splitlines()
                   if row.strip() not in shown]
        if missing:
            self.error(ARCH_DOC, "does not show the declared order (check_deps.py --print-order); "
                       "missing: %s" % " / ".join(missing))

    def run(self):
        graph, built_from = self.check_includes()
        self.check_file_cycles(graph)
        self.check_cmake(built_from)
        self.check_doc()
        return self.errors


def check_tree(root, deps=MODULE_DEPS, quiet=False):
    checker = Checker(root, deps)
    errors = checker.run()
    if not quiet:
        for e in errors:
            print(e)
        if errors:
            print("check_deps: %d violation(s) of the module order (tests/arch/check_deps.py)"
                  % len(errors))
        else:
            print("check_deps: ok (%d files, %d includes of igvmkit headers)"
                  % (checker.files, checker.includes))
    return errors


# Call circles between the files of one folder that are known and not yet cut (issue 12):
# folder -> list of sets of source files.  A circle that changes is a new circle.
KNOWN_CALL_CIRCLES = {}


def strongly_connected(nodes, edges):
    """Tarjan: the cycles among NODES (EDGES: node -> iterable of nodes), each a sorted list:
    components of more than one node, and single nodes with an edge to themselves."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                comps.append(sorted(comp))

    sys.setrecursionlimit(max(1000, 4 * len(nodes) + 100))
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return comps


def archive_symbols(nm_output):
    """{member: (defined global symbols, undefined symbols)} from `nm ARCHIVE`."""
    members, current = {}, None
    for line in nm_output.splitlines():
        if line.endswith(":") and " " not in line:
            current = line[:-1]
            members[current] = (set(), set())
            continue
        parts = line.split()
        if current is None or not parts:
            continue
        if len(parts) == 2 and parts[0] == "U":
            members[current][1].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCGSVW":
            members[current][0].add(parts[2])
    return members


def call_circles(members):
    """[(files of one circle, {(a, b): symbols a calls in b})] for one archive."""
    owner = {}
    for member, (defined, _) in members.items():
        for sym in defined:
            owner[sym] = member
    edges, why = {}, {}
    for member, (_, undefined) in members.items():
        for sym in undefined:
            other = owner.get(sym)
            if other and other != member:
                edges.setdefault(member, set()).add(other)
                why.setdefault((member, other), set()).add(sym)
    found = []
    for comp in strongly_connected(members, edges):
        members_in = set(comp)
        calls = {k: v for k, v in why.items() if k[0] in members_in and k[1] in members_in}
        found.append((comp, calls))
    return found


def source_name(member):
    return member[:-2] if member.endswith(".o") else member  # "diff.c.o" -> "diff.c"


def check_calls(build_dir, known=KNOWN_CALL_CIRCLES, nm="nm"):
    errors, notes, archives = [], [], 0
    found = {}
    for dirpath, dirnames, filenames in os.walk(build_dir):
        dirnames.sort()
        for name in filenames:
            if name.startswith("libik_") and name.endswith(".a"):
                found.setdefault(name, os.path.join(dirpath, name))
    for mod in MODULE_DEPS:
        path = found.get("libik_%s.a" % mod)
        if path is None:
            continue
        archives += 1
        try:
            out = subprocess.run([nm, path], check=True, capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            errors.append("%s: nm failed: %s" % (path, e))
            continue
        for comp, calls in call_circles(archive_symbols(out)):
            files = {source_name(m) for m in comp}
            detail = "; ".join("%s -> %s (%s)" % (source_name(a), source_name(b),
                                                  ", ".join(sorted(syms)[:4]) +
                                                  (", ..." if len(syms) > 4 else ""))
                               for (a, b), syms in sorted(calls.items()))
            text = "%s/: files call each other: %s [%s]" % (mod, ", ".join(sorted(files)), detail)
            if files in known.get(mod, []):
                notes.append("known, to be cut: " + text)
            else:
                errors.append(text)
    if archives == 0:
        errors.append("%s: no libik_*.a archives (build first)" % build_dir)
    return errors, notes, archives


# Self-test: a small tree that passes, then one fault at a time that must be reported.
CLEAN = {
    "CMakeLists.txt": "set(IK_MODULES common igvm measure fuki sign vars layout descriptor diff assemble)\n",
    "common/CMakeLists.txt": "ik_module(common SOURCES buf.c DEPENDS OpenSSL::Crypto)\n",
    "common/buf.h": "#include <stdint.h>\n",
    "common/buf.c": '#include "common/buf.h"\n',
    "igvm/CMakeLists.txt": "ik_module(igvm SOURCES igvm.c DEPENDS ik_common)\n",
    "igvm/igvm.h": '#include "common/buf.h"\n',
    "igvm/igvm_private.h": '#include "igvm/igvm.h"\n',
    "igvm/igvm.c": '#include "igvm/igvm_private.h"\n#include "common/buf.h"\n',
    "measure/CMakeLists.txt": "ik_module(measure SOURCES measure.c DEPENDS ik_igvm)\n",
    "measure/measure.h": '#include "igvm/igvm.h"\n',
    "measure/measure.c": '#include "measure/measure.h"\n#include "common/buf.h"\n',
    "fuki/CMakeLists.txt": "ik_module(fuki SOURCES fuki.c DEPENDS ik_igvm)\n",
    "fuki/fuki.c": '#include "igvm/igvm.h"\n',
    "sign/CMakeLists.txt": "ik_module(sign SOURCES sign.c DEPENDS ik_fuki ik_measure)\n",
    "sign/sign.c": '#include "measure/measure.h"\n',
    "vars/CMakeLists.txt": "ik_module(vars SOURCES vars.c DEPENDS ik_sign)\n",
    "vars/vars.c": '#include "common/buf.h"\n',
    "layout/CMakeLists.txt": "ik_module(layout SOURCES layout.c DEPENDS ik_vars ik_sign ik_measure)\n",
    "layout/layout.c": '#include "measure/measure.h"\n',
    "descriptor/CMakeLists.txt": "ik_module(descriptor SOURCES d.c DEPENDS ik_igvm)\n",
    "descriptor/d.c": '#include "igvm/igvm.h"\n',
    "diff/CMakeLists.txt": "ik_module(diff SOURCES diff.c DEPENDS ik_sign ik_fuki ik_measure)\n",
    "diff/diff.c": '#include "measure/measure.h"\n',
    "assemble/CMakeLists.txt": "ik_module(assemble SOURCES a.c DEPENDS ik_layout ik_diff ik_descriptor)\n",
    "assemble/a.h": '#include "igvm/igvm.h"\n',
    "assemble/a.c": '#include "assemble/a.h"\n#include "measure/measure.h"\n',
    "cli/CMakeLists.txt": "add_executable(igvmkit main.c)\ntarget_link_libraries(igvmkit PRIVATE ik_assemble)\n",
    "cli/cli.h": "#include <stdio.h>\n",
    "cli/main.c": '#include "cli/cli.h"\n#include "assemble/a.h"\n#include "igvmkit/igvmkit.h"\n',
    "include/igvmkit/igvmkit.h": "#include <stddef.h>\n#include <igvmkit/version.h>\n",
    "include/igvmkit/version.h": "#define IGVMKIT_VERSION 0\n",
}

# (name, files changed from CLEAN, text every expected message must contain)
FAULTS = [
    ("upward include", {"igvm/igvm.c": '#include "igvm/igvm.h"\n\n#include "measure/measure.h"\n'},
     ["igvm/igvm.c:3: includes measure/measure.h: measure is not below igvm"]),
    ("sideways include", {"fuki/fuki.c": '#include "measure/measure.h"\n'},
     ["fuki/fuki.c:1: includes measure/measure.h: measure is not below fuki"]),
    ("include of cli/", {"assemble/a.c": '#include "cli/cli.h"\n'},
     ["assemble/a.c:1: includes cli/cli.h: nothing may include cli/"]),
    ("internal header of another folder", {"measure/measure.c": '#include "igvm/igvm_private.h"\n'},
     ["measure/measure.c:1: includes igvm/igvm_private.h, internal to igvm/"]),
    ("public header reaching in", {"include/igvmkit/version.h": '#include "common/buf.h"\n'},
     ["include/igvmkit/version.h:1: includes common/buf.h: common is not below include"]),
    ("unresolved include", {"vars/vars.c": '#include "vars/gone.h"\n'},
     ['vars/vars.c:1: includes "vars/gone.h", which is no file']),
    ("include cycle", {"igvm/igvm.h": '#include "common/buf.h"\n#include "igvm/igvm_private.h"\n'},
     ["igvm/igvm.h: include cycle between igvm/igvm.h, igvm/igvm_private.h",
      "igvm/igvm.h:2 -> igvm/igvm_private.h", "igvm/igvm_private.h:1 -> igvm/igvm.h"]),
    ("self include", {"common/buf.h": '#include "common/buf.h"\n'},
     ["common/buf.h: include cycle between common/buf.h (common/buf.h:1 -> common/buf.h)"]),
    ("upward DEPENDS", {"measure/CMakeLists.txt": "ik_module(measure SOURCES measure.c\n"
                        "          DEPENDS ik_igvm ik_sign)\n"},
     ["measure/CMakeLists.txt:1: links ik_sign: sign is not below measure"]),
    ("upward link", {"vars/CMakeLists.txt": "ik_module(vars SOURCES vars.c DEPENDS ik_sign)\n"
                     "target_link_libraries(ik_vars_obj PRIVATE ik_layout)\n"},
     ["vars/CMakeLists.txt:2: links ik_layout: layout is not below vars"]),
    ("include not linked", {"descriptor/CMakeLists.txt": "ik_module(descriptor SOURCES d.c DEPENDS ik_common)\n"},
     ["descriptor/CMakeLists.txt: descriptor/ includes igvm/ headers but does not link ik_igvm"]),
    ("module list out of order",
     {"CMakeLists.txt": "set(IK_MODULES common measure igvm fuki sign vars layout descriptor diff assemble)\n"},
     ["CMakeLists.txt:1: IK_MODULES lists measure before igvm, which it uses"]),
    ("docs out of step", {ARCH_DOC: "    1  igvm -> common\n    0  common\n"},
     [ARCH_DOC + ": does not show the declared order (check_deps.py --print-order); "
      "missing: 7  libigvmkit -> assemble"]),
    ("module folder missing", {"descriptor/d.c": None, "descriptor/CMakeLists.txt": None},
     ["descriptor/: module folder missing"]),
]


def write_tree(root, files):
    for rel, text in files.items():
        if text is None:
            continue
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def self_test():
    failures = 0
    # The order itself: a cycle in MODULE_DEPS is refused.
    try:
        closure({"a": ["b"], "b": ["a"]})
        print("FAIL self-test 'declared cycle': accepted")
        failures += 1
    except ValueError:
        pass
    with tempfile.TemporaryDirectory(prefix="ik-check-deps-") as tmp:
        clean = os.path.join(tmp, "clean")
        write_tree(clean, CLEAN)
        errors = check_tree(clean, quiet=True)
        if errors:
            print("FAIL self-test 'clean tree': " + "; ".join(errors))
            failures += 1
        for i, (name, change, expected) in enumerate(FAULTS):
            tree = os.path.join(tmp, "fault%d" % i)
            files = dict(CLEAN)
            files.update(change)
            if any(v is None for v in change.values()):
                files = {k: v for k, v in files.items() if v is not None}
                for rel in change:
                    if change[rel] is None:
                        files.pop(rel, None)
            write_tree(tree, files)
            errors = check_tree(tree, quiet=True)
            missing = [e for e in expected if not any(e in got for got in errors)]
            if not errors or missing:
                print("FAIL self-test '%s': expected %s, got %s" % (name, missing or expected, errors))
                failures += 1
            elif len(errors) != 1 and name != "include cycle":
                print("FAIL self-test '%s': one violation expected, got %s" % (name, errors))
                failures += 1
    # Call circles, from nm's archive listing.
    nm_text = ("\na.c.o:\n0000 T a_run\n                 U b_help\n"
               "\nb.c.o:\n0000 T b_help\n                 U a_util\n0010 T a_unused\n"
               "\nc.c.o:\n0000 T a_util\n                 U b_help\n")
    circles = call_circles(archive_symbols(nm_text))
    files = [sorted(source_name(m) for m in comp) for comp, _ in circles]
    if files != [["b.c", "c.c"]]:
        print("FAIL self-test 'call circle': expected b.c <-> c.c, got %s" % files)
        failures += 1
    if call_circles(archive_symbols(nm_text.replace("U a_util", "U printf"))):
        print("FAIL self-test 'no call circle': reported one")
        failures += 1
    total = len(FAULTS) + 4
    if failures:
        print("check_deps self-test: %d of %d cases failed" % (failures, total))
        return 1
    print("check_deps self-test: ok (%d cases)" % total)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) == 2 and argv[1] == "--print-order":
        closure(MODULE_DEPS)
        print(diagram(MODULE_DEPS))
        return 0
    if len(argv) in (3, 4) and argv[1] == "--calls":
        errors, notes, archives = check_calls(argv[2], nm=argv[3] if len(argv) == 4 else "nm")
        for line in notes + errors:
            print(line)
        if errors:
            print("check_deps --calls: %d new call circle(s) inside a folder" % len(errors))
            return 1
        print("check_deps --calls: ok (%d archives, %d known circle(s) left)" % (archives, len(notes)))
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: check_deps.py SOURCE_DIR | --self-test | --print-order | --calls BUILD_DIR [NM]",
              file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(argv[1], "CMakeLists.txt")):
        print("check_deps: %s is not an igvmkit source tree" % argv[1], file=sys.stderr)
        return 2
    return 1 if check_tree(argv[1]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
