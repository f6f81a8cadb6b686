"""Several claims against the same runs: the correction across them, and a sentence that says which.

With six claims each checked at 5%, the chance that at least one verdict is wrong can be
near 26%; "5 of 6 claims supported" then says less than it seems. The Bonferroni
correction builds each claim's interval at ``1 - alpha / m`` for ``m`` claims, so the
chance of *any* wrong verdict among them is at most ``alpha`` (the family-wise error
rate), whatever the dependence between claims. Bonferroni rather than Holm: verdicts here
come from intervals (and, when running until decided, from confidence sequences), and
Holm's step-down needs a p-value per claim that an interval does not give; Bonferroni is
valid for both and also under optional stopping.
"""

from __future__ import annotations

from typing import Literal, cast

from horizonbench.errors import ConfigError

Correction = Literal["none", "bonferroni"]
CORRECTIONS: tuple[Correction, ...] = ("none", "bonferroni")


def parse_correction(value: str) -> Correction:
    """``--correction VALUE`` as a :data:`Correction`.

    Raises:
        ConfigError: not one of :data:`CORRECTIONS`.
    """
    if value not in CORRECTIONS:
        raise ConfigError(f"--correction {value!r}: use one of {', '.join(CORRECTIONS)}")
    return cast(Correction, value)


def per_claim_alpha(alpha: float, n_claims: int, correction: Correction) -> float:
    """The error rate each claim is checked at.

    Raises:
        ValueError: ``alpha`` outside (0, 1) or an unknown correction.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if correction == "none" or n_claims <= 1:
        return alpha
    if correction == "bonferroni":
        return alpha / n_claims
    raise ValueError(f"unknown correction {correction!r}; use one of {', '.join(CORRECTIONS)}")


def correction_note(alpha: float, n_claims: int, correction: Correction) -> str:
    """One sentence stating the correction, for the foot of a verdict table."""
    each = per_claim_alpha(alpha, n_claims, correction)
    if n_claims <= 1:
        return f"One claim, checked at error rate {alpha:g}."
    if correction == "none":
        return (
            f"No correction across the {n_claims} claims: each is checked at error rate {alpha:g} on its own, "
            f"so the chance that at least one verdict is wrong can reach {min(1.0, n_claims * alpha):.2g}."
        )
    return (
        f"Bonferroni across the {n_claims} claims: each is checked at error rate {each:.4g} "
        f"(confidence {1 - each:.4%}), so the chance that any verdict is wrong is at most {alpha:g}."
    )
