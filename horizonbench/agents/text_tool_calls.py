"""Tool calls that a model wrote in its message text instead of the structured ``tool_calls`` field.

Open-weight models served by llama.cpp, vLLM or SGLang often answer a tool-forcing prompt with the
call spelled out in prose: a bare JSON object, a fenced ```json block, or the markup their chat
template taught them. This module finds those calls, in these forms:

- ``json``: ``{"name": ..., "arguments": {...}}`` (or ``"parameters"``, or the OpenAI shape
  ``{"function": {"name": ..., "arguments": "<json string>"}}``, or the arguments flattened
  beside a known tool's name), alone or in a list;
- ``fenced``: the same inside a ```json (or bare ```) fence;
- ``hermes``: ``<tool_call>{json}</tool_call>`` (Qwen2.5, Qwen3, Hermes templates);
- ``glm``: ``<tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>`` (GLM-4.5/4.6);
- ``deepseek``: ``<｜tool▁call▁begin｜>function<｜tool▁sep｜>name`` + a fenced json block +
  ``<｜tool▁call▁end｜>`` (DeepSeek V3), or ``name<｜tool▁sep｜>{json}`` (V3.1);
- ``kimi``: ``<|tool_call_begin|>functions.name:0<|tool_call_argument_begin|>{json}<|tool_call_end|>``
  (Kimi K2).

Only names in the caller's set of tools count as calls. A call that is malformed or cut off
(truncated JSON, an unknown tool, arguments that are not an object) is returned with ``error`` set,
never raised, so the agent loop can tell the model what went wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Form = Literal["json", "fenced", "hermes", "glm", "deepseek", "kimi"]
FORMS: tuple[Form, ...] = ("json", "fenced", "hermes", "glm", "deepseek", "kimi")


@dataclass(frozen=True)
class TextToolCall:
    """One call found in a message's text."""

    name: str
    """The tool's name as the model wrote it ("" when none could be read)."""
    arguments: dict[str, Any] | str
    """The decoded arguments; the raw text when they could not be decoded."""
    form: Form
    """How the model wrote the call; the reply to it should use the same form."""
    span: tuple[int, int]
    """Where the call is in the original text (start, end)."""
    error: str | None = None
    """Why the call cannot be run, or None for a call that can."""
    call_id: str | None = None
    """The id the model gave the call, where its form has one (Kimi's ``functions.name:0``)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ParsedText:
    """A message's text split into the calls it holds and the prose around them."""

    calls: list[TextToolCall]
    """Every call found, runnable or not, in the order they appear."""
    text: str
    """The message text with the calls (and their section markers) removed."""

    @property
    def valid(self) -> list[TextToolCall]:
        return [c for c in self.calls if c.ok]

    @property
    def problems(self) -> list[TextToolCall]:
        return [c for c in self.calls if not c.ok]


# DeepSeek's markers use U+FF5C (fullwidth vertical bar) and U+2581 (lower one-eighth block).
DS_CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
DS_CALLS_END = "<｜tool▁calls▁end｜>"
DS_CALL_BEGIN = "<｜tool▁call▁begin｜>"
DS_CALL_END = "<｜tool▁call▁end｜>"
DS_SEP = "<｜tool▁sep｜>"
KIMI_SECTION_BEGIN = "<|tool_calls_section_begin|>"
KIMI_SECTION_END = "<|tool_calls_section_end|>"
KIMI_CALL_BEGIN = "<|tool_call_begin|>"
KIMI_ARGS_BEGIN = "<|tool_call_argument_begin|>"
KIMI_CALL_END = "<|tool_call_end|>"

_TAG_CALL = re.compile(r"<tool_call>(.*?)(</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"```[ \t]*([A-Za-z_-]*)[ \t]*\n(.*?)(```|$)", re.DOTALL)
_GLM_ARG = re.compile(r"<arg_key>(.*?)</arg_key>\s*<arg_value>(.*?)(</arg_value>|$)", re.DOTALL)
_NAME_IN_JSON = re.compile(r'"name"\s*:\s*"([^"\\]*)')  # no closing quote needed: the text may stop there
_CALL_START = re.compile(r'[\[{]\s*(\{\s*)?"(name|function|type|tool_calls)"\s*:')
_KIMI_NAME = re.compile(r"^(?:functions\.)?([\w.-]+?)(?::\d+)?(?=$|[^\w.:-]).*$", re.DOTALL)
_FENCE_LANGS = {"", "json", "tool_call", "tool_code", "javascript", "js"}


