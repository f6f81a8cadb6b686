"""A persistent shell session inside a container.

One long-lived ``docker exec`` of bash with stdin attached. Each command is sent as
``eval $'<escaped>' </dev/null`` followed by a status line framed by a random
sentinel that carries the exit status, so a command costs one round trip on an open
socket instead of a new exec (tens of milliseconds). The shell runs with job control
(``set -m``) so every command gets its own process group, which is what a timeout
kills; the session itself survives and serves the next command.
"""

from __future__ import annotations

import logging
import secrets
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import docker

from horizonbench.errors import SessionDied

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_CAP = 1_000_000
"""Bytes kept per stream and command (half from the head, half from the tail)."""

KILL_GRACE_S = 3.0
"""How long a timed-out command may take to report after its process groups are killed
before the session is declared stuck (a shell builtin loop) and reopened."""

_STDOUT, _STDERR = 1, 2

# Run once when a session opens. Job control gives each command its own process group;
# the cgroup event files let the status line report pids-limit hits and OOM kills
# without forking (a fork bomb leaves no room for a fork).
_INIT = (
    "set +o history 2>/dev/null; set -m; unset PROMPT_COMMAND; PS1=''; PS2=''\n"
    "__hb_mem=/sys/fs/cgroup/memory.events; [ -r $__hb_mem ] || "
    "__hb_mem=/sys/fs/cgroup/memory/memory.oom_control\n"
    "__hb_pids=/sys/fs/cgroup/pids.events; [ -r $__hb_pids ] || "
    "__hb_pids=/sys/fs/cgroup/pids/pids.events\n"
)

# The status line after every command: exit status, OOM kills and pids-limit hits so far
# (builtins only). A marker on stderr tells the reader that stderr is drained too.
_STATUS = (
    "__hb_rc=$?; __hb_o=0; __hb_p=0\n"
    "while read -r __hb_k __hb_v; do [[ $__hb_k == oom_kill ]] && __hb_o=$__hb_v; done "
    '2>/dev/null < "$__hb_mem"\n'
    'read -r __hb_k __hb_p 2>/dev/null < "$__hb_pids"\n'
    'printf \'%s%d %d %d\\n\' {s} "$__hb_rc" "${{__hb_o:-0}}" "${{__hb_p:-0}}"; '
    "printf '%s\\n' {s} >&2\n"
)

# Kills the process groups a shell started since a given time (in clock ticks since
# boot), reading /proc with builtins only so it works when the pids limit is reached.
# Groups started before the command (servers the agent backgrounded) are spared.
_KILL_FN = r"""
__hb_kill() {
  local shell=$1 since=$2 d s rest f spg pgids=() pids=()
  read -r s 2>/dev/null < "/proc/$shell/stat" || return 0
  rest=${s##*) }; read -r -a f <<< "$rest"; spg=${f[2]}
  for d in /proc/[0-9]*; do
    read -r s 2>/dev/null < "$d/stat" || continue
    rest=${s##*) }
    read -r -a f <<< "$rest"
    [[ ${f[1]} == "$shell" ]] || continue
    (( f[19] >= since )) || continue
    if [[ ${f[2]} == "$spg" ]]; then pids+=("${d#/proc/}"); else pgids+=("-${f[2]}"); fi
  done
  (( ${#pgids[@]} )) && kill -KILL -- "${pgids[@]}" 2>/dev/null
  (( ${#pids[@]} )) && kill -KILL -- "${pids[@]}" 2>/dev/null
  return 0
}
"""


@dataclass
class ExecResult:
    """What one command produced."""

    exit_code: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    truncated: bool = False
    oom_killed: bool = False
    pids_limited: bool = False
    session_restarted: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def output(self) -> str:
        """stdout and stderr together, as an agent would see them in a terminal."""
        if self.stdout and self.stderr:
            sep = "" if self.stdout.endswith("\n") else "\n"
            return self.stdout + sep + self.stderr
        return self.stdout or self.stderr


