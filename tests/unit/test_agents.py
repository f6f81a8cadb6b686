"""Agent plumbing without Docker: registry and entry points, models and prices,
prompts, secrets, tool-call handling."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents import registry
from horizonbench.agents.endpoints import Usage, load_models, resolve
from horizonbench.agents.prompts import load_prompts
from horizonbench.agents.tools import ToolBox, truncate
from horizonbench.errors import ConfigError
from horizonbench.redact import redact, secret_values
from horizonbench.sandbox.shell import ExecResult


def test_entry_point_adapters_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "vendor_agent.py").write_text(
        "class VendorAgent:\n"
        "    name = 'vendor'\n    version = '2.1'\n    needs_solution = False\n"
        "    def __init__(self, model='x'):\n        self.model = model\n"
        "    async def run(self, task, sandbox, budget, recorder):\n        raise NotImplementedError\n"
    )
    dist = tmp_path / "vendor_agent-2.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: vendor-agent\nVersion: 2.1\n")
    (dist / "entry_points.txt").write_text("[horizonbench.agents]\nvendor = vendor_agent:VendorAgent\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    infos = {i.name: i for i in registry.available()}
    assert infos["vendor"].source == "entry point (vendor-agent)" and infos["vendor"].version == "2.1"
    agent = registry.create("vendor", model="m1")
    assert agent.name == "vendor" and agent.model == "m1"
    assert registry.accepted_options("vendor", {"model": "a", "base_url": "b"}) == {"model": "a"}
    assert registry.accepted_options("oracle", {"model": "a"}) == {}
    sys.modules.pop("vendor_agent", None)


def test_unknown_agent_and_bad_reference() -> None:
    with pytest.raises(ConfigError, match="unknown agent 'nope'"):
        registry.create("nope")
    with pytest.raises(ConfigError, match="cannot import no_such_module"):
        registry.create("no_such_module:Agent")
    with pytest.raises(ConfigError, match="does not implement the Agent protocol"):
        registry.create("pathlib:PurePath")


def test_models_prices_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = load_models()
    assert {"glm-4.6", "deepseek-chat", "kimi-k2", "qwen3-coder-plus", "claude-sonnet-4.5"} <= set(models)
    glm = models["glm-4.6"]
    # 0.5M fresh input at 0.60, 0.5M cached at 0.11, 0.1M output at 2.20
    assert glm.cost(Usage(input_tokens=1_000_000, cached_input_tokens=500_000, output_tokens=100_000)) == pytest.approx(
        0.575
    )
    custom = tmp_path / "models.toml"
    custom.write_text('[[model]]\nname = "glm-4.6"\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n')
    assert load_models(custom)["glm-4.6"].base_url == "http://127.0.0.1:9/v1"
    spec = resolve("my-local-model", base_url="http://127.0.0.1:8000/v1", api_key_env="NO_SUCH_VAR_FOR_TEST")
    assert spec.provider == "openai" and spec.model_id == "my-local-model"
    monkeypatch.delenv("NO_SUCH_VAR_FOR_TEST", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_VAR_FOR_TEST is not set"):
        spec.api_key()
    with pytest.raises(ConfigError, match="unknown model 'mystery'"):
        resolve("mystery")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[model]]\nname = "x"\nprovider = "grpc"\nbase_url = "u"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: model\.0\.provider"):
        load_models(bad)


def test_prompts_are_files_with_hashes(tmp_path: Path) -> None:
    builtin = load_prompts()
    text = builtin.render_instance(instruction="Fix it.", workdir="/work/repo", task_name="t")
    assert "Fix it." in text and "/work/repo" in text
    (tmp_path / "system.md").write_text("Be terse.")
    custom = load_prompts(tmp_path)
    assert custom.system == "Be terse." and custom.instance == builtin.instance
    assert custom.hashes["system.md"] != builtin.hashes["system.md"]
    assert custom.hashes["instance.md"] == builtin.hashes["instance.md"]
    with pytest.raises(ConfigError, match="no such directory"):
        load_prompts(tmp_path / "missing")


def test_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_KEY", "sk-acme-1234567890")
    monkeypatch.setenv("GH_TOKEN", "ghp_abcdefghijkl")
    monkeypatch.setenv("SHORT_KEY", "1")
    values = secret_values(["extra-secret-value"])
    text = "sk-acme-1234567890 ghp_abcdefghijkl extra-secret-value 1"
    assert redact(text, values) == "[REDACTED] [REDACTED] [REDACTED] 1"


def test_truncate_keeps_head_and_tail() -> None:
    text = "A" * 100 + "B" * 1000 + "C" * 100
    out = truncate(text, 200)
    assert out.startswith("A" * 100) and out.endswith("C" * 100) and "1000 characters elided" in out


class FakeSandbox:
    """Files in a dict; enough for the editor and the task tools."""

    workdir = "/w"

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {"/w/a.py": b"x = 1\ny = 2\n"}
        self.commands: list[str] = []

    def read_file(self, path: str) -> bytes:
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path]

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        self.files[path] = data.encode() if isinstance(data, str) else data

    async def aexec(self, command: str, **kwargs: Any) -> ExecResult:
        self.commands.append(command)
        if command.startswith("if [ -d"):
            return ExecResult(3, "", "", 0.0)
        return ExecResult(0, "tool ran\n", "", 0.0)

    async def ashell(self, command: str, **kwargs: Any) -> ExecResult:
        return ExecResult(0, "ok\n", "", 0.0)


def test_editor_and_malformed_calls() -> None:
    from horizonbench.models.task import ToolSpec

    sb = FakeSandbox()
    box = ToolBox(sb, "/w", [ToolSpec(name="lookup", description="d", command="/opt/lookup")])  # type: ignore[arg-type]

    async def go() -> None:
        r = await box.call(
            "str_replace_editor", {"command": "str_replace", "path": "a.py", "old_str": "y = 2", "new_str": "y = 3"}
        )
        assert not r.is_error and sb.files["/w/a.py"] == b"x = 1\ny = 3\n"
        r = await box.call(
            "str_replace_editor", {"command": "str_replace", "path": "a.py", "old_str": "zzz", "new_str": ""}
        )
        assert r.is_error and "occurs 0 times" in r.output
        r = await box.call(
            "str_replace_editor", {"command": "insert", "path": "a.py", "insert_line": 1, "new_str": "z = 0"}
        )
        assert sb.files["/w/a.py"] == b"x = 1\nz = 0\ny = 3\n"
        r = await box.call("str_replace_editor", {"command": "view", "path": "a.py", "view_range": [2, 3]})
        assert r.output.splitlines() == ["     2\tz = 0", "     3\ty = 3"]
        await box.call("str_replace_editor", {"command": "undo_edit", "path": "a.py"})
        await box.call("str_replace_editor", {"command": "undo_edit", "path": "a.py"})
        assert sb.files["/w/a.py"] == b"x = 1\ny = 2\n"
        r = await box.call("str_replace_editor", {"command": "create", "path": "/w/new.py", "file_text": "n = 1\n"})
        assert sb.files["/w/new.py"] == b"n = 1\n"
        r = await box.call("bash", "{broken")
        assert r.malformed and "not valid JSON" in r.output
        r = await box.call("bash", {"cmd": "ls"})
        assert r.malformed
        r = await box.call("teleport", {})
        assert r.malformed and "no tool named 'teleport'" in r.output
        r = await box.call("lookup", {"id": 7, "note": "it's"})
        assert r.output.startswith("tool ran")
        assert json.dumps({"id": 7, "note": "it's"}) in sb.commands[-1].replace("'\"'\"'", "'")
        r = await box.call("submit", {"summary": "done"})
        assert r.submitted and r.output == "done"

    asyncio.run(go())
