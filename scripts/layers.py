#!/usr/bin/env python3
"""The library's layers as its sources draw them: which top-level folders of
`crates/ngclearn/src` import which (`crate::X` paths), the edges that go against the
layer order, the file-level import cycles, and the largest files and functions.

    python3 scripts/layers.py [SRC_DIR]      (default: crates/ngclearn/src)

The layer order, lowest first: error, core, utils, io, components, the rest (prelude,
warning, lib). An edge from a lower layer to a higher one is a back-edge.
"""

import os
import re
import sys
from collections import defaultdict

ORDER = ["error", "warning", "core", "utils", "io", "components"]


def folder(rel):
    """The top-level module a source file belongs to (`core`, `error`, ...)."""
    head = rel.split("/")[0]
    return head[:-3] if head.endswith(".rs") else head


def module_of(rel):
    """The module path of a file: `core/partition.rs` -> `core::partition`."""
    p = rel[:-3]
    if p.endswith("/mod"):
        p = p[: -len("/mod")]
    return p.replace("/", "::")


def strip_comments_and_tests(text):
    text = re.sub(r"//[^\n]*", "", text)
    # Test modules may import anything.
    cut = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    return text[: cut.start()] if cut else text


def crate_paths(text):
    """Every `crate::a::b` path a file names (in `use` items or in code), as lists."""
    paths = []
    for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
        paths.append(m.group(1).strip(":").split("::"))
    # `use crate::{a::b, c}` groups.
    for m in re.finditer(r"\bcrate::\{([^;]*?)\};", text, re.S):
        for part in re.split(r"[,{}\s]+", m.group(1)):
            if part:
                paths.append(part.split("::"))
    return paths


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "crates/ngclearn/src"
    files = {}
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith(".rs"):
                full = os.path.join(root, n)
                rel = os.path.relpath(full, src).replace(os.sep, "/")
                files[rel] = open(full, encoding="utf-8").read()
    modules = {module_of(r): r for r in files}

    def resolve(path):
        """The file a `crate::...` path names: the longest module prefix."""
        for k in range(len(path), 0, -1):
            m = "::".join(path[:k])
            if m in modules:
                return modules[m]
        return None

    file_edges = defaultdict(set)
    folder_edges = defaultdict(lambda: defaultdict(set))
    for rel, text in files.items():
        body = strip_comments_and_tests(text)
        for p in crate_paths(body):
            target = resolve(p)
            if target and target != rel:
                file_edges[rel].add(target)
                a, b = folder(rel), folder(target)
                if a != b:
                    folder_edges[a][b].add(f"{rel} -> {target}")

    def rank(f):
        return ORDER.index(f) if f in ORDER else len(ORDER)

    print("## Imports between folders (from -> to: files)")
    back = 0
    for a in sorted(folder_edges, key=rank):
        for b in sorted(folder_edges[a], key=rank):
            n = len(folder_edges[a][b])
            mark = ""
            if rank(a) < rank(b) and a in ORDER and b in ORDER:
                mark = "  BACK-EDGE"
                back += n
            print(f"{a} -> {b}: {n}{mark}")
            if mark:
                for e in sorted(folder_edges[a][b]):
                    print(f"    {e}")
    print(f"back-edges: {back}")

    # Strongly connected components of the file graph (Tarjan).
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in file_edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(files):
        if v not in index:
            visit(v)
    print("\n## File-level import cycles (strongly connected sets of files)")
    for comp in sorted(sccs, key=len, reverse=True):
        folders = sorted({folder(f) for f in comp}, key=rank)
        print(f"{len(comp)} files across {', '.join(folders)}: {', '.join(sorted(comp))}")

    print("\n## Largest files (lines)")
    sizes = sorted(((t.count("\n"), r) for r, t in files.items()), reverse=True)
    for n, r in sizes[:8]:
        print(f"{n:6} {r}")

    print("\n## Largest functions (lines, outside tests)")
    funcs = []
    for r, t in files.items():
        body = strip_comments_and_tests(t)
        lines = body.split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"\s*(pub(\([^)]*\))? )?(const )?(unsafe )?fn (\w+)", line)
            if not m:
                continue
            depth, started, j = 0, False, i
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                if "{" in lines[j]:
                    started = True
                if started and depth <= 0:
                    break
                if not started and lines[j].rstrip().endswith(";"):
                    break
                j += 1
            if started:
                funcs.append((j - i + 1, f"{r}::{m.group(5)}"))
    for n, f in sorted(funcs, reverse=True)[:8]:
        print(f"{n:6} {f}")


if __name__ == "__main__":
    main()
