"""Widgets that draw and walk a pipeline's dependency graph."""
