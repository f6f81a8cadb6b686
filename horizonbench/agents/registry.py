"""Finding agents by name: built-ins, entry points (group ``horizonbench.agents``) and
``module:Class`` references to a local adapter."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from dataclasses import dataclass
from typing import Any

from horizonbench.agents.base import Agent, with_defaults
from horizonbench.errors import ConfigError

ENTRY_POINT_GROUP = "horizonbench.agents"

BUILTIN: dict[str, str] = {
    "oracle": "horizonbench.agents.oracle:OracleAgent",
    "nop": "horizonbench.agents.oracle:NopAgent",
    "openai": "horizonbench.agents.openai_agent:OpenAIAgent",
    "anthropic": "horizonbench.agents.anthropic_agent:AnthropicAgent",
    "replay": "horizonbench.agents.replay:ReplayAgent",
    "command": "horizonbench.agents.command:CommandAgent",
}


@dataclass
class AgentInfo:
    name: str
    target: str
    source: str
    version: str


def _load_target(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    if not attr:
        raise ConfigError(f"agent {target!r}: expected 'module:Class'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"agent {target!r}: cannot import {module_name} ({exc})") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"agent {target!r}: {module_name} has no {attr}") from None


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[AgentInfo]:
    """Every agent that can be named: built-ins first, then entry points."""
    infos = []
    for name, target in BUILTIN.items():
        cls = _load_target(target)
        infos.append(AgentInfo(name, target, "built-in", str(getattr(cls, "version", ""))))
    for name, ep in sorted(_entry_points().items()):
        if name in BUILTIN:
            continue
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else ""
        infos.append(AgentInfo(name, ep.value, f"entry point ({dist})", version))
    return infos


def agent_class(name: str) -> Any:
    """The class behind an agent name (built-in, entry point or module:Class).

    Raises:
        ConfigError: no such agent.
    """
    if name in BUILTIN:
        return _load_target(BUILTIN[name])
    if ":" in name:
        return _load_target(name)
    ep = _entry_points().get(name)
    if ep is None:
        known = ", ".join([*BUILTIN, *_entry_points()])
        raise ConfigError(f"unknown agent {name!r}; known: {known} (or give module:Class)")
    try:
        return ep.load()
    except Exception as exc:
        raise ConfigError(f"agent {name!r}: entry point {ep.value} failed to load ({exc})") from None


def accepted_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``options`` the agent's constructor takes (so --model and friends
    reach LLM adapters and are ignored by the oracle)."""
    cls = agent_class(name)
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(options)
    return {k: v for k, v in options.items() if k in params}


def create(name: str, **options: Any) -> Agent:
    """Instantiate an agent by built-in name, entry-point name or ``module:Class``.

    Raises:
        ConfigError: no such agent, or it cannot be imported or built with ``options``.
    """
    cls = agent_class(name)
    try:
        agent = cls(**options)
    except TypeError as exc:
        raise ConfigError(f"agent {name!r}: bad options {sorted(options)} ({exc})") from None
    try:
        agent = with_defaults(agent)
    except ConfigError as exc:
        raise ConfigError(f"agent {name!r}: {exc}") from None
    if not isinstance(agent, Agent):
        raise ConfigError(f"agent {name!r}: {cls!r} does not implement the Agent protocol (name, run)")
    return agent
