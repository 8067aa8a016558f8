"""Run mlguard as ``python -m mlguard``."""

from mlguard.cli import main

main()
