"""Pure layout of a stage graph on a character grid: no Textual, no Rich.

The widgets paint what this package computes, so the layout can be tested and
benchmarked on its own.
"""
