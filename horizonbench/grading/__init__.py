"""Grading in Docker: the hidden tests decide (:mod:`~horizonbench.grading.grade`), their
output is read (:mod:`~horizonbench.grading.parsers`: reward files, pytest logs, swebench's
F2P/P2P report, milestones), and tampering is looked for (:mod:`~horizonbench.grading.tamper`).
pytest runs under horizonbench's guard (:mod:`~horizonbench.grading.guard` installs
:mod:`~horizonbench.grading.pytest_guard`), whose signed records are set against the log
(:mod:`~horizonbench.grading.records`)."""
