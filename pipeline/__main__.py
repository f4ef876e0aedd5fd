"""`python -m pipeline ...` is `newswatch ...` (how the stack starts the worker and indexer)."""

from pipeline.cli import main

main()
