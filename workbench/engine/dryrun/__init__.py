"""Dry runs: the report a pipeline's stages plan without running, the comparison
of a plan with a run or another plan, and the report's export to Markdown and JSON."""
