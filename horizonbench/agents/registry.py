"""Finding agents by name: built-ins, entry points (group ``horizonbench.agents``) and
``module:Class`` references to a local adapter."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

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
    reach LLM adapters and are ignored by the oracle), converted to the declared types.

    Raises:
        ConfigError: a value of the wrong type for an option the agent takes.
    """
    return typed_options(name, options, {})


@dataclass(frozen=True)
class AgentOption:
    """One keyword of an agent's constructor: what ``--agent-opt KEY=VALUE`` may set."""

    name: str
    type: Any
    """The declared type (``Any`` where the constructor does not say)."""
    default: Any
    """The default, or :data:`inspect.Parameter.empty` for a required option."""

    @property
    def type_name(self) -> str:
        text = getattr(self.type, "__name__", None) if not typing.get_args(self.type) else None
        text = text or str(self.type).replace("typing.", "").replace("pathlib.", "")
        return "any" if self.type is Any else text

    def describe(self) -> str:
        if self.default is inspect.Parameter.empty:
            return f"{self.name}: {self.type_name} (required)"
        return f"{self.name}: {self.type_name} = {self.default!r}"


def options_of(name: str) -> tuple[list[AgentOption], bool]:
    """The constructor options of agent ``name``, and whether it also takes any other keyword.

    A constructor that passes ``**options`` on to its base class's takes that one's options too.
    """
    cls = agent_class(name)
    inits = [k.__dict__["__init__"] for k in cls.__mro__ if "__init__" in k.__dict__] if inspect.isclass(cls) else [cls]
    found: dict[str, AgentOption] = {}
    takes_any = False
    for init in inits:
        if init is object.__init__:  # **options passed up to object: nothing more is taken
            takes_any = False
            break
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return list(found.values()), True
        try:
            hints = typing.get_type_hints(init)
        except Exception:  # an adapter's annotations that do not resolve: take values as given
            hints = {}
        for p in params.values():
            if p.name != "self" and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
                found.setdefault(p.name, AgentOption(p.name, hints.get(p.name, Any), p.default))
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if not takes_any:
            break
    return list(found.values()), takes_any


def typed_options(name: str, general: dict[str, Any], explicit: dict[str, Any]) -> dict[str, Any]:
    """The options agent ``name`` gets, each converted to the type its constructor declares.

    ``general`` are the run-wide flags (--model, --base-url, ...): an agent that does not take
    one simply does not get it. ``explicit`` are the ``--agent-opt`` values meant for this agent:
    those it does not take are left out here (another agent of the run may take them; see
    :func:`check_explicit`). Checked before any trial starts, so a bad value is a usage error,
    not a trial that fails halfway.

    Raises:
        ConfigError: a value that cannot be converted to the option's type.
    """
    declared, takes_any = options_of(name)
    by_name = {o.name: o for o in declared}
    typed: dict[str, Any] = {}
    for key, value in {**general, **explicit}.items():
        option = by_name.get(key)
        if option is None:
            if takes_any:
                typed[key] = value
            continue
        typed[key] = _convert(name, option, value)
    return typed


def check_explicit(agents: list[str], explicit: dict[str, Any]) -> None:
    """Every ``--agent-opt`` key must be taken by at least one of ``agents``.

    Raises:
        ConfigError: a key none of them takes (naming each agent's options).
    """
    for key in explicit:
        takers = []
        described = []
        for name in agents:
            declared, takes_any = options_of(name)
            if takes_any or any(o.name == key for o in declared):
                takers.append(name)
            described.append(f"{name}: {', '.join(o.name for o in declared) or 'none'}")
        if not takers:
            raise ConfigError(f"--agent-opt {key}: no agent of this run takes it (options: {'; '.join(described)})")


def _convert(agent: str, option: AgentOption, value: Any) -> Any:
    if option.type is Any:
        return value
    try:
        return TypeAdapter(option.type).validate_python(value)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"] if exc.errors() else str(exc)
        raise ConfigError(
            f"--agent-opt {option.name}={value!r}: {agent} expects {option.type_name} ({problem})"
        ) from None
    except Exception:  # a type pydantic cannot check (an adapter's own class): pass it as given
        return value


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
