"""The trial id on every log record of a trial, wherever it is logged.

A trial sets :data:`current_trial` while it runs. Context variables follow
``asyncio.to_thread`` and tasks created inside the trial, so records logged by the sandbox,
the grader or an adapter on the trial's behalf carry its id too: as the record attribute
``trial_id`` (for formatters) and as a ``[trial-id]`` prefix of horizonbench's own messages.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

current_trial: contextvars.ContextVar[str] = contextvars.ContextVar("horizonbench_trial", default="")

_previous_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    trial = current_trial.get()
    record.trial_id = trial
    if trial and record.name.startswith("horizonbench") and isinstance(record.msg, str):
        record.msg = f"[{trial}] {record.msg}"
    return record


logging.setLogRecordFactory(_record_factory)


@contextlib.contextmanager
def trial_context(trial_id: str) -> Iterator[None]:
    """Log records made inside the block (and in threads and tasks it starts) carry ``trial_id``."""
    token = current_trial.set(trial_id)
    try:
        yield
    finally:
        current_trial.reset(token)
