"""The gate's suites: reviewed GX 1.x JSON files, loaded and checked before any run starts.

The packaged copy lives in paperscope/data/expectations (linked from the repo's
expectations/); quality.expectations_dir may point at another folder. Values that depend
on the run (min_ok_share, allowed years) are ``{"$PARAMETER": name}`` suite parameters,
passed as ``expectation_parameters`` when the Checkpoints run.
"""
from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from paperscope.core import registry
from paperscope.core.config import allowed_years
from paperscope.core.settings import Settings

# The tables the gate reads (those of the validate step, registry.py).
GATE_TABLES = registry.step("validate").reads


# One suite file <name>.json per entry: the per-year counts, then each gate table's suite
# (registry.Table.suite). Order is the report order: the per-year counts come first
# because a lost file explains most other surprises.
# rule_consistency reads a frame the pipeline derives from the counting rules
# (rules.consistency), not a table: first_last <= distinct_authors <= any_author <= papers.
SUITES = ("papers_per_year", *(registry.table(t).suite for t in GATE_TABLES if registry.table(t).suite),
          "rule_consistency")


# Every $PARAMETER a suite may use. A suite naming another one is rejected when it is
# loaded; GX itself would only fail at validation time, half way through a run.
PARAMETERS = ("min_ok_share", "allowed_years")


def expectations_dir(cfg: Settings):
    """Where the suites are read: quality.expectations_dir, else the packaged copy.

    The packaged copy is a Traversable, not a Path: on executors and under spark-submit
    the package is imported from a zipped wheel.
    """
    configured = cfg.quality.expectations_dir
    if configured:
        return Path(configured)
    return resources.files("paperscope") / "data" / "expectations"


def _gx():
    """Import GX lazily (the import alone takes seconds) with analytics off, so nothing calls out."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


def _read_suite_json(path, name: str) -> dict:
    if not path.is_file():
        raise ValueError(f"expectation suite file not found: {path}")
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"expectation suite file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"expectation suite file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"expectation suite file {path} must hold a JSON object, got {type(data).__name__}")
    if data.get("name") != name:
        raise ValueError(f'expectation suite file {path} must have "name": "{name}", got {data.get("name")!r}')
    expectations = data.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise ValueError(f'expectation suite file {path} must list its expectations under "expectations"')
    for i, exp in enumerate(expectations, 1):
        if not isinstance(exp, dict) or not isinstance(exp.get("type"), str) or not isinstance(exp.get("kwargs"), dict):
            raise ValueError(f'expectation suite file {path}: expectation #{i} needs a "type" string and a "kwargs" object')
    # Ids are store identities, not reviewed content: a suite exported from another
    # context keeps its ids, which this run's fresh store would not know.
    data.pop("id", None)
    for exp in expectations:
        exp.pop("id", None)
    return data


def load_suite(path: str | Path, name: str | None = None):
    """Read one reviewed suite file into a gx.ExpectationSuite, or raise ValueError naming the file.

    GX itself only logs and drops an expectation it cannot build; a gate that silently
    loses a check is worse than one that refuses to start, so each one is built here first.
    """
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    path = Path(path) if isinstance(path, str) else path
    name = name or path.name.rsplit(".", 1)[0]
    data = _read_suite_json(path, name)
    for i, exp in enumerate(data["expectations"], 1):
        try:
            ExpectationConfiguration(**exp).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - any GX or pydantic error means the same here
            raise ValueError(f"expectation suite file {path}: expectation #{i} ({exp['type']}) is not valid: {exc}") from None
    try:
        suite = gx.ExpectationSuite(**data)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"expectation suite file {path} is not a valid GX expectation suite: {exc}") from None
    if len(suite.expectations) != len(data["expectations"]):
        raise ValueError(
            f"expectation suite file {path}: GX kept {len(suite.expectations)} of "
            f"{len(data['expectations'])} expectations (an invalid or a repeated entry)"
        )
    unknown = sorted(set(suite.suite_parameter_options) - set(PARAMETERS))
    if unknown:
        raise ValueError(
            f"expectation suite file {path} uses unknown $PARAMETER {', '.join(unknown)} (known: {', '.join(PARAMETERS)})"
        )
    return suite


def load_suites(cfg: Settings) -> dict:
    """All suites of the gate by name, from the configured or the packaged folder."""
    folder = expectations_dir(cfg)
    return {name: load_suite(folder / f"{name}.json", name) for name in SUITES}


def suite_parameters(cfg: Settings) -> dict[str, Any]:
    """Run-time values of the suites' $PARAMETERs, from the resolved config."""
    return {
        "min_ok_share": float(cfg.quality.min_ok_share),
        "allowed_years": [int(y) for y in allowed_years(cfg)],
    }

