"""The swe suite's test-dropping tool, without Docker: every task includes it from _shared/
through task.toml (no copies), no bug.diff touches a test file, and the tool removes exactly
what it is told."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import REPO

SWE = REPO / "tasks" / "swe"
SHARED = SWE / "_shared" / "drop_tests.py"
ENVS = sorted(p.parent for p in SWE.glob("*/environment/Dockerfile"))

_spec = importlib.util.spec_from_file_location("drop_tests", SHARED)
drop_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(drop_tests)


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.parent.name)
def test_tasks_include_the_shared_tool_instead_of_copying_it(env: Path) -> None:
    from horizonbench.tasks.loader import load_task

    task = load_task(env.parent)
    dockerfile = (env / "Dockerfile").read_text()
    assert not (env / "drop_tests.py").exists(), "a copy of _shared/drop_tests.py; include it from task.toml"
    if "drop_tests.py" in dockerfile:
        assert task.environment_includes() == {"drop_tests.py": SHARED.resolve()}
    else:
        assert "drop_tests.py" not in task.environment_includes(), "included but unused by the Dockerfile"


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.parent.name)
def test_bug_diff_touches_no_test_file(env: Path) -> None:
    diff = (env / "bug.diff").read_text()
    paths = re.findall(r"^(?:---|\+\+\+) [ab]/(\S+)", diff, flags=re.M)
    assert paths
    for path in paths:
        parts = Path(path).parts
        assert not any(p in ("test", "tests", "testing") for p in parts[:-1]), path
        assert not re.match(r"(test_.*|.*_test|conftest)\.py$", parts[-1]), path


SOURCE = textwrap.dedent(
    """\
    import pytest

    CASES = (
        ("a", 1),
        ("b",
         2),
        ("c", 3),  # the last one
    )
    TABLE = {
        "x": 1,
        "y": 2,
    }


    def test_one():
        assert 1
        assert 2


    @pytest.mark.parametrize("n", [1, 2])
    def test_two(n):
        assert n


    class TestThing:
        value = 1

        def test_a(self):
            pass

        @staticmethod
        def test_b():
            pass


    class TestOther:
        def test_a(self):
            pass
    """
)


def _names(source: str) -> list[str]:
    import ast

    tree = ast.parse(source)
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.append(node.name)
            out += [f"{node.name}.{m.name}" for m in getattr(node, "body", []) if isinstance(m, ast.FunctionDef)]
    return out


def test_drops_functions_methods_and_classes_with_their_decorators() -> None:
    out = drop_tests.drop(SOURCE, ["test_two", "TestThing.test_b", "TestOther"])
    assert _names(out) == ["test_one", "TestThing", "TestThing.test_a"]
    # Exactly the targets' lines go, with the blank lines just above each.
    lines = SOURCE.splitlines(keepends=True)
    start = {
        name: next(i for i, line in enumerate(lines) if name in line)
        for name in ("@pytest", "def test_b", "class TestOther")
    }
    gone = set(range(start["@pytest"] - 2, start["@pytest"] + 3)) | set(
        range(start["def test_b"] - 2, start["def test_b"] + 3)
    )
    gone |= set(range(start["class TestOther"] - 2, len(lines)))
    assert out == "".join(line for i, line in enumerate(lines) if i not in gone)


def test_subscripts_select_statements_and_elements() -> None:
    out = drop_tests.drop(SOURCE, ["test_one[1]", "CASES[0:2]", "TABLE[-1]"])
    assert "assert 1\n" in out and "assert 2" not in out
    assert '("a", 1)' not in out and '("b"' not in out and "2)," not in out and '("c", 3),  # the last one' in out
    assert '"x": 1' in out and '"y"' not in out
    ns: dict = {}
    exec(compile(out, "test_x.py", "exec"), ns)
    assert ns["CASES"] == (("c", 3),) and ns["TABLE"] == {"x": 1}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("test_missing", "not found"),
        ("TestThing.test_missing", "not found"),
        ("test_one[5]", "out of range"),
        ("test_one[0:2]", "empty"),
        ("test_one[3:]", "selects nothing"),
        ("test_one.x", "not a class"),
        ("bad name", "not a target"),
        ("TestOther[0]", "empty"),
    ],
)
def test_bad_targets_are_errors(target: str, message: str) -> None:
    with pytest.raises(drop_tests.DropError, match=message):
        drop_tests.drop(SOURCE, [target])


def test_ambiguous_and_shared_lines_are_errors() -> None:
    with pytest.raises(drop_tests.DropError, match="defined 2 times"):
        drop_tests.drop("def test_a():\n    pass\n\ndef test_a():\n    pass\n", ["test_a"])
    with pytest.raises(drop_tests.DropError, match="shares line"):
        drop_tests.drop("CASES = (1, 2,\n    3)\n", ["CASES[0]"])
    with pytest.raises(drop_tests.DropError, match="shares line"):
        drop_tests.drop("def test_a():\n    x = 1; assert x\n", ["test_a[1]"])


def test_command_line_edits_in_place_and_leaves_the_file_alone_on_error(tmp_path: Path) -> None:
    f = tmp_path / "test_x.py"
    f.write_bytes(SOURCE.replace("\n", "\r\n").encode())
    run = [sys.executable, str(SHARED), str(f)]
    bad = subprocess.run([*run, "test_one", "test_missing"], capture_output=True, text=True)
    assert bad.returncode == 1 and "test_missing" in bad.stderr
    assert f.read_bytes() == SOURCE.replace("\n", "\r\n").encode()
    ok = subprocess.run([*run, "test_one", "TestThing.test_a"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    out = f.read_bytes().decode()
    assert "\r\n" in out and "\n" not in out.replace("\r\n", "")
    assert _names(out) == ["test_two", "TestThing", "TestThing.test_b", "TestOther", "TestOther.test_a"]
