"""What an agent is given and what it reports: the budget of an attempt and its outcome.

Both are persisted (the budget in the run manifest, the outcome in every result), so they
live with the other schemas rather than with the adapters.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Budget(BaseModel):
    """Limits of one attempt. ``None`` means unbounded."""

    max_steps: int | None = Field(None, ge=1, description="Most model turns (tool-call rounds).")
    max_tokens: int | None = Field(None, ge=1, description="Most input + output tokens in total.")
    max_cost_usd: float | None = Field(None, gt=0, description="Most dollars spent on the model.")
    timeout_s: float | None = Field(None, gt=0, description="Wall-clock limit of the agent phase.")
    command_timeout_s: float = Field(180.0, gt=0, description="Limit of one command the agent runs.")
    network: bool | None = Field(
        None,
        description="False (--network off): a trial of a task that needs network is an error. None or True: such "
        "tasks get the egress proxy (None keeps run manifests written before this field comparable).",
    )

    def exhausted(self, steps: int, tokens: int, cost_usd: float) -> str | None:
        """The limit that usage so far has reached (``steps``, ``tokens``, ``cost``), if any.
        The wall-clock limit is the harness's to enforce."""
        if self.max_steps is not None and steps >= self.max_steps:
            return "steps"
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return "tokens"
        if self.max_cost_usd is not None and cost_usd >= self.max_cost_usd:
            return "cost"
        return None


OutcomeStatus = Literal["submitted", "finished", "budget_exhausted", "timeout", "error"]


class AgentOutcome(BaseModel):
    """How an attempt ended, from the agent's side."""

    status: OutcomeStatus = Field(description="submitted | finished | budget_exhausted | timeout | error.")
    steps: int = Field(0, description="Model turns taken.")
    input_tokens: int = Field(0, description="Prompt tokens, cached ones included.")
    cached_input_tokens: int = Field(0, description="Prompt tokens served from the provider's cache.")
    output_tokens: int = Field(0, description="Completion tokens.")
    cost_usd: float = Field(0.0, description="Dollars, from the pricing table.")
    message: str = Field("", description="The agent's final message or the reason it stopped.")
    infra_error: bool = Field(False, description="The agent could not work for reasons outside it (endpoint down).")
    limit: str | None = Field(
        None, description="The budget limit that ended the attempt: steps | tokens | cost | time."
    )
    malformed_tool_calls: int = Field(0, description="Tool calls with unusable arguments (told back to the model).")
    retries: int = Field(0, description="Model calls retried after 429 / 5xx / timeouts / dropped connections.")
