"""Grading in Docker: the hidden tests decide (:mod:`~horizonbench.grading.grade`), their
output is read (:mod:`~horizonbench.grading.parsers`: reward files, pytest logs, swebench's
F2P/P2P report, milestones), and tampering is looked for (:mod:`~horizonbench.grading.tamper`)."""
