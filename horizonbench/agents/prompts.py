"""Prompt templates of LLM agents: files, overridable per run, content-hashed.

A prompt directory holds ``system.md`` and ``instance.md`` (``string.Template``
syntax: ``$instruction``, ``$workdir``, ``$task_name``). Files missing from an override
directory fall back to the built-in ones. The hashes go into trajectories and run
manifests so a changed number can be traced to a changed prompt.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from horizonbench.errors import ConfigError

NAMES = ("system.md", "instance.md")


def builtin_dir() -> Path:
    return Path(str(resources.files("horizonbench.agents") / "prompts"))


@dataclass(frozen=True)
class Prompts:
    system: str
    instance: str
    source: str

    @property
    def hashes(self) -> dict[str, str]:
        return {
            "system.md": hashlib.sha256(self.system.encode()).hexdigest()[:16],
            "instance.md": hashlib.sha256(self.instance.encode()).hexdigest()[:16],
        }

    def render_instance(self, *, instruction: str, workdir: str, task_name: str) -> str:
        try:
            return string.Template(self.instance).substitute(
                instruction=instruction.strip(), workdir=workdir, task_name=task_name
            )
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{self.source}/instance.md: bad template placeholder {exc}") from None


def load_prompts(prompt_dir: Path | str | None = None) -> Prompts:
    """The built-in prompts, with files of ``prompt_dir`` taking their place.

    Raises:
        ConfigError: ``prompt_dir`` does not exist or holds none of the prompt files.
    """
    base = builtin_dir()
    texts = {n: (base / n).read_text(encoding="utf-8") for n in NAMES}
    source = "built-in"
    if prompt_dir is not None:
        d = Path(prompt_dir)
        if not d.is_dir():
            raise ConfigError(f"--prompt-dir {d}: no such directory")
        found = [n for n in NAMES if (d / n).is_file()]
        if not found:
            raise ConfigError(f"--prompt-dir {d}: holds none of {', '.join(NAMES)}")
        for n in found:
            texts[n] = (d / n).read_text(encoding="utf-8")
        source = str(d)
    return Prompts(system=texts["system.md"], instance=texts["instance.md"], source=source)
