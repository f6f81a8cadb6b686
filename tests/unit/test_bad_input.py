"""Malformed input, generated: task.toml, models.toml, claims.toml, SWE-bench instance and
prediction files, and command lines. Each must give one of the project's errors in one
line naming the file (and the field where there is one), never another exception, and
leave every file as it was."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from horizonbench.agents.endpoints import load_models
from horizonbench.cli import app
from horizonbench.errors import HorizonError
from horizonbench.scoring.claims_file import load_claims
from horizonbench.tasks.loader import load_task
from horizonbench.tasks.swebench_io import import_instances
from horizonbench.workflows.predictions import read_predictions

REPO = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- TOML documents ------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_scalar = st.one_of(
    _text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
_value = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=6
)


def _toml_key(key: str) -> str:
    return json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def dump_toml(doc: dict[str, Any]) -> str:
    """TOML for a document of scalars, tables (one level) and arrays of tables."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict | list)]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items() if isinstance(v, list)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{_toml_key(k)}]")
            lines += [f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def mutated(base: dict[str, Any]) -> st.SearchStrategy[tuple[dict[str, Any], list[str]]]:
    """``base`` with one field set to a random value, removed, or an unknown one added;
    returns the document and the path of the change."""

    def paths(doc: Any, prefix: list[str]) -> list[list[str]]:
        out = []
        if isinstance(doc, dict):
            for k, v in doc.items():
                out.append([*prefix, k])
                out += paths(v, [*prefix, k])
        elif isinstance(doc, list):
            for i, v in enumerate(doc):
                out += paths(v, [*prefix, str(i)])
        return out

    def apply(path: list[str], action: str, value: Any, extra: str) -> tuple[dict[str, Any], list[str]]:
        doc = json.loads(json.dumps(base))
        node: Any = doc
        for part in path[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last: Any = int(path[-1]) if isinstance(node, list) else path[-1]
        if action == "set":
            node[last] = value
        elif action == "drop":
            del node[last]
        else:
            target = node[last] if isinstance(node[last], dict) else node
            target["x_" + extra] = value
        return doc, path

    return st.builds(
        apply,
        st.sampled_from(paths(base, [])),
        st.sampled_from(["set", "drop", "add"]),
        _value,
        st.text("abcdefgh", min_size=1, max_size=6),
    )


_junk = st.one_of(
    st.text(max_size=200),
    st.text("[]{}=\"'#.,\n abc123-_", max_size=120),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)

# -- checks ----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    out: dict[str, tuple[int, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            # files by content and time; directories by name (a staging directory made and
            # removed again bumps its parent's time, and changes nothing)
            is_file = p.is_file()
            out[str(p.relative_to(root))] = (
                p.lstat().st_mtime_ns if is_file else 0,
                p.read_bytes() if is_file else b"",
            )
    return out


@contextmanager
def workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hb-bad-") as d:
        yield Path(d)


def rejects_cleanly(call: Callable[[], object], root: Path, file: Path, field: list[str] | None = None) -> None:
    """``call`` either accepts the input or raises a HorizonError naming ``file`` in one
    line; nothing under ``root`` changes either way."""
    before = snapshot(root)
    try:
        call()
    except HorizonError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, repr(message)
        assert str(file) in message, message
        if field:  # a named field, when the problem is one field's
            assert any(str(part) in message for part in field) or "TOML" in message or ":" in message, message
    assert snapshot(root) == before, "the input changed files on disk"


# -- task.toml ------------------------------------------------------------------------------

TASK_BASE: dict[str, Any] = {
    "schema_version": "1.1",
    "metadata": {"difficulty": "easy", "tags": ["python"], "family": "statkit"},
    "horizon": {"steps": 4, "expert_minutes": 3},
    "agent": {"timeout_sec": 600},
    "environment": {"cpus": 1, "memory_mb": 512, "storage_mb": 1024, "memory": "2G"},
    "verifier": {
        "grader": "swebench",
        "mode": "fresh",
        "command": "python3 -m pytest -rA",
        "fail_to_pass": ["tests/test_a.py::test_a"],
        "pass_to_pass": ["tests/test_a.py::test_b"],
    },
    "milestones": [{"name": "first", "tests": ["tests/test_a.py::test_a"]}],
    "tools": [{"name": "lookup", "description": "find", "command": "cat"}],
}


def _task_dir(root: Path, toml_text: str) -> Path:
    task = root / "t"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\n")
    (task / "tests" / "test.sh").write_text("exit 0\n")
    (task / "instruction.md").write_text("Do it.\n")
    (task / "task.toml").write_text(toml_text)
    return task


def test_task_base_document_loads() -> None:
    with workspace() as root:
        load_task(_task_dir(root, dump_toml({k: v for k, v in TASK_BASE.items() if k not in ("milestones", "tools")})))


@SETTINGS
@given(mutated(TASK_BASE))
def test_task_toml_with_a_bad_field(case: tuple[dict[str, Any], list[str]]) -> None:
    doc, path = case
    with workspace() as root:
        task = _task_dir(root, _dump_with_arrays(doc))
        rejects_cleanly(lambda: load_task(task), root, task / "task.toml", path)


@SETTINGS
@given(_junk)
@example('[environment]\nmemory = "1e400G"\n')  # an infinite size
@example('"a\\nb" = 1\n')  # a key with a newline, named in the message
@example("[verifier]\ngrader = 3\n")
def test_task_toml_that_is_not_toml(text: str) -> None:
    with workspace() as root:
        task = _task_dir(root, text)
        rejects_cleanly(lambda: load_task(task), root, task / "task.toml")


def _dump_with_arrays(doc: dict[str, Any]) -> str:
    """dump_toml, with lists of tables written as [[arrays]] (milestones, tools, model, claim)."""
    plain = {k: v for k, v in doc.items() if not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v))}
    text = dump_toml(plain)
    for k, v in doc.items():
        if k not in plain:
            for item in v:
                text += f"[[{_toml_key(k)}]]\n" + "".join(
                    f"{_toml_key(a)} = {_toml_value(b)}\n" for a, b in item.items()
                )
    return text


