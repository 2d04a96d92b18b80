"""Widgets that show dry-run reports, one or two side by side."""
