"""A short tour of a sandbox, for ``make demo`` and ``horizonbench sandbox demo``."""

from __future__ import annotations

from collections.abc import Iterator

from horizonbench.sandbox import base_image
from horizonbench.sandbox.limits import Limits
from horizonbench.sandbox.sandbox import Sandbox


def run_demo() -> Iterator[str]:
    """Start a sandbox, use it, and describe each step in a line."""
    image = base_image.require()
    with Sandbox.start(image, limits=Limits(cpus=1, memory_mb=256, pids=64), workdir="/work") as sb:
        yield f"started {sb.container.name} from {image} (network none, 1 cpu, 256 MiB, 64 pids)"
        sb.shell("cd /tmp && export GREETING=hello")
        res = sb.shell('echo "$GREETING from $(pwd)"')
        yield f"stateful shell: {res.stdout.strip()!r} in {res.duration_s * 1000:.1f} ms"
        res = sb.exec("python3 -c 'import sys; print(sys.version.split()[0])'")
        yield f"stateless exec: python {res.stdout.strip()} (exit {res.exit_code})"
        res = sb.shell("sleep 30", timeout=1)
        yield f"timeout: 'sleep 30' stopped after {res.duration_s:.1f} s (timed_out={res.timed_out})"
        res = sb.shell("yes | head -c 50000000")
        yield f"output cap: 50 MB written, {len(res.stdout)} chars kept (truncated={res.truncated})"
        res = sb.exec("python3 -c 'x = bytearray(1 << 30)'")
        yield f"memory limit: 1 GiB allocation -> exit {res.exit_code} (oom_killed={res.oom_killed})"
        res = sb.exec("python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)\"")
        yield f"network: outbound connection -> exit {res.exit_code} ({res.stderr.strip().splitlines()[-1]})"
        sb.write_file("/work/hello.bin", bytes(range(256)))
        back = sb.read_file("/work/hello.bin")
        yield f"files: 256 binary bytes written and read back intact: {back == bytes(range(256))}"
    yield "sandbox removed"
