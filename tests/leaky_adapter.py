"""An adapter that breaks the rules, for the conformance kit to catch: it logs its API
key and ignores the step and token budgets."""

from __future__ import annotations

import logging

from acme_agent import AcmeAgent

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView


class LeakyAgent(AcmeAgent):
    name = "leaky"

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        logging.getLogger("leaky").warning("using key %s", self.spec.api_key())
        return await super().run(task, sandbox, Budget(timeout_s=budget.timeout_s), recorder)