# -- models.toml ------------------------------------------------------------------------------

MODELS_BASE: dict[str, Any] = {
    "schema_version": "1",
    "prices_as_of": "2025-10-01",
    "model": [
        {
            "name": "m",
            "provider": "openai",
            "base_url": "http://127.0.0.1:1/v1",
            "api_key_env": "M_KEY",
            "context_window": 32000,
            "price": {"input": 1.0, "cached_input": 0.5, "output": 2.0},
            "params": {"temperature": 0},
        }
    ],
}


@SETTINGS
@given(st.one_of(mutated(MODELS_BASE).map(lambda c: (_dump_with_arrays(c[0]), c[1])), _junk.map(lambda t: (t, []))))
def test_models_toml(case: tuple[str, list[str]]) -> None:
    text, path = case
    with workspace() as root:
        f = root / "models.toml"
        f.write_text(text)
        rejects_cleanly(lambda: load_models(f), root, f, path)


# -- claims.toml ------------------------------------------------------------------------------

CLAIMS_BASE: dict[str, Any] = {
    "schema_version": 1,
    "claim": [
        {
            "id": "x70",
            "text": "X resolves 70%",
            "kind": "pass_rate",
            "subject": {"model": "x"},
            "suite": "swe",
            "op": ">=",
            "value": 0.7,
            "min_minutes": 1,
        },
        {
            "id": "near",
            "text": "X near Z",
            "kind": "within",
            "subject": {"model": "x"},
            "reference": {"model": "z"},
            "points": 3,
        },
    ],
}


@SETTINGS
@given(st.one_of(mutated(CLAIMS_BASE).map(lambda c: (_dump_with_arrays(c[0]), c[1])), _junk.map(lambda t: (t, []))))
@example(('"a\\nb" = 1\nschema_version = 1\n', []))
def test_claims_toml(case: tuple[str, list[str]]) -> None:
    text, path = case
    with workspace() as root:
        f = root / "claims.toml"
        f.write_text(text)
        rejects_cleanly(lambda: load_claims(f), root, f, path)


# -- SWE-bench instances and predictions ------------------------------------------------------

INSTANCE: dict[str, Any] = {
    "instance_id": "owner__name-1",
    "repo": "owner/name",
    "base_commit": "0" * 40,
    "patch": "diff --git a/x.py b/x.py\n",
    "test_patch": "diff --git a/tests/test_x.py b/tests/test_x.py\n",
    "FAIL_TO_PASS": '["tests/test_x.py::test_a"]',
    "PASS_TO_PASS": "[]",
    "version": "1.0",
}
_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)


