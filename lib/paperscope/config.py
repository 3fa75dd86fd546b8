"""Configuration: packaged defaults, overlaid by a YAML file, overlaid by flags.

Every path and threshold lives in YAML so that a run is described by one resolved
config, which the report records.
"""
from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A config that cannot be used; the message is meant for the user as is."""


def _defaults() -> dict:
    text = resources.files("paperscope").joinpath("data/defaults.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _merge(base: dict, override: dict, where: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        path = f"{where}{key}"
        if key not in base:
            raise ConfigError(f"unknown config key '{path}' (known here: {', '.join(sorted(base))})")
        if isinstance(base[key], dict) and key != "conf" and key != "expected_papers":
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{path}' must be a mapping, got {value!r}")
            out[key] = _merge(base[key], value, path + ".")
        elif isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{path}' must be a mapping, got {value!r}")
            out[key] = {**base[key], **value}
        else:
            out[key] = value
    return out


def _read_yaml(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config file {p} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a mapping at the top, got {type(data).__name__}")
    return data


def _set_dotted(cfg: dict, assignment: str) -> None:
    if "=" not in assignment:
        raise ConfigError(f"--set expects KEY=VALUE, got '{assignment}'")
    key, raw = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw != "" else None
    except yaml.YAMLError:
        value = raw
    parts = key.strip().split(".")
    override: dict = {}
    node = override
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    cfg.update(_merge(cfg, override))


def _as_int_list(value: Any, key: str) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, (int, str)):
        value = [v for v in str(value).split(",") if v.strip()]
    try:
        return sorted({int(v) for v in value})
    except (TypeError, ValueError):
        raise ConfigError(f"'{key}' must be a list of years, got {value!r}") from None


def _validate(cfg: dict) -> dict:
    cfg["input"]["years"] = _as_int_list(cfg["input"]["years"], "input.years")
    cfg["quality"]["allowed_years"] = _as_int_list(cfg["quality"]["allowed_years"], "quality.allowed_years")
    share = cfg["quality"]["min_ok_share"]
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError(f"'quality.min_ok_share' must be a number between 0 and 1, got {share!r}")
    expected = cfg["quality"]["expected_papers"] or {}
    try:
        cfg["quality"]["expected_papers"] = {int(y): int(n) for y, n in expected.items()}
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(f"'quality.expected_papers' must map years to counts, got {expected!r}") from None
    if cfg["affiliations"]["china_policy"] not in ("mainland", "greater"):
        raise ConfigError("'affiliations.china_policy' must be 'mainland' or 'greater'")
    if not isinstance(cfg["quality"]["reuse_unchanged"], bool):
        raise ConfigError("'quality.reuse_unchanged' must be true or false")
    if cfg["quality"].get("engine", "pandas") not in ("pandas", "spark"):
        raise ConfigError("'quality.engine' must be 'pandas' or 'spark'")
    threshold = cfg["affiliations"]["fuzzy_threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 101:
        raise ConfigError(f"'affiliations.fuzzy_threshold' must be a number from 0 to 100 (101 turns fuzzy off), got {threshold!r}")
    if cfg["mentions"]["scope"] not in ("body", "full"):
        raise ConfigError("'mentions.scope' must be 'body' or 'full'")
    if not cfg["input"]["corpus"] and not cfg["input"]["manifest"]:
        raise ConfigError("set 'input.corpus' or 'input.manifest'")
    if bool(cfg["warehouse"]["catalog"]) != bool(cfg["warehouse"]["schema"]):
        raise ConfigError("set both 'warehouse.catalog' and 'warehouse.schema' (Unity Catalog tables), or neither")
    if not isinstance(cfg["spark"]["conf"], dict):
        raise ConfigError("'spark.conf' must be a mapping of Spark settings")
    cfg["spark"]["conf"] = {str(k): str(v) for k, v in cfg["spark"]["conf"].items()}
    for key in ("review_sample", "seed", "top_terms", "html_rows"):
        if not isinstance(cfg["reports"][key], int) or isinstance(cfg["reports"][key], bool) or cfg["reports"][key] < 0:
            raise ConfigError(f"'reports.{key}' must be a whole number >= 0")
    for key in ("max_pages", "header_chars", "layout_pages", "max_bytes", "page_limit", "partitions", "driver_hash_bytes"):
        if not isinstance(cfg["extract"][key], int) or isinstance(cfg["extract"][key], bool) or cfg["extract"][key] < 0:
            raise ConfigError(f"'extract.{key}' must be a whole number >= 0")
    per_core = cfg["extract"]["max_tasks_per_core"]
    if not isinstance(per_core, int) or isinstance(per_core, bool) or per_core < 1:
        raise ConfigError("'extract.max_tasks_per_core' must be a whole number >= 1")
    timeout = cfg["extract"]["timeout_seconds"]
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
        raise ConfigError("'extract.timeout_seconds' must be a number >= 0")
    if not isinstance(cfg["extract"]["reextract"], bool):
        raise ConfigError("'extract.reextract' must be true or false")
    return cfg


def load_config(conf_file: str | Path | None = None, sets: list[str] | None = None, **flags: Any) -> dict:
    """Resolve the run's config: defaults < conf_file < --set KEY=VALUE < named flags.

    Named flags use dotted keys with '__' for '.', e.g. input__years="2024,2025".
    """
    cfg = _defaults()
    if conf_file:
        cfg = _merge(cfg, _read_yaml(conf_file))
    for assignment in sets or []:
        _set_dotted(cfg, assignment)
    for name, value in flags.items():
        if value is not None:
            _set_dotted(cfg, f"{name.replace('__', '.')}={value}")
    return _validate(cfg)


def allowed_years(cfg: dict) -> list[int]:
    """Years a paper may carry: the quality config, else the input selection, else any."""
    return cfg["quality"]["allowed_years"] or cfg["input"]["years"] or list(range(1900, 2101))
