"""Keeping secrets out of everything written: API keys, and the value of any environment
variable whose name says it is a secret (``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``)."""

from __future__ import annotations

import os
import re

_SECRET_NAME = re.compile(r"(_KEY|_TOKEN|_SECRET|_PASSWORD|^API_KEY|^TOKEN)$", re.IGNORECASE)
_MIN_LEN = 6  # shorter values ("1", "true") would redact ordinary text


def secret_values(extra: list[str] | None = None) -> list[str]:
    """Values to redact: secret-named environment variables plus ``extra``; longest first
    so a key that contains another is replaced whole."""
    values = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= _MIN_LEN}
    values.update(v for v in (extra or []) if v and len(v) >= _MIN_LEN)
    return sorted(values, key=len, reverse=True)


def redact(text: str, values: list[str]) -> str:
    for v in values:
        if v in text:
            text = text.replace(v, "[REDACTED]")
    return text


class Redactor:
    """The secrets of one writer: those of the environment plus any added later (an
    adapter's API key, known once the adapter starts)."""

    def __init__(self, extra: list[str] | None = None) -> None:
        self.values = secret_values(extra)

    def add(self, value: str) -> None:
        self.values = secret_values([*self.values, value])

    def __call__(self, text: str) -> str:
        return redact(text, self.values)
