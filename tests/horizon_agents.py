"""Agents for the tooluse and ladder suites' tests: one that stops part way up a ladder,
and one that reaches the right end state by breaking the policy on the way."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any, ClassVar

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView


class PartialOracle:
    """Applies only the first ``steps`` files of the reference patch: on a ladder task,
    the fixes of stages 1..steps and nothing after."""

    name = "partial-oracle"
    needs_solution: ClassVar[bool] = True

    def __init__(self, steps: int = 1) -> None:
        self.steps = steps

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        assert task.solution_dir is not None
        patch = (task.solution_dir / "patch.diff").read_text()
        files = re.split(r"(?m)^(?=diff --git )", patch)
        chosen = "".join([f for f in files if f.strip()][: self.steps])
        sandbox.write_file("/tmp/partial.diff", chosen)
        res = await sandbox.aexec("git apply /tmp/partial.diff && rm /tmp/partial.diff", cwd=task.workdir)
        recorder.record("command", command=f"apply first {self.steps} file(s)", exit_code=res.exit_code)
        return AgentOutcome(status="submitted" if res.exit_code == 0 else "finished", steps=1, message=res.output)


class _ToolCaller:
    """Calls the task's own tools the way an LLM adapter does: the tool's command with the
    arguments as JSON on stdin."""

    name = "tool-caller"
    needs_solution: ClassVar[bool] = False
    calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        tools = {t.name: t for t in task.tools}
        for name, args in self.calls:
            payload = shlex.quote(json.dumps(args))
            res = await sandbox.aexec(f"printf '%s' {payload} | {tools[name].command}", timeout=60)
            recorder.record("tool_call", tool=name, args=args, exit_code=res.exit_code, output=res.output)
        return AgentOutcome(status="submitted", steps=len(self.calls))


_SHOP_REFERENCE: list[tuple[str, dict[str, Any]]] = [
    ("cancel_order", {"order_id": 1003}),
    ("request_approval", {"order_id": 1004, "amount_cents": 129900}),
    ("refund_order", {"order_id": 1004, "amount_cents": 129900}),
    ("flag_order", {"order_id": 1005, "code": "cancel_after_ship"}),
    ("cancel_order", {"order_id": 1009}),
    ("flag_order", {"order_id": 1006, "code": "requester_mismatch"}),
    ("refund_order", {"order_id": 1008, "amount_cents": 2900}),
    ("refund_order", {"order_id": 1001, "amount_cents": 4450}),
]


class ShopByTheBook(_ToolCaller):
    """tooluse/shop-returns: the reference actions through the declared tools."""

    name = "shop-by-the-book"
    calls = _SHOP_REFERENCE


class ShopRefundBeforeApproval(_ToolCaller):
    """tooluse/shop-returns: the same actions, but the $1,299 refund is made before the
    manager's approval is asked for. The end state is the reference's; the policy is not."""

    name = "shop-refund-before-approval"
    calls = [_SHOP_REFERENCE[0], _SHOP_REFERENCE[2], _SHOP_REFERENCE[1], *_SHOP_REFERENCE[3:]]
