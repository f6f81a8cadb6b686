"""Rename a Python module or package everywhere it is named: in source, tests, patches, commands.

Standard library only: the task variant generator uses it on the host (hidden tests, the oracle's
patch, task.toml, the instruction) and copies this file into the image, where it runs on the
repository built there (``python3 rename_module.py OLD NEW DIR``), so the same rules rewrite both.

A name is renamed where it means the module: before a dot and not after one (``old.x``,
``"old.sub"``, ``old.py``), as a path component (``old/``), in ``import old`` and ``from old
import``, and as a bare name (``del old``). An attribute of the same name (``parse.parse``,
``urllib.parse``), a name imported from somewhere (``from x import parse``), a function of that
name where it is defined or called (``def parse(``, ``parse(text)``) and a quoted name
(``__all__ = ["parse"]``) keep theirs.
"""

from __future__ import annotations

import os
import re
import sys

TEXT_SUFFIXES = (".py", ".pyi", ".txt", ".cfg", ".toml", ".ini", ".rst", ".md", ".diff", ".patch", ".sh", ".json")


def rules(old: str, new: str, quoted: bool = True) -> list[tuple[re.Pattern[str], str]]:
    o = re.escape(old)
    found = [
        (re.compile(rf"(?<![\w.]){o}(?=\.)"), new),  # old.attr, "old.sub", old.py
        (re.compile(rf"(?<![\w.-]){o}(?=/)"), new),  # old/path, a/old/x.py
        (re.compile(rf"(?m)^(\s*import\s+){o}\b"), rf"\g<1>{new}"),  # import old (not: from x import old)
        (re.compile(rf"(?<=\bfrom ){o}(?=\s+import\b)"), new),  # from old import
        # the bare name (del old, isinstance(x, old.T) is above), but not a function of the same
        # name being defined or called (def parse(, parse(text)): that one keeps its name
        (re.compile(rf"(?<![\w.\"'])(?<!def )(?<!class )(?<!import )(?<!, ){o}\b(?!\s*\()(?![\w\"'-])"), new),
    ]
    if quoted:  # "old" as a module name (import_module("old")), unless a function shares the name
        found.append((re.compile(rf"(?<=[\"']){o}(?=[\"'])"), new))
    return found


def shares_name(old: str, *texts: str) -> bool:
    """Whether the project has something else called ``old`` (``from old import old``, ``def old(``):
    then a quoted ``"old"`` may mean that (``__all__ = ["old"]``) and is left alone."""
    pattern = re.compile(
        rf"(?m)^\s*(def|class)\s+{re.escape(old)}\b|from\s+{re.escape(old)}\s+import\b[^\n]*\b{re.escape(old)}\b"
    )
    return any(pattern.search(text) for text in texts)


def rewrite_text(text: str, old: str, new: str, quoted: bool = True) -> str:
    for pattern, replacement in rules(old, new, quoted):
        text = pattern.sub(replacement, text)
    return text


def rename_tree(root: str, old: str, new: str, quoted: bool = True) -> int:
    """Rewrite every text file under ``root`` and rename paths named ``old`` / ``old.py``; returns
    how many files changed."""
    changed = 0
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        if "/.git" in dirpath or dirpath.endswith(".git"):
            continue
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith(TEXT_SUFFIXES) and not os.path.islink(path):
                with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                    text = fh.read()
                rewritten = rewrite_text(text, old, new, quoted)
                if rewritten != text:
                    with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                        fh.write(rewritten)
                    changed += 1
            if name in (f"{old}.py", f"{old}.pyi"):
                os.rename(path, os.path.join(dirpath, new + name[len(old) :]))
        for name in dirnames:
            if name == old:
                os.rename(os.path.join(dirpath, name), os.path.join(dirpath, new))
    return changed


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--keep-quoted"]
    if len(args) != 3:
        sys.exit("usage: rename_module.py OLD NEW DIR [--keep-quoted]")
    count = rename_tree(args[2], args[0], args[1], quoted="--keep-quoted" not in sys.argv)
    print(f"renamed {sys.argv[1]} to {sys.argv[2]} in {count} file(s)")