class _Finder:
    def __init__(self, text: str, tool_names: Collection[str], schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.text = text
        self.names = set(tool_names)
        self.schemas = schemas
        self.calls: list[TextToolCall] = []
        self.taken: list[tuple[int, int]] = []  # spans removed from the prose (calls and markers)
        self.code: list[tuple[int, int]] = []  # fenced code in other languages: never searched

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in (*self.taken, *self.code))

    def add(
        self,
        form: Form,
        span: tuple[int, int],
        name: str,
        arguments: dict[str, Any] | str,
        error: str | None = None,
        call_id: str | None = None,
    ) -> None:
        if error is None and name not in self.names:
            known = ", ".join(sorted(self.names)) or "none"
            error = f"unknown tool {name!r} (known tools: {known})"
        self.calls.append(TextToolCall(name, arguments, form, span, error, call_id))

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))

    # -- JSON call objects (json, fenced, hermes, deepseek v3.1, kimi) ------------------------

    def add_json_value(self, form: Form, span: tuple[int, int], value: Any, *, strict: bool) -> bool:
        """Record the call(s) in a decoded JSON value; False when it holds no call shape.

        ``strict`` is for forms whose markup already says "this is a call" (hermes): there a value
        of the wrong shape is a malformed call, not prose.
        """
        if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
            value = value["tool_calls"]
        items = value if isinstance(value, list) else [value]
        shaped = [_call_shape(item) for item in items]
        if not items or any(s is None for s in shaped):
            if strict:
                self.add(form, span, _guess_name(value), json.dumps(value), "not a tool call object")
                return True
            return False
        pairs = [s for s in shaped if s is not None]
        if not strict and not any(name in self.names or explicit for name, _, explicit in pairs):
            return False  # prose such as {"name": "Alice"}: no known tool, no arguments field
        for name, args, _ in pairs:
            self.add_arguments(form, span, name, args)
        return True

    def add_arguments(
        self, form: Form, span: tuple[int, int], name: str, args: Any, call_id: str | None = None
    ) -> None:
        if args is None:
            args = {}
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except json.JSONDecodeError as exc:
                self.add(form, span, name, args, f"arguments are not valid JSON: {exc}", call_id)
                return
        if not isinstance(args, dict):
            self.add(form, span, name, json.dumps(args), "arguments are not a JSON object", call_id)
            return
        self.add(form, span, name, args, None, call_id)

    def add_json_text(self, form: Form, span: tuple[int, int], body: str, *, strict: bool) -> bool:
        """Decode ``body`` as one JSON value and record its calls; report it when it is broken."""
        stripped = body.strip()
        try:
            value, _ = json.JSONDecoder().raw_decode(stripped)
        except json.JSONDecodeError as exc:
            if not strict and not _CALL_START.match(stripped):
                return False
            name = _guess_name(stripped)
            if not strict and name not in self.names:
                return False
            cut = exc.pos >= len(stripped) - 1 or "Unterminated" in exc.msg
            why = "truncated JSON (the reply was cut off?)" if cut else f"malformed JSON: {exc.msg}"
            self.add(form, span, name, body, why)
            return True
        return self.add_json_value(form, span, value, strict=strict)

    # -- the forms, most specific first -------------------------------------------------------

    def kimi(self) -> None:
        for section in _sections(self.text, KIMI_SECTION_BEGIN, KIMI_SECTION_END):
            self.take(*section.span)
            for start, end, body, closed in _blocks(self.text, section.inner, KIMI_CALL_BEGIN, KIMI_CALL_END):
                head, sep, args = body.partition(KIMI_ARGS_BEGIN)
                call_id = head.strip()
                name = _KIMI_NAME.sub(r"\1", call_id)
                if not sep:
                    self.add("kimi", (start, end), name, body, "no <|tool_call_argument_begin|> marker", call_id)
                elif not closed:
                    self.add("kimi", (start, end), name, args, "unterminated call (the reply was cut off?)", call_id)
                else:
                    self.add_kimi_args((start, end), name, args, call_id)

    def add_kimi_args(self, span: tuple[int, int], name: str, args: str, call_id: str) -> None:
        try:
            value = json.loads(args)
        except json.JSONDecodeError as exc:
            self.add("kimi", span, name, args, f"arguments are not valid JSON: {exc}", call_id)
            return
        self.add_arguments("kimi", span, name, value, call_id)

    def deepseek(self) -> None:
        for section in _sections(self.text, DS_CALLS_BEGIN, DS_CALLS_END):
            self.take(*section.span)
            for start, end, body, closed in _blocks(self.text, section.inner, DS_CALL_BEGIN, DS_CALL_END):
                self.add_deepseek((start, end), body, closed)

    def add_deepseek(self, span: tuple[int, int], body: str, closed: bool) -> None:
        head, sep, rest = body.partition(DS_SEP)
        if not sep:
            self.add("deepseek", span, "", body, "no <｜tool▁sep｜> marker")
            return
        if head.strip() == "function":  # V3: type, sep, name, then a fenced json block
            name, _, block = rest.partition("\n")
            name = name.strip()
            fence = _FENCE.search(block)
            args = fence.group(2) if fence else block
            fence_closed = bool(fence and fence.group(3))
        else:  # V3.1: name, sep, the JSON arguments
            name, args, fence_closed = head.strip(), rest, True
        if not closed or not fence_closed:
            self.add("deepseek", span, name, args, "unterminated call (the reply was cut off?)")
            return
        try:
            value = json.loads(args)
        except json.JSONDecodeError as exc:
            self.add("deepseek", span, name, args, f"arguments are not valid JSON: {exc}")
            return
        self.add_arguments("deepseek", span, name, value)

    def tagged(self) -> None:
        for m in _TAG_CALL.finditer(self.text):
            if not self.free(m.start(), m.end()):
                continue
            self.take(m.start(), m.end())
            body, closed = m.group(1), bool(m.group(2))
            span = (m.start(), m.end())
            first = body.lstrip()[:1]
            if first in "{[" and first:
                if closed:
                    self.add_json_text("hermes", span, body, strict=True)
                else:
                    self.add("hermes", span, _guess_name(body), body, "unterminated <tool_call> (cut off?)")
            else:
                self.add_glm(span, body, closed)

    def add_glm(self, span: tuple[int, int], body: str, closed: bool) -> None:
        name = body.split("<arg_key>", 1)[0].strip()
        if not name:
            self.add("glm", span, "", body, "no tool name after <tool_call>")
            return
        props = self.schemas.get(name, {}).get("properties", {})
        args: dict[str, Any] = {}
        for m in _GLM_ARG.finditer(body):
            key, raw, value_closed = m.group(1).strip(), m.group(2), bool(m.group(3))
            if not value_closed:
                closed = False
                break
            args[key] = _glm_value(raw, props.get(key, {}))
        if not closed:
            self.add("glm", span, name, body, "unterminated <tool_call> (the reply was cut off?)")
            return
        self.add("glm", span, name, args)

    def fenced(self) -> None:
        for m in _FENCE.finditer(self.text):
            if not self.free(m.start(), m.end()):
                continue
            if m.group(1).lower() not in _FENCE_LANGS:
                # A call shown inside ```python is code the model is writing, not a call it makes.
                self.code.append((m.start(), m.end()))
                continue
            body, closed, span = m.group(2), bool(m.group(3)), (m.start(), m.end())
            if not closed:
                name = _guess_name(body)
                if _CALL_START.match(body.strip()) and name in self.names:
                    self.take(*span)
                    self.add("fenced", span, name, body, "unterminated ``` block (the reply was cut off?)")
                continue
            if self.add_json_text("fenced", span, body, strict=False):
                self.take(*span)

    def bare(self) -> None:
        i = 0
        decoder = json.JSONDecoder()
        while i < len(self.text):
            ch = self.text[i]
            if ch not in "{[" or not self.free(i, i + 1):
                i += 1
                continue
            try:
                value, end = decoder.raw_decode(self.text, i)
            except json.JSONDecodeError:
                end = _balanced_end(self.text, i)
                if self.add_json_text("json", (i, end), self.text[i:end], strict=False):
                    self.take(i, end)
                    i = end
                else:
                    i += 1
                continue
            if self.free(i, end) and self.add_json_value("json", (i, end), value, strict=False):
                self.take(i, end)
            i = end

    def prose(self) -> str:
        out, pos = [], 0
        for start, end in sorted(self.taken):
            if start >= pos:
                out.append(self.text[pos:start])
                pos = end
            else:
                pos = max(pos, end)
        out.append(self.text[pos:])
        return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


