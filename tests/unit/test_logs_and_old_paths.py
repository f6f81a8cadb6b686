"""The trial id reaches every log record of a trial, in its threads too; old import paths
of moved public names still work for a release, with a warning naming the new one."""

from __future__ import annotations

import asyncio
import importlib
import logging
import warnings

import pytest

from horizonbench.logs import trial_context


def test_records_logged_for_a_trial_carry_its_id_in_threads_and_tasks(caplog: pytest.LogCaptureFixture) -> None:
    sandbox_log = logging.getLogger("horizonbench.sandbox.sandbox")
    other = logging.getLogger("urllib3.connectionpool")

    async def trial() -> None:
        with trial_context("fix-median__openai__0"):
            await asyncio.to_thread(sandbox_log.warning, "container started")
            await asyncio.create_task(asyncio.to_thread(other.warning, "retrying"))
        sandbox_log.warning("between trials")

    with caplog.at_level(logging.WARNING):
        asyncio.run(trial())
    by_message = {r.getMessage(): r for r in caplog.records}
    assert "[fix-median__openai__0] container started" in by_message
    assert by_message["retrying"].trial_id == "fix-median__openai__0"  # other libraries: the attribute only
    assert by_message["between trials"].trial_id == ""


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("horizonbench.results.models", "TrialResult", "horizonbench.models"),
        ("horizonbench.tasks.models", "ToolSpec", "horizonbench.models.task"),
        ("horizonbench.agents.scripted", "ScriptedServer", "horizonbench.agents.scripted_endpoint"),
        ("horizonbench.agents.verify", "verify_adapter", "horizonbench.workflows.conformance"),
        ("horizonbench.scoring.verifier", "grade", "horizonbench.grading.grade"),
        ("horizonbench.scoring.predictions", "score_predictions", "horizonbench.workflows.predictions"),
    ],
)
def test_old_import_paths_warn_and_forward(old: str, name: str, new: str) -> None:
    module = importlib.import_module(old)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)
