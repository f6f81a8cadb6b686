"""The tools an LLM agent gets: ``bash``, ``str_replace_editor``, ``submit``, plus the
task's own ``[[tools]]``. Provider-neutral: adapters turn :class:`ToolDef` into their
wire format and hand calls to :class:`ToolBox`."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from horizonbench.agents.base import AgentSandbox
from horizonbench.models.task import ToolSpec

DEFAULT_OBSERVATION_CHARS = 16000


@dataclass
class ToolDef:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass
class ToolResult:
    output: str
    is_error: bool = False
    submitted: bool = False
    malformed: bool = False


def truncate(text: str, limit: int = DEFAULT_OBSERVATION_CHARS) -> str:
    """Keep the head and tail of a long observation and say how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters elided ...]\n{text[-half:]}"


BASH = ToolDef(
    "bash",
    "Run a bash command in the task's sandbox. The shell is persistent: cd, export and variables carry over "
    "between calls. Output is truncated when long. There is no network.",
    {
        "type": "object",
        "properties": {"command": {"type": "string", "description": "The command to run."}},
        "required": ["command"],
    },
)
EDITOR = ToolDef(
    "str_replace_editor",
    "View, create and edit files. Commands: view (a file with line numbers, or a directory listing), "
    "create (write file_text to a new or existing file), str_replace (replace old_str, which must occur exactly "
    "once, by new_str), insert (insert new_str after line insert_line), undo_edit (revert the last edit of path).",
    {
        "type": "object",
        "properties": {
            "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert", "undo_edit"]},
            "path": {"type": "string", "description": "Absolute path, or relative to the working directory."},
            "file_text": {"type": "string"},
            "old_str": {"type": "string"},
            "new_str": {"type": "string"},
            "insert_line": {"type": "integer"},
            "view_range": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["command", "path"],
    },
)
SUBMIT = ToolDef(
    "submit",
    "Call when the task is done. Your changes in the sandbox are then graded.",
    {"type": "object", "properties": {"summary": {"type": "string", "description": "What you did."}}},
)


def tool_defs(task_tools: list[ToolSpec]) -> list[ToolDef]:
    return [BASH, EDITOR, SUBMIT, *(ToolDef(t.name, t.description, t.parameters) for t in task_tools)]


