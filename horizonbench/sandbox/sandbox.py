"""A container that runs one attempt: lifecycle, limits, shell sessions and files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import threading
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

import docker.errors
import docker.types
import requests.exceptions
from docker.models.containers import Container

from horizonbench.errors import ImageMissing, SandboxError, SessionDied
from horizonbench.sandbox import engine, reaper
from horizonbench.sandbox.files import SandboxFiles
from horizonbench.sandbox.inspection import SandboxInspection
from horizonbench.sandbox.limits import Limits
from horizonbench.sandbox.shell import DEFAULT_OUTPUT_CAP, ExecResult, SessionGone, ShellSession
from horizonbench.sandbox.snapshot import GRADER_CAPS, SandboxSnapshot

log = logging.getLogger(__name__)


# The container's PID 1. In its own PID namespace, init ignores every signal it has no
# handler for, so an agent cannot kill it (``kill -9 -1`` included) and stop the
# container; bash also reaps the orphans the agent leaves behind. Its sleep child may be
# killed: the loop starts another.
_PID1 = 'trap "" TERM INT HUP QUIT; while :; do sleep 86400 & wait $!; done'


_removals: set[threading.Thread] = set()
_removals_guard = threading.Lock()


def wait_for_removals(timeout: float = 60.0) -> None:
    """Wait for containers being removed in the background (``close(wait=False)``)."""
    deadline = time.monotonic() + timeout
    with _removals_guard:
        pending = list(_removals)
    for thread in pending:
        thread.join(max(0.0, deadline - time.monotonic()))


_GONE_RETRIES = 3


class Sandbox(SandboxFiles, SandboxInspection, SandboxSnapshot):
    """A running container with a persistent shell session.

    Use :meth:`start` (or ``async with`` via :meth:`astart`); always :meth:`close`,
    which the context managers do. Commands go through shell sessions held open in the
    container: :meth:`exec` runs in a fresh subshell with the given cwd and env (no
    state kept), :meth:`shell` runs in the agent's shell where cd and export persist.
    """

    def __init__(self, container: Container, *, workdir: str, output_cap: int = DEFAULT_OUTPUT_CAP) -> None:
        self.container = container
        self.id: str = container.id or ""
        self.workdir = workdir
        self.output_cap = output_cap
        self._api = engine.client().api
        self._sessions: dict[str, ShellSession] = {}
        self._guard = threading.Lock()
        self.closed = False
        self.mounts: dict[str, str] = {}
        """Container path -> host directory of bind mounts."""
        self.session_env: dict[str, str] = {}
        """Environment of every shell opened in the container, not of the container itself: a
        snapshot of it (same-mode grading) does not carry it."""
        self.restarts = 0
        """Times :meth:`kill_all` had to restart the container (its shells were being killed)."""
        self._driver: dict[str, Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        image: str,
        *,
        limits: Limits | None = None,
        workdir: str = "/",
        env: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        network: str = "none",
        name: str | None = None,
        output_cap: int = DEFAULT_OUTPUT_CAP,
        mounts: dict[str, str] | None = None,
        join: Sandbox | None = None,
        prepare: Callable[[str], None] | None = None,
        session_env: dict[str, str] | None = None,
    ) -> Sandbox:
        """Start a container from ``image`` and open its control session. With ``join``, it
        shares that sandbox's network and PID namespaces and holds the capabilities that
        keep its processes out of the other's reach (see :mod:`horizonbench.sandbox.snapshot`).
        ``prepare`` gets the container's id after it is created and before anything runs in it.

        Raises:
            ImageMissing: the image is not on this engine.
            SandboxError: the engine refused to start the container.
        """
        limits = limits or Limits()
        client = engine.client()
        all_labels = {reaper.LABEL: "1", reaper.LABEL_OWNER: reaper.owner_label(), **(labels or {})}
        shared: dict[str, Any] = {"network_mode": network, "hostname": "sandbox"}
        if join is not None:
            # A container in another's network namespace takes its hostname too.
            shared = {
                "network_mode": f"container:{join.id}",
                "pid_mode": f"container:{join.id}",
                "cap_add": list(GRADER_CAPS),
            }
        try:
            container = client.containers.create(
                image,
                ["bash", "-c", _PID1],
                name=name or f"hb-{uuid.uuid4().hex[:12]}",
                # The sandbox gets no network unless asked; containers never need one here.
                **shared,
                nano_cpus=int(limits.cpus * 1e9),
                mem_limit=f"{limits.memory_mb}m",
                memswap_limit=f"{limits.memory_mb}m",
                pids_limit=limits.pids,
                init=False,  # _PID1 is the init: it reaps orphans and cannot be killed from inside
                security_opt=["no-new-privileges"],
                working_dir=workdir,
                environment=env or {},
                labels=all_labels,
                # host directory -> container path; only the model gateway's socket dir uses this
                volumes={host: {"bind": dest, "mode": "rw"} for host, dest in (mounts or {}).items()},
                # Nothing reads the container's own output, and a process writing to
                # /proc/1/fd/1 would otherwise grow the engine's log file on the host
                # without bound (outside every cap of the container).
                log_config=docker.types.LogConfig(type="none"),
                # No single file may outgrow the disk the task declared (a runaway writer).
                ulimits=[docker.types.Ulimit(name="fsize", soft=limits.storage_mb << 20, hard=limits.storage_mb << 20)],
            )
            try:
                if prepare is not None:
                    prepare(container.id or "")
                container.start()
            except BaseException:
                with contextlib.suppress(docker.errors.APIError):
                    container.remove(force=True, v=True)
                raise
        except docker.errors.ImageNotFound:
            raise ImageMissing(
                f"image {image!r} is not on this engine; build it ('horizonbench images base' for the base image)"
            ) from None
        except docker.errors.APIError as exc:
            raise SandboxError(f"engine refused to start a container from {image!r}: {exc.explanation}") from None
        sandbox = cls(container, workdir=workdir, output_cap=output_cap)
        sandbox.mounts = {dest: host for host, dest in (mounts or {}).items()}
        sandbox.session_env = dict(session_env or {})
        try:
            sandbox._session("control")
        except BaseException:
            sandbox.close()
            raise
        log.debug("sandbox %s started from %s", container.name, image)
        return sandbox

    @classmethod
    async def astart(cls, image: str, **kwargs: Any) -> Sandbox:
        return await asyncio.to_thread(cls.start, image, **kwargs)

    def close(self, wait: bool = True) -> None:
        """Close the sessions and remove the container (idempotent).

        With ``wait=False`` the removal runs in the background: a trial need not wait the
        tenth of a second it takes (a run removes its own leftovers when it ends, and
        ``sandbox prune`` those of a process that died).
        """
        if self.closed:
            return
        self.closed = True
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()
        if not wait:
            thread = threading.Thread(target=self._remove, name=f"remove-{self.id[:12]}", daemon=True)
            with _removals_guard:
                _removals.add(thread)
            thread.start()
            return
        self._remove()

    def _remove(self) -> None:
        try:
            self._remove_container()
        finally:
            with _removals_guard:
                _removals.discard(threading.current_thread())

    def _remove_container(self) -> None:
        try:
            self._api.remove_container(self.id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            # The engine may be gone (restarted mid-run): the container is labelled, and
            # `sandbox prune` or the next run removes it; cleanup must not hide the error.
            log.warning("could not remove container %s: %s", self.id[:12], exc)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Sandbox:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- commands ----------------------------------------------------------------------

    def exec(
        self,
        command: str,
        *,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run ``command`` in a fresh subshell (nothing persists) in ``cwd`` with ``env``."""
        parts = [f"cd -- {shlex.quote(cwd or self.workdir)} || exit 126"]
        parts += [f"export {k}={shlex.quote(v)}" for k, v in (env or {}).items() if _env_name(k)]
        parts.append(f"eval {shlex.quote(command)}")
        return self._run("exec", "( " + "\n".join(parts) + "\n)", timeout)

    def shell(self, command: str, *, timeout: float | None = None) -> ExecResult:
        """Run ``command`` in the agent's stateful shell (cd, export, variables persist)."""
        return self._run("agent", command, timeout)

    async def aexec(self, command: str, **kwargs: Any) -> ExecResult:
        return await asyncio.to_thread(self.exec, command, **kwargs)

    async def ashell(self, command: str, **kwargs: Any) -> ExecResult:
        return await asyncio.to_thread(self.shell, command, **kwargs)

    def _session(self, name: str) -> ShellSession:
        with self._guard:
            if self.closed:
                raise SandboxError(f"sandbox {self.id[:12]} is closed")
            session = self._sessions.get(name)
            if session is None or not session.alive:
                session = ShellSession(
                    self._api, self.id, workdir=self.workdir, environment=self.session_env, output_cap=self.output_cap
                )
                session.open()
                self._sessions[name] = session
            return session

    def _run(self, name: str, command: str, timeout: float | None) -> ExecResult:
        started = time.monotonic()
        for _ in range(_GONE_RETRIES):
            try:
                return self._run_once(name, command, timeout)
            except SessionGone:
                # Killed between commands (``kill -9 -1``): nothing of this command ran yet.
                continue
        # A process of the agent's kills every shell as soon as it opens: the command cannot
        # run, which is the agent's doing (kill_all restarts the container before grading).
        return ExecResult(
            exit_code=-1,
            stdout="",
            stderr=f"[the shell session was killed {_GONE_RETRIES} times before the command could run]",
            duration_s=time.monotonic() - started,
            timed_out=False,
            session_restarted=True,
        )

    def _run_once(self, name: str, command: str, timeout: float | None) -> ExecResult:
        session = self._session(name)
        started = time.monotonic()
        with session.lock:
            try:
                return session.run(command, timeout, on_timeout=self._kill_since)
            except SessionGone:
                raise
            except SessionDied as exc:
                code = session.exit_code()
                session.close()
                reason = str(exc)  # `exc` is unbound once the except block ends
                log.info("shell session in %s died (%s); reopening", self.id[:12], reason)
        if code is None and session.pid > 0:
            # The shell still runs (stuck in a builtin loop): left alone it would spin on
            # and eat the sandbox's CPU quota.
            self._kill_pid(session.pid)
        self._session(name)  # reopen now so the next command finds a live shell
        return ExecResult(
            exit_code=code if code is not None else -1,
            stdout="",
            stderr=f"[the shell session ended and was restarted: {reason}]",
            duration_s=time.monotonic() - started,
            timed_out=timeout is not None and time.monotonic() - started >= timeout,
            session_restarted=True,
        )

    def _kill_pid(self, pid: int) -> None:
        """Kill one process from the control session (builtins only)."""
        control = self._session("control")
        with control.lock:
            try:
                control.run(f"kill -KILL {pid} 2>/dev/null; true", timeout=10)
            except SessionDied:
                control.close()

    def _kill_since(self, shell_pid: int, seconds: float) -> None:
        """Kill what ``shell_pid`` started in the last ``seconds``, from the control session."""
        for attempt in (1, 2):
            control = self._session("control")
            with control.lock:
                try:
                    control.kill_since(shell_pid, seconds)
                    return
                except SessionDied:
                    control.close()
                    if attempt == 2:
                        raise

    def kill_all(self) -> int:
        """Kill every process in the container but its init and the control shell, so
        nothing an agent left running can touch grading. Returns how many processes were
        killed; the agent and exec sessions reopen on next use.

        An agent may have killed the control shell (``kill -9 -1``) or left a process
        that kills every shell the harness opens: then the container is restarted, which
        kills all its processes from outside and keeps its files, and the attempt is
        still graded (the agent's doing must never turn into an infrastructure error).
        """
        ours = []
        for name in [n for n in self._sessions if n != "control"]:
            session = self._sessions.pop(name)
            ours.append(session.pid)
            session.close()
        try:
            return self._kill_all_inside(ours)
        except SessionDied as exc:
            log.info("sandbox %s: control shell killed (%s); restarting the container", self.id[:12], exc)
        return self._restart()

    def _restart(self) -> int:
        """Restart the container (every process killed, files kept); returns how many ran."""
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()
        try:
            running = len(self._api.top(self.id).get("Processes") or []) - 1
            self._api.restart(self.id, timeout=0)
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot restart sandbox {self.id[:12]}: {exc.explanation}") from None
        self.restarts += 1
        self._session("control")
        return max(running, 0)

    def _kill_all_inside(self, ours: list[int]) -> int:
        control = self._session("control")
        with control.lock:
            res = control.run(
                "declare -A __hb_seen=(); for __hb_round in 1 2 3 4 5 6 7 8; do __hb_k=0; "
                "for __hb_d in /proc/[0-9]*; do __hb_p=${__hb_d#/proc/}; "
                "(( __hb_p == 1 || __hb_p == $$ )) && continue; "
                "read -r __hb_s 2>/dev/null < $__hb_d/stat || continue; __hb_r=${__hb_s##*) }; "
                "[[ ${__hb_r:0:1} == [ZX] ]] && continue; "
                "kill -KILL $__hb_p 2>/dev/null || continue; __hb_k=1; __hb_seen[$__hb_p]=1; done; "
                "(( __hb_k )) || break; done; echo ${!__hb_seen[@]}",
                timeout=60,
            )
        killed = {int(p) for p in res.stdout.split()} - set(ours)
        return len(killed)

    def limit_events(self) -> dict[str, int] | None:
        """How often the container hit its caps so far: ``oom_kill`` (processes killed
        for memory) and ``pids_max`` (forks refused at the pids limit), from its cgroup;
        None when they cannot be read now (no process can start: it is at its pids cap)."""
        res = self.exec(  # cgroup v2 paths first, then v1
            "m=/sys/fs/cgroup/memory.events; [ -r $m ] || m=/sys/fs/cgroup/memory/memory.oom_control; "
            "p=/sys/fs/cgroup/pids.events; [ -r $p ] || p=/sys/fs/cgroup/pids/pids.events; "
            "grep '^oom_kill ' $m; sed -n 's/^max /pids_max /p' $p",
            timeout=30,
        )
        if res.exit_code != 0 and not res.stdout.strip():
            return None
        events = {"oom_kill": 0, "pids_max": 0}
        for line in res.stdout.splitlines():
            key, _, value = line.partition(" ")
            if key in events and value.strip().isdigit():
                events[key] = int(value)
        return events


def _env_name(name: str) -> bool:
    if not name.replace("_", "a").isalnum() or name[0].isdigit():
        raise SandboxError(f"bad environment variable name {name!r}")
    return True