@dataclass
class _Capture:
    """Keeps the head and tail of a stream and finds the sentinel in it."""

    marker: bytes
    cap: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    pending: bytes = b""
    total: int = 0
    done: bool = False
    after: bytes = b""

    def feed(self, data: bytes) -> None:
        if self.done:
            self.after += data
            return
        buf = self.pending + data
        at = buf.find(self.marker)
        if at >= 0:
            self._keep(buf[:at])
            self.after = buf[at + len(self.marker) :]
            self.pending = b""
            self.done = True
            return
        keep = len(self.marker) - 1
        self._keep(buf[:-keep] if keep else buf)
        self.pending = buf[-keep:] if keep else b""

    def _keep(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        half = self.cap // 2
        room = half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.cap - half:
                del self.tail[: len(self.tail) - (self.cap - half)]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def text(self) -> str:
        body = bytes(self.head)
        if self.truncated:
            skipped = self.total - len(self.head) - len(self.tail)
            body += f"\n[... {skipped} bytes of output elided ...]\n".encode()
        body += bytes(self.tail)
        return body.decode("utf-8", errors="replace")


def bash_quote(text: str) -> str:
    """Quote text as a bash ``$'...'`` word that is safe for any byte."""
    out = ["$'"]
    for byte in text.encode("utf-8", errors="surrogateescape"):
        ch = chr(byte)
        if 32 <= byte < 127 and ch not in "\\'":
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    out.append("'")
    return "".join(out)


class SessionGone(SessionDied):
    """The session was found dead before a command was sent: the command can be retried."""


class ShellSession:
    """A bash process held open inside a container, fed commands through its stdin.

    Not safe for concurrent use: one command at a time (callers hold ``lock``).
    """

    def __init__(
        self,
        api: docker.APIClient,
        container_id: str,
        *,
        user: str = "",
        workdir: str | None = None,
        environment: dict[str, str] | None = None,
        output_cap: int = DEFAULT_OUTPUT_CAP,
    ) -> None:
        self._api = api
        self._container_id = container_id
        self._user = user
        self._workdir = workdir
        self._environment = environment or {}
        self.output_cap = output_cap
        self.lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._raw: Any = None
        self._buf = bytearray()
        self._exec_id = ""
        self.pid = 0
        self._oom = 0
        self._pids = 0

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        """Start bash in the container and wait until it answers.

        Raises:
            SessionDied: the exec could not be started or did not answer.
        """
        try:
            created = self._api.exec_create(
                self._container_id,
                ["bash", "--noprofile", "--norc"],
                stdin=True,
                stdout=True,
                stderr=True,
                tty=False,
                user=self._user,
                workdir=self._workdir,
                environment=self._environment or None,
            )
            self._exec_id = created["Id"]
            self._raw = self._api.exec_start(self._exec_id, socket=True)
        except docker.errors.APIError as exc:
            raise SessionDied(
                f"cannot open a shell in container {self._container_id[:12]}: {exc.explanation}"
            ) from None
        self._sock = getattr(self._raw, "_sock", self._raw)
        self._buf.clear()
        self._send(_INIT + _KILL_FN)
        res = self.run("echo $$", timeout=30)
        if res.exit_code != 0 or not res.stdout.strip().isdigit():
            self.close()
            raise SessionDied(f"shell in container {self._container_id[:12]} did not start: {res.output[:200]!r}")
        self.pid = int(res.stdout.strip())
        log.debug("shell session %s open (pid %d)", self._exec_id[:12], self.pid)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._raw is not None and self._raw is not sock:
            try:
                self._raw.close()
            except OSError:
                pass
        self._raw = None

    # -- commands ----------------------------------------------------------------------

    def run(
        self, command: str, timeout: float | None = None, *, on_timeout: Callable[[int, float], None] | None = None
    ) -> ExecResult:
        """Run ``command`` in this shell (state such as cd and export persists).

        On timeout ``on_timeout(shell_pid, seconds_running)`` must kill the command's
        process groups (from another session: this one is busy); a timed-out result is
        then returned. If the shell itself does not come back (a builtin loop), the
        session is closed and :class:`SessionDied` is raised for the caller to reopen it.

        Raises:
            SessionDied: the shell ended (``exit``, killed) or got stuck.
        """
        if self._sock is None:
            raise SessionDied("shell session is closed")
        if self._gone():
            self.close()
            raise SessionGone("the shell ended before the command was sent")
        token = secrets.token_hex(12)
        marker = f"__HB_{token}__".encode()
        out = _Capture(marker, self.output_cap)
        err = _Capture(marker, self.output_cap)
        script = f"eval {bash_quote(command)} </dev/null\n" + _STATUS.format(s=marker.decode())
        started = time.monotonic()
        self._send(script)
        deadline = started + timeout if timeout else None
        timed_out = False
        while not (out.done and b"\n" in out.after and err.done):
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                if timed_out:
                    self.close()
                    raise SessionDied(f"shell stuck after its command timed out ({timeout}s); session reopened")
                timed_out = True
                if on_timeout is None:
                    self.close()
                    raise SessionDied(f"command timed out ({timeout}s) with no way to kill it; session reopened")
                on_timeout(self.pid, now - started)
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            self._read_frames(out, err, None if deadline is None else deadline - now)
        status = out.after.split(b"\n", 1)[0].split()
        rc, oom, pids = (int(x) for x in status[:3])
        oom_killed, pids_limited = oom > self._oom, pids > self._pids
        self._oom, self._pids = oom, pids
        return ExecResult(
            exit_code=rc,
            stdout=out.text(),
            stderr=err.text(),
            duration_s=time.monotonic() - started,
            timed_out=timed_out,
            truncated=out.truncated or err.truncated,
            oom_killed=oom_killed,
            pids_limited=pids_limited,
        )

    def kill_since(self, shell_pid: int, seconds_ago: float) -> None:
        """Kill the process groups that ``shell_pid`` started in the last seconds (builtins only)."""
        script = (
            "read -r __hb_up _ < /proc/uptime; __hb_up=${__hb_up/./}; "
            f"__hb_kill {shell_pid} $(( __hb_up - {int(seconds_ago * 100) + 10} ))"
        )
        self.run(script, timeout=10)

    def exit_code(self) -> int | None:
        """The exit code of the session's bash, once it has ended."""
        try:
            code = self._api.exec_inspect(self._exec_id).get("ExitCode")
        except docker.errors.APIError:
            return None
        return None if code is None else int(code)

    # -- wire --------------------------------------------------------------------------

    def _gone(self) -> bool:
        """Whether the peer closed the stream while idle (the shell was killed between commands)."""
        assert self._sock is not None
        ready, _, _ = select.select([self._sock], [], [], 0)
        if not ready:
            return False
        try:
            data = self._sock.recv(1 << 16, socket.MSG_PEEK)
        except OSError:
            return True
        return data == b""

    def _send(self, text: str) -> None:
        assert self._sock is not None
        try:
            self._sock.sendall(text.encode("utf-8", errors="surrogateescape"))
        except OSError as exc:
            self.close()
            raise SessionDied(f"shell session is gone ({exc})") from None

    def _read_frames(self, out: _Capture, err: _Capture, wait: float | None) -> None:
        """Read what is available (waiting at most ``wait`` seconds) and route the frames."""
        sock = self._sock
        if sock is None:
            raise SessionDied("shell session is closed")
        ready, _, _ = select.select([sock], [], [], wait)
        if not ready:
            return
        try:
            chunk = sock.recv(1 << 16)
        except OSError as exc:
            self.close()
            raise SessionDied(f"shell session is gone ({exc})") from None
        if not chunk:
            self.close()
            raise SessionDied("shell session ended")
        buf = self._buf
        buf += chunk
        while len(buf) >= 8:
            size = int.from_bytes(buf[4:8], "big")
            if len(buf) < 8 + size:
                break
            stream = buf[0]
            payload = bytes(buf[8 : 8 + size])
            del buf[: 8 + size]
            (err if stream == _STDERR else out).feed(payload)