@dataclass(frozen=True)
class _Section:
    span: tuple[int, int]
    inner: tuple[int, int]


def _sections(text: str, begin: str, end: str) -> list[_Section]:
    found, pos = [], 0
    while (start := text.find(begin, pos)) >= 0:
        inner_start = start + len(begin)
        stop = text.find(end, inner_start)
        inner_end = stop if stop >= 0 else len(text)
        outer_end = stop + len(end) if stop >= 0 else len(text)
        found.append(_Section((start, outer_end), (inner_start, inner_end)))
        pos = outer_end
    return found


def _blocks(text: str, within: tuple[int, int], begin: str, end: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, body, closed) for each ``begin ... end`` block inside ``within``."""
    found, pos = [], within[0]
    while (start := text.find(begin, pos, within[1])) >= 0:
        body_start = start + len(begin)
        stop = text.find(end, body_start, within[1])
        closed = stop >= 0
        body_end = stop if closed else within[1]
        block_end = stop + len(end) if closed else within[1]
        found.append((start, block_end, text[body_start:body_end], closed))
        pos = block_end
    return found


def _call_shape(item: Any) -> tuple[str, Any, bool] | None:
    """(name, raw arguments, whether an arguments field was there) when ``item`` looks like one
    tool call, else None."""
    if not isinstance(item, dict):
        return None
    fn = item.get("function")
    if isinstance(fn, dict) and isinstance(fn.get("name"), str):
        return fn["name"], fn.get("arguments", fn.get("parameters")), True
    name = item.get("name")
    if not isinstance(name, str):
        return None
    for key in ("arguments", "parameters"):
        if key in item:
            return name, item[key], True
    if set(item) <= {"name", "id", "type"} and item.get("type") in (None, "function"):
        return name, {}, False
    # The arguments beside the name instead of under "arguments" (small models do this):
    # a call only where the name is a known tool (the caller checks), never for other JSON.
    return name, {k: v for k, v in item.items() if k not in ("name", "id", "type")}, False


def _guess_name(value: Any) -> str:
    if isinstance(value, dict):
        shape = _call_shape(value)
        return shape[0] if shape else str(value.get("name", ""))
    m = _NAME_IN_JSON.search(value if isinstance(value, str) else json.dumps(value))
    return m.group(1) if m else ""


def _glm_value(raw: str, schema: Mapping[str, Any]) -> Any:
    # GLM's template writes string values as they are and everything else with tojson, so a
    # value is JSON unless the tool's schema says the parameter is a string.
    if schema.get("type") == "string":
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _balanced_end(text: str, start: int) -> int:
    """Where the bracketed value starting at ``start`` closes, or the end of the text if it never does."""
    depth, in_str, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def parse_text_tool_calls(
    text: str,
    tool_names: Collection[str],
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
) -> ParsedText:
    """Find the tool calls written in ``text``.

    ``tool_names`` are the tools the model was given; a call to any other name is reported with
    an error. ``schemas`` (tool name to JSON schema of its parameters) is optional and only used
    to type GLM's ``<arg_value>`` strings. Never raises on model output.
    """
    finder = _Finder(text, tool_names, schemas or {})
    finder.kimi()
    finder.deepseek()
    finder.tagged()
    finder.fenced()
    finder.bare()
    calls = sorted(finder.calls, key=lambda c: c.span)
    return ParsedText(calls, finder.prose())
