"""Controlled-horizon coding tasks: a data pipeline of N stages, each with one defect.

``generate(length, seed, out)`` writes a complete task directory. The repository holds a
package whose pipeline runs N stage modules in order, each taking the records the
previous stage returns. Every stage's docstring specifies it and its code breaks that
specification in one place. Hidden test ``k`` runs stages 1..k on hidden records and
compares the result with what correct stages produce, so milestone ``k`` passes exactly
when the first k stages are fixed: a defect can only be checked once every stage before
it is right.

The generator is pure and seeded: one (length, seed) gives byte-identical files; the
seed picks the domain, names, stages, constants, defects and data. While it builds the
chain it executes each stage's correct and defective source and keeps a candidate only
if its defect changes the output both on the visible example and on the hidden records,
and cannot be masked by a later stage for any prefix of fixed stages. So an agent that
fixes the first k stages gets exactly milestones 1..k.
"""

from horizonbench.tasks.ladder.build import Ladder, build, digest
from horizonbench.tasks.ladder.render import generate, render
from horizonbench.tasks.ladder.stages import BASE_MINUTES, MAX_LENGTH, MINUTES_PER_STEP, expert_minutes

__all__ = [
    "BASE_MINUTES",
    "MAX_LENGTH",
    "MINUTES_PER_STEP",
    "Ladder",
    "build",
    "digest",
    "expert_minutes",
    "generate",
    "render",
]
