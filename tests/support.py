"""Helpers the tests share that are not fixtures: settings made the way a run makes them."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def settings(values: dict | None = None):
    """The repo's local config with dotted keys set ({'input.corpus': ...}), validated as a run's."""
    from paperscope.core.config import load_config

    return load_config(REPO / "conf" / "local.yaml").with_values(values or {})


def sources_settings(**values):
    """The local config with sources.* keys set (rate_per_s=0 ...), as `paperscope sources` makes it."""
    return settings({f"sources.{k}": v for k, v in values.items()})
