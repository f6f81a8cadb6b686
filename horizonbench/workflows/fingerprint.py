"""Is it the model they say: probe an endpoint with a fixed set of requests, and compare two probes.

The probe set (:data:`PROBES`, versioned by :data:`PROBE_SET`) is deterministic prompts at
temperature 0 and tool-calling conformance cases (parallel calls, nested JSON arguments, a question
that needs no tool, a long argument); every reply's usage is kept, and the first token's logprob
where the endpoint offers it. Each case is sent ``repeats`` times, so an endpoint that is not
deterministic at temperature 0 shows it in a comparison with itself.

Comparing two fingerprints pairs their answers case by case and repeat by repeat:

- tool calls: exact agreement of names and decoded arguments, over the tool cases;
- text: exact agreement, and the mean similarity (``difflib`` ratio), over the text cases;
- usage: prompt tokens reported for the same request (a different tokenizer or template shows).

Rates come with 95% Wilson intervals over the pairs; pairs of one case are not independent, so
the interval is a guide, and a difference that matters shows across cases, not within one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from horizonbench.errors import ConfigError
from horizonbench.models.fingerprint import Fingerprint, ProbeAnswer, ProbeCall
from horizonbench.scoring._stats import wilson

PROBE_SET = "probes-1"

_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
}
_EVENT = {
    "type": "function",
    "function": {
        "name": "create_event",
        "description": "Create a calendar event.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "when": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string"},
                        "start": {"type": "string"},
                        "minutes": {"type": "integer"},
                    },
                },
                "attendees": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                    },
                },
            },
            "required": ["title", "when", "attendees"],
        },
    },
}
_WRITE = {
    "type": "function",
    "function": {
        "name": "write_file",
        "description": "Write a file.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
}


@dataclass(frozen=True)
class Probe:
    id: str
    prompt: str
    tools: tuple[dict[str, Any], ...] = ()
    max_tokens: int = 64

    @property
    def kind(self) -> str:
        return "tool" if self.tools else "text"


PROBES: tuple[Probe, ...] = (
    Probe("count", "Write the numbers from 1 to 12 separated by single spaces, and nothing else."),
    Probe("capital", "What is the capital of Australia? Answer with the city's name only."),
    Probe("reverse", "Reverse the string 'horizon-bench-17' and reply with the result only."),
    Probe("haiku", "Write a haiku about a failing unit test.", max_tokens=48),
    Probe("code", "Write a Python one-liner that sums the squares of 1..10. Reply with the code only."),
    Probe("parallel", "Get the weather in Paris and in Tokyo, in Celsius. Use the tool for both cities.", (_WEATHER,)),
    Probe(
        "nested",
        "Create an event titled 'Review' on 2026-03-04 at 15:00 for 45 minutes with Ana (ana@example.com) and "
        "Bo (bo@example.com).",
        (_EVENT,),
        max_tokens=200,
    ),
    Probe("no-call", "What is 7 times 8? Answer directly; do not call any tool.", (_WEATHER,)),
    Probe(
        "long-argument",
        "Use write_file to write /tmp/squares.txt containing the squares of 1 to 30, one per line.",
        (_WRITE,),
        max_tokens=400,
    ),
)


def probe_endpoint(
    model: str, base_url: str, *, api_key: str = "unused", repeats: int = 3, timeout: float = 120.0
) -> Fingerprint:
    """Send the probe set to an OpenAI-compatible endpoint; a failed request is recorded, not raised."""
    import openai

    client = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", max_retries=2, timeout=timeout)
    answers = [_ask(client, model, probe, repeat) for probe in PROBES for repeat in range(repeats)]
    return Fingerprint(
        probe_set=PROBE_SET,
        model=model,
        base_url=base_url,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        answers=answers,
    )


def _ask(client: Any, model: str, probe: Probe, repeat: int) -> ProbeAnswer:
    import openai

    request: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": probe.prompt}],
        "temperature": 0,
        "max_tokens": probe.max_tokens,
        "logprobs": True,
        "top_logprobs": 1,
    }
    if probe.tools:
        request["tools"] = list(probe.tools)
    try:
        try:
            reply = client.chat.completions.create(**request)
        except openai.BadRequestError:  # no logprobs here: ask again without
            request.pop("logprobs"), request.pop("top_logprobs")
            reply = client.chat.completions.create(**request)
    except openai.APIError as exc:
        return ProbeAnswer(case=probe.id, repeat=repeat, error=f"{type(exc).__name__}: {exc}"[:300])
    choice = reply.choices[0]
    calls = [
        ProbeCall(name=c.function.name, arguments=_decoded(c.function.arguments))
        for c in choice.message.tool_calls or []
    ]
    content = getattr(choice, "logprobs", None)
    tokens = getattr(content, "content", None) or []
    return ProbeAnswer(
        case=probe.id,
        repeat=repeat,
        text=choice.message.content or "",
        tool_calls=calls,
        finish_reason=choice.finish_reason or "",
        prompt_tokens=reply.usage.prompt_tokens if reply.usage else 0,
        completion_tokens=reply.usage.completion_tokens if reply.usage else 0,
        top_logprob=float(tokens[0].logprob) if tokens else None,
    )


def _decoded(arguments: str | None) -> Any:
    try:
        return json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return arguments


def save(fingerprint: Fingerprint, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fingerprint.model_dump_json(indent=1) + "\n")
    return path


def load(path: Path) -> Fingerprint:
    """The fingerprint in ``path``.

    Raises:
        ConfigError: the file is missing, not JSON, or not a fingerprint.
    """
    try:
        return Fingerprint.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the fingerprint ({exc.strerror or exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise ConfigError(f"{path}: not a fingerprint file ({where}: {first['msg']})") from None


@dataclass(frozen=True)
class Agreement:
    """One measure of how alike two endpoints answer."""

    measure: str
    rate: float
    low: float
    high: float
    pairs: int
    detail: str = ""


@dataclass(frozen=True)
class Comparison:
    a: Fingerprint
    b: Fingerprint
    measures: list[Agreement]
    differing_cases: list[str]

    def measure(self, name: str) -> Agreement:
        return next(m for m in self.measures if m.measure == name)

    @property
    def agree(self) -> bool:
        """Tool calls and texts both agree fully: the upper end of no interval falls below 1 by
        more than chance (the lower ends are what a claim's requirement reads)."""
        return all(m.rate == 1.0 for m in self.measures if m.measure in ("tool calls", "text exact"))


def compare(a: Fingerprint, b: Fingerprint) -> Comparison:
    """Agreement of two fingerprints of the same probe set.

    Raises:
        ConfigError: they answer different probe sets.
    """
    if a.probe_set != b.probe_set:
        raise ConfigError(f"fingerprints of different probe sets ({a.probe_set} vs {b.probe_set}): probe both again")
    kinds = {p.id: p.kind for p in PROBES}
    pairs = _pairs(a, b)
    tool = [(x, y) for x, y in pairs if kinds.get(x.case) == "tool"]
    text = [(x, y) for x, y in pairs if kinds.get(x.case) == "text"]
    calls_same = [_calls(x) == _calls(y) for x, y in tool]
    text_same = [x.text == y.text for x, y in text]
    similarity = [difflib.SequenceMatcher(None, x.text, y.text).ratio() for x, y in text]
    usage_same = [x.prompt_tokens == y.prompt_tokens for x, y in pairs]
    measures = [
        _rate("tool calls", calls_same, "names and arguments equal"),
        _rate("text exact", text_same, "identical replies"),
        _rate("prompt tokens", usage_same, "same count for the same request"),
    ]
    mean_sim = sum(similarity) / len(similarity) if similarity else 0.0
    measures.append(Agreement("text similarity", mean_sim, mean_sim, mean_sim, len(similarity), "mean difflib ratio"))
    differing = sorted({x.case for x, y in pairs if _calls(x) != _calls(y) or x.text != y.text})
    return Comparison(a, b, measures, differing)


def _pairs(a: Fingerprint, b: Fingerprint) -> list[tuple[ProbeAnswer, ProbeAnswer]]:
    theirs = {(x.case, x.repeat): x for x in b.answers}
    return [(x, theirs[(x.case, x.repeat)]) for x in a.answers if (x.case, x.repeat) in theirs and not x.error]


def _calls(answer: ProbeAnswer) -> list[tuple[str, str]]:
    return [(c.name, json.dumps(c.arguments, sort_keys=True)) for c in answer.tool_calls]


def _rate(name: str, same: list[bool], detail: str) -> Agreement:
    n = len(same)
    k = sum(same)
    low, high = wilson(k, n) if n else (0.0, 1.0)
    return Agreement(name, k / n if n else 0.0, low, high, n, detail)