@dataclass
class ToolBox:
    """Runs tool calls against a sandbox and turns them into observations."""

    sandbox: AgentSandbox
    workdir: str
    task_tools: list[ToolSpec] = field(default_factory=list)
    command_timeout: float = 180.0
    observation_chars: int = DEFAULT_OBSERVATION_CHARS
    _history: dict[str, list[str]] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return {"bash", "str_replace_editor", "submit", *(t.name for t in self.task_tools)}

    async def call(self, name: str, raw_arguments: str | dict[str, Any] | None) -> ToolResult:
        """Execute one call. Malformed arguments and unknown tools come back as error
        observations for the model (and are counted by the caller), never as exceptions."""
        if isinstance(raw_arguments, dict):
            args = raw_arguments
        else:
            try:
                args = json.loads(raw_arguments or "{}")
            except json.JSONDecodeError as exc:
                return ToolResult(
                    f"error: the arguments of {name} are not valid JSON ({exc.msg})", True, malformed=True
                )
            if not isinstance(args, dict):
                return ToolResult(f"error: the arguments of {name} must be a JSON object", True, malformed=True)
        if name == "submit":
            return ToolResult(str(args.get("summary", "submitted")), submitted=True)
        if name == "bash":
            command = args.get("command")
            if not isinstance(command, str) or not command.strip():
                return ToolResult("error: bash needs a non-empty string 'command'", True, malformed=True)
            res = await self.sandbox.ashell(command, timeout=self.command_timeout)
            text = res.output
            if res.timed_out:
                text += f"\n[command timed out after {self.command_timeout:g} s and was killed]"
            elif res.session_restarted:
                text += "\n[the shell ended and was restarted; cd and variables were reset]"
            text += f"\n[exit code {res.exit_code}]"
            return ToolResult(truncate(text, self.observation_chars), res.exit_code != 0)
        if name == "str_replace_editor":
            return await self._edit(args)
        for spec in self.task_tools:
            if spec.name == name:
                return await self._task_tool(spec, args)
        return ToolResult(
            f"error: no tool named {name!r}; tools: {', '.join(sorted(self.names))}", True, malformed=True
        )

    async def _task_tool(self, spec: ToolSpec, args: dict[str, Any]) -> ToolResult:
        payload = json.dumps(args)
        res = await self.sandbox.aexec(
            f"printf '%s' {shlex.quote(payload)} | {spec.command}", cwd=self.workdir, timeout=self.command_timeout
        )
        text = res.output + (f"\n[exit code {res.exit_code}]" if res.exit_code else "")
        return ToolResult(truncate(text, self.observation_chars), res.exit_code != 0)

    # -- str_replace_editor --------------------------------------------------------

    def _path(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.workdir.rstrip('/')}/{path}"

    async def _read(self, path: str) -> str | None:
        import asyncio

        try:
            data = await asyncio.to_thread(self.sandbox.read_file, path)
        except FileNotFoundError:
            return None
        return data.decode("utf-8", errors="replace")

    async def _write(self, path: str, text: str) -> None:
        import asyncio

        await asyncio.to_thread(self.sandbox.write_file, path, text)

    async def _edit(self, args: dict[str, Any]) -> ToolResult:
        command, path = args.get("command"), args.get("path")
        if not isinstance(path, str) or not path:
            return ToolResult("error: str_replace_editor needs 'path'", True, malformed=True)
        path = self._path(path)
        if command == "view":
            res = await self.sandbox.aexec(
                f"if [ -d {shlex.quote(path)} ]; then find {shlex.quote(path)} -maxdepth 2 -not -path '*/.git*' "
                f"| sort | head -200; else exit 3; fi",
                timeout=self.command_timeout,
            )
            if res.exit_code == 0:
                return ToolResult(truncate(res.stdout, self.observation_chars))
            text = await self._read(path)
            if text is None:
                return ToolResult(f"error: {path} does not exist", True)
            lines = text.splitlines()
            start, end = 1, len(lines)
            rng = args.get("view_range")
            if isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int) for x in rng):
                start, end = max(rng[0], 1), (len(lines) if rng[1] == -1 else min(rng[1], len(lines)))
            body = "\n".join(f"{i:6}\t{lines[i - 1]}" for i in range(start, end + 1))
            return ToolResult(truncate(body, self.observation_chars))
        if command == "create":
            text = args.get("file_text")
            if not isinstance(text, str):
                return ToolResult("error: create needs 'file_text'", True, malformed=True)
            old = await self._read(path)
            self._history.setdefault(path, []).append(old if old is not None else "\0absent")
            await self._write(path, text)
            return ToolResult(f"created {path} ({len(text.splitlines())} lines)")
        if command == "str_replace":
            old_str, new_str = args.get("old_str"), args.get("new_str", "")
            if not isinstance(old_str, str) or not isinstance(new_str, str):
                return ToolResult("error: str_replace needs string 'old_str' and 'new_str'", True, malformed=True)
            text = await self._read(path)
            if text is None:
                return ToolResult(f"error: {path} does not exist", True)
            count = text.count(old_str)
            if count != 1:
                return ToolResult(f"error: old_str occurs {count} times in {path}; it must occur exactly once", True)
            self._history.setdefault(path, []).append(text)
            await self._write(path, text.replace(old_str, new_str))
            return ToolResult(f"edited {path}")
        if command == "insert":
            line, new_str = args.get("insert_line"), args.get("new_str")
            if not isinstance(line, int) or not isinstance(new_str, str):
                return ToolResult(
                    "error: insert needs integer 'insert_line' and string 'new_str'", True, malformed=True
                )
            text = await self._read(path)
            if text is None:
                return ToolResult(f"error: {path} does not exist", True)
            lines = text.splitlines(keepends=True)
            if not 0 <= line <= len(lines):
                return ToolResult(f"error: insert_line {line} is outside 0..{len(lines)}", True)
            self._history.setdefault(path, []).append(text)
            piece = new_str if new_str.endswith("\n") else new_str + "\n"
            if line and not lines[line - 1].endswith("\n"):
                lines[line - 1] += "\n"
            await self._write(path, "".join([*lines[:line], piece, *lines[line:]]))
            return ToolResult(f"inserted {len(piece.splitlines())} line(s) after line {line} of {path}")
        if command == "undo_edit":
            stack = self._history.get(path)
            if not stack:
                return ToolResult(f"error: no edit of {path} to undo", True)
            previous = stack.pop()
            if previous == "\0absent":
                await self.sandbox.aexec(f"rm -f -- {shlex.quote(path)}")
                return ToolResult(f"undid the creation of {path}")
            await self._write(path, previous)
            return ToolResult(f"restored {path} to its state before the last edit")
        return ToolResult(f"error: unknown editor command {command!r}", True, malformed=True)
