"""Widgets several views share: the view bar, lists of pipelines and problems, stage details."""