def _rows(base: dict[str, Any]) -> st.SearchStrategy[str]:
    row = st.builds(
        lambda key, value, drop: {
            **{k: v for k, v in base.items() if k != drop},
            **({key: value} if key else {}),
        },
        st.sampled_from([*base, ""]),
        _json_value,
        st.sampled_from([*base, ""]),
    )
    line = st.one_of(row.map(json.dumps), _json_value.map(json.dumps), _junk.map(lambda t: t.replace("\n", " ")))
    return st.one_of(st.lists(line, min_size=1, max_size=4).map("\n".join), _junk)


@SETTINGS
@given(_rows(INSTANCE))
def test_swebench_instance_files(text: str) -> None:
    with workspace() as root:
        f = root / "instances.jsonl"
        f.write_text(text)
        (root / "repos").mkdir()
        (root / "out").mkdir()
        rejects_cleanly(lambda: import_instances(f, root / "repos", root / "out"), root, f)


@SETTINGS
@given(_rows({"instance_id": "owner__name-1", "model_name_or_path": "m", "model_patch": "diff --git a/x b/x\n"}))
def test_prediction_files(text: str) -> None:
    with workspace() as root:
        f = root / "predictions.jsonl"
        f.write_text(text)
        rejects_cleanly(lambda: read_predictions(f), root, f)


# -- command lines --------------------------------------------------------------------------

runner = CliRunner()
_word = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=0, max_size=10)
_option_values = {
    "--attempts": st.one_of(st.integers(-5, 0).map(str), _word),
    "--concurrency": st.one_of(st.integers(-5, 0).map(str), _word),
    "--run-id": st.sampled_from(["../escape", "a/b", "", "-x", "x" * 200, "white space"]),
    "--agent": st.sampled_from(["gpt-9", "no.such.module:Agent", "tests.agents:Nope", ""]),
    "--agent-opt": st.sampled_from(["novalue", "=x", ""]),
    "--executor": st.sampled_from(["slurm", "", "dask --local-workers"]),
    "--timeout": _word,
    "--max-cost": _word,
    "--models": st.sampled_from(["/nonexistent/models.toml"]),
    "--min-minutes": _word,
}


@st.composite
def _command_line(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from([["run"], ["tasks", "list"], ["tasks", "show"], ["tasks", "check"]]))
    paths = draw(
        st.lists(st.sampled_from(["tasks/nowhere", "README.md", "tasks/smoke", "tasks/smoke/fix-median"]), max_size=2)
    )
    options = draw(st.lists(st.sampled_from(sorted(_option_values)), min_size=1, max_size=3, unique=True))
    args = list(command) + paths
    for opt in options:
        args += [opt, draw(_option_values[opt])]
    return args


def _invalid_somewhere(args: list[str]) -> bool:
    """Whether the command line surely fails before any trial would run."""
    return not (args[:1] == ["run"] and "tasks/smoke" in " ".join(args) and "--run-id" not in args)


@SETTINGS
@given(_command_line())
def test_command_lines(args: list[str]) -> None:
    if args[:1] == ["run"] or args[:2] == ["tasks", "check"]:
        # These would start work if the rest were valid: add a bad run id (checked before
        # the run directory is made) so that nothing runs, and keep results in a temp dir.
        args = [*args, "--run-id", "../escape", "--no-progress"] if args[0] == "run" else [*args, "--task", "x*y"]
    with workspace() as root:
        if args[0] == "run":
            args += ["--results", str(root / "results")]
        before_repo = snapshot(REPO / "tasks" / "smoke")
        result = runner.invoke(app, args, catch_exceptions=True)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            assert isinstance(exc, HorizonError), f"{args}: {type(exc).__name__}: {exc}"
            assert "\n" not in str(exc), repr(str(exc))
        assert "Traceback" not in result.output
        assert not (root / "results").exists() or snapshot(root / "results") == {}
        assert snapshot(REPO / "tasks" / "smoke") == before_repo


@pytest.mark.parametrize(
    "args",
    [
        ["run", "tasks/nowhere"],
        ["run", "tasks/smoke", "--attempts", "0", "--run-id", "x", "--no-progress"],
        ["tasks", "show", "README.md"],
        ["agents", "models", "--models", "/nonexistent/models.toml"],
    ],
)
def test_command_line_errors_are_one_line_with_exit_2(args: list[str], tmp_path: Path) -> None:
    from tests.helpers import hb

    res = hb(*args, "--results", str(tmp_path)) if args[0] == "run" else hb(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error: "), res.stderr
    assert list(tmp_path.iterdir()) == []
