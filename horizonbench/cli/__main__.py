"""``python -m horizonbench.cli``."""

from horizonbench.cli import main

main()
