"""Resource limits and isolation of a real sandbox: pids, memory, network."""

from __future__ import annotations

import time

import pytest

from horizonbench.sandbox import Limits, Sandbox
from horizonbench.sandbox.shell import KILL_GRACE_S

pytestmark = pytest.mark.docker

FORK_BOMB = ":(){ :|:& };:"
# Counts the container's processes with builtins only (works while the pids limit is hit).
COUNT_PROCS = "n=0; for d in /proc/[0-9]*; do n=$((n + 1)); done; echo $n"


def _process_count(sb: Sandbox) -> int:
    res = sb.exec(COUNT_PROCS, timeout=10)
    assert res.exit_code == 0, res.output
    return int(res.stdout)


def test_fork_bomb_is_contained(sandbox: Sandbox, base_image: str) -> None:
    baseline = _process_count(sandbox)
    # The bomb backgrounds itself; the sleep keeps the command running until its timeout.
    res = sandbox.exec(f"{FORK_BOMB}; sleep 30", timeout=3)
    assert res.pids_limited
    assert res.timed_out
    assert res.duration_s < 3 + KILL_GRACE_S + 2
    assert "fork" in res.stderr  # bash says so when a fork is refused

    sandbox.kill_all()
    assert _process_count(sandbox) <= baseline
    after = sandbox.exec("echo $((6 * 7)) | cat", timeout=10)
    assert after.stdout == "42\n" and after.exit_code == 0
    assert sandbox.shell("echo shell-ok", timeout=10).stdout == "shell-ok\n"

    with Sandbox.start(base_image, limits=Limits(cpus=1, memory_mb=256, pids=64), workdir="/work") as other:
        res = other.exec("seq 3 | wc -l", timeout=10)
        assert res.stdout == "3\n" and not res.pids_limited


def test_kill_all_stops_a_running_fork_bomb(sandbox: Sandbox) -> None:
    baseline = _process_count(sandbox)
    started = sandbox.exec(FORK_BOMB, timeout=5)  # returns at once, the bomb runs on
    assert not started.timed_out
    time.sleep(0.5)  # let it fill the pids limit
    killed = sandbox.kill_all()
    assert killed > 10
    assert _process_count(sandbox) <= baseline
    assert sandbox.exec("echo alive", timeout=10).stdout == "alive\n"


def test_memory_hog_is_oom_killed(base_image: str) -> None:
    with Sandbox.start(base_image, limits=Limits(cpus=1, memory_mb=256, pids=64), workdir="/work") as sb:
        res = sb.exec("python3 -c 'x = bytearray(1 << 30); print(len(x))'", timeout=30)
        assert res.oom_killed
        assert res.exit_code == 137
        assert res.stdout == ""
        after = sb.exec("python3 -c 'print(len(bytearray(1 << 20)))'", timeout=30)
        assert after.stdout == "1048576\n"
        assert not after.oom_killed


def test_no_network_route(shared_sandbox: Sandbox) -> None:
    res = shared_sandbox.exec(
        "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)\"", timeout=20
    )
    assert res.exit_code != 0
    assert "Network is unreachable" in res.stderr


def test_no_default_route_and_only_loopback(shared_sandbox: Sandbox) -> None:
    routes = shared_sandbox.exec("cat /proc/net/route").stdout.splitlines()
    assert routes[0].startswith("Iface")
    assert all(line.split()[1] != "00000000" for line in routes[1:])  # no default destination
    assert shared_sandbox.exec("ls /sys/class/net").stdout.split() == ["lo"]
