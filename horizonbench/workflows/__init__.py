"""What users do with the layers below: prove tasks sound (:mod:`~horizonbench.workflows.task_check`),
verify a vendor's adapter (:mod:`~horizonbench.workflows.conformance`), gate a prompt change in CI
(:mod:`~horizonbench.workflows.regression_gate`), and score SWE-bench
predictions (:mod:`~horizonbench.workflows.predictions`)."""
