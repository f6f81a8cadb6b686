"""Docker sandboxes: engine, images, containers with a persistent shell, reaper."""

from horizonbench.sandbox.limits import Limits, make_limits
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.sandbox.shell import ExecResult, ShellSession

__all__ = ["ExecResult", "Limits", "Sandbox", "ShellSession", "make_limits"]
