"""What an attempt has used (steps, tokens, dollars, malformed calls, retries) and the outcome it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from horizonbench.agents.endpoints import Usage
from horizonbench.models.agent import AgentOutcome, Budget


@dataclass
class AttemptState:
    """What one attempt of an LLM adapter has used so far."""

    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    malformed: int = 0
    retries: int = 0

    def limit_reached(self, budget: Budget) -> str | None:
        return budget.exhausted(self.steps, self.usage.total, self.cost)

    def outcome(self, status: str, message: str, *, limit: str | None = None, infra: bool = False) -> AgentOutcome:
        return outcome_from_usage(
            status,
            message,
            steps=self.steps,
            usage=self.usage,
            cost=self.cost,
            limit=limit,
            infra=infra,
            malformed_tool_calls=self.malformed,
            retries=self.retries,
        )


def outcome_from_usage(
    status: str,
    message: str,
    *,
    steps: int,
    usage: Usage,
    cost: float,
    limit: str | None = None,
    infra: bool = False,
    **extra: Any,
) -> AgentOutcome:
    """An :class:`AgentOutcome` from what an attempt used."""
    return AgentOutcome.model_validate(
        {
            "status": status,
            "steps": steps,
            "input_tokens": usage.input_tokens,
            "cached_input_tokens": usage.cached_input_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": round(cost, 6),
            "message": message,
            "limit": limit,
            "infra_error": infra,
            **extra,
        }
    )
