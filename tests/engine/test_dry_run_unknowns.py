"""A dry run never says 0 for time it does not know: totals say how many are unknown."""

from __future__ import annotations

from workbench.engine.dryrun.dry_run import estimate_text


def test_no_estimates_is_unknown_not_zero() -> None:
    assert estimate_text(0.0, 11, 11) == "unknown (no estimates)"
    assert estimate_text(0.0, 1, 1) == "unknown (no estimate)"


def test_some_unknown_is_a_lower_bound_that_says_how_many() -> None:
    assert estimate_text(0.004, 10, 11) == "at least ~4 ms (10 of 11 estimates unknown)"


def test_all_known_is_an_estimate() -> None:
    assert estimate_text(1.5, 0, 3) == "~1.5 s"
