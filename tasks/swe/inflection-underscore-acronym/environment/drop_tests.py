"""Delete named tests from a Python test file, in place, by their syntax tree.

    python3 drop_tests.py FILE TARGET [TARGET ...]

A TARGET names a top-level function, class or assignment (``test_get_in``), or a
member of a class by a dotted path (``TestDict.test_merge_with``). A subscript narrows
it to a part of that definition, with Python's index and slice rules: ``test_f[1]`` is
the second statement of the body of ``test_f``, and ``CASES[0:2]`` the first two
elements of the tuple, list, set or dict assigned to ``CASES``.

The source lines of each target (with its decorators) are removed, together with the
blank lines just above it; every other line of the file is kept as it was. A target
that is missing or ambiguous, that shares a line with code that stays, or that would
leave a body empty is an error, and the file is then left untouched.

This is the canonical copy; each task whose image uses it has an identical copy in its
environment/ (a task's build context), kept in sync by tests/unit/test_swe_drop_tests.py.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

_TARGET = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\[(?P<lo>-?\d*)(?P<colon>:(?P<hi>-?\d*))?\])?$")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class DropError(Exception):
    pass


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, _DEFS):
        return node.name == name
    if isinstance(node, ast.Assign):
        return [getattr(t, "id", None) for t in node.targets] == [name]
    return isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name


def _named(body: list[ast.stmt], name: str) -> ast.stmt:
    found = [node for node in body if _defines(node, name)]
    if len(found) != 1:
        raise DropError(f"{name!r}: {'not found' if not found else f'defined {len(found)} times'}")
    return found[0]


def _span(node: ast.AST) -> tuple[ast.AST, ast.AST]:
    """The first and last node of a target: decorators included, a dict item is key and value."""
    first = node
    for dec in getattr(node, "decorator_list", []):
        if dec.lineno < first.lineno:
            first = dec
    return first, node


def _parts(node: ast.stmt, lo: str, colon: bool, hi: str, target: str) -> list[tuple[ast.AST, ast.AST]]:
    """The (first, last) node pairs a subscript selects in a definition."""
    if isinstance(node, _DEFS):
        items = [(n, n) for n in node.body]
        owner = node.body
    else:
        value = node.value
        if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
            items = [(e, e) for e in value.elts]
        elif isinstance(value, ast.Dict) and None not in value.keys:
            items = list(zip(value.keys, value.values, strict=True))
        else:
            raise DropError(f"{target!r}: only a def, a class or a literal tuple, list, set or dict can be subscripted")
        owner = None
    try:
        chosen = items[slice(int(lo) if lo else None, int(hi) if hi else None)] if colon else [items[int(lo)]]
    except (IndexError, ValueError):
        raise DropError(f"{target!r}: index out of range ({len(items)} items)") from None
    if not chosen:
        raise DropError(f"{target!r}: selects nothing")
    if owner is not None and len(chosen) == len(items):
        raise DropError(f"{target!r}: would leave the body of {node.name!r} empty")
    return chosen


def _whole_lines(lines: list[str], first: ast.AST, last: ast.AST, target: str) -> tuple[int, int]:
    """1-based line range of first..last, which must not share a line with other code."""
    head = lines[first.lineno - 1].encode()[: first.col_offset].decode()
    tail = lines[last.end_lineno - 1].encode()[last.end_col_offset :].decode()
    if not re.fullmatch(r"\s*(@\s*)?", head):  # a decorator's node starts after its "@"
        raise DropError(f"{target!r}: shares line {first.lineno} with other code")
    if not re.fullmatch(r"\s*,?\s*(#.*)?", tail):
        raise DropError(f"{target!r}: shares line {last.end_lineno} with other code")
    return first.lineno, last.end_lineno


def drop(source: str, targets: list[str]) -> str:
    """``source`` with the lines of ``targets`` removed."""
    tree = ast.parse(source)
    lines = [line for line in re.split("(?<=\n)", source) if line]  # line ends as ast counts them
    gone: set[int] = set()
    for target in targets:
        m = _TARGET.match(target)
        if not m:
            raise DropError(f"{target!r}: not a target (name, Class.name, name[i] or name[i:j])")
        node: ast.AST = tree
        for name in m["path"].split("."):
            if not isinstance(node, (ast.Module, ast.ClassDef)):
                raise DropError(f"{target!r}: {name!r} is looked up in something that is not a class")
            node = _named(node.body, name)
        if m["lo"] is None and not m["colon"]:
            spans = [_span(node)]
        else:
            spans = _parts(node, m["lo"], bool(m["colon"]), m["hi"], target)
        for first, last in spans:
            start, end = _whole_lines(lines, _span(first)[0], last, target)
            while start > 1 and not lines[start - 2].strip():
                start -= 1
            gone.update(range(start, end + 1))
    result = "".join(line for i, line in enumerate(lines, 1) if i not in gone)
    try:
        ast.parse(result)
    except SyntaxError as exc:
        raise DropError(f"the file would no longer parse: {exc}") from None
    return result


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            result = drop(fh.read(), argv[1:])
    except (DropError, SyntaxError, OSError) as exc:
        print(f"drop_tests.py: {path}: {exc}", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(result)
    print(f"drop_tests.py: {path}: dropped {', '.join(argv[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
