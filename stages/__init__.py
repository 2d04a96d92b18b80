"""The built-in stage library, registered through the `workbench.stages` entry points."""
