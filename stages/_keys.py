"""Stages that turn one context key into another, both named in their config."""

from __future__ import annotations

from typing import Any

from workbench.engine import Stage


class KeyToKeyStage(Stage):
    """Reads ``config.key`` and writes ``config.output_key``; says so to the dry run and
    the graph, which cannot know it from the class alone."""

    config: Any

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,)
