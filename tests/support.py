"""Helpers the tests share that are not fixtures: settings made the way a run makes them,
and the cases of a generated matrix split between make test-fast and make test."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def settings(values: dict | None = None):
    """The repo's local config with dotted keys set ({'input.corpus': ...}), validated as a run's."""
    from paperscope.core.config import load_config

    return load_config(REPO / "conf" / "local.yaml").with_values(values or {})


def sources_settings(**values):
    """The local config with sources.* keys set (rate_per_s=0 ...), as `paperscope sources` makes it."""
    return settings({f"sources.{k}": v for k, v in values.items()})


def slow_except(cases, keep, ids=None) -> list:
    """Each case (a tuple of parameters, or one value) as a pytest.param; those `keep`
    accepts run in make test-fast too, the others are marked slow (make test runs all)."""
    return [pytest.param(*(case if isinstance(case, tuple) else (case,)), id=None if ids is None else ids(case),
                         marks=() if keep(case) else pytest.mark.slow)
            for case in cases]
