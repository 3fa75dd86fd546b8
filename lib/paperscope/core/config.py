"""Configuration: packaged defaults, overlaid by a YAML file, by --set KEY=VALUE and by
flags, validated once into one typed, frozen Settings object.

Every path and threshold lives in YAML so that a run is described by one resolved
config, which the report records. The defaults live only in data/defaults.yaml; the
models below say what each key may hold, not what it holds by default. A bad value is
one line naming the key, the layer it came from and the problem, before Spark starts.
"""
from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from paperscope.core.errors import InputError
from paperscope.core.settings import ConfigError, Settings, _validate
from paperscope.core.textfile import decode


def _defaults() -> dict:
    text = resources.files("paperscope").joinpath("data/defaults.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _dotted(key: str, value: Any) -> dict:
    parts = key.strip().split(".")
    override: dict = {}
    node = override
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return override


# Mappings whose keys are the user's own (Spark settings, years), not config keys.
_FREE = {"spark.conf", "quality.expected_papers", "reports.references"}


def _merge_into(base: dict, override: dict, origin: dict[str, str], layer: str, where: str = "") -> None:
    """Overlay override on base in place, refusing keys the defaults do not know, and
    remember which layer set each key (for the error message)."""
    for key, value in (override or {}).items():
        path = f"{where}{key}"
        if not isinstance(base, dict) or key not in base:
            known = ", ".join(sorted(map(str, base))) if isinstance(base, dict) else ""
            raise ConfigError(f"unknown config key '{path}' (known here: {known})")
        if isinstance(base[key], dict) and path not in _FREE:
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{path}' must be a mapping, got {value!r}")
            _merge_into(base[key], value, origin, layer, path + ".")
        elif isinstance(base[key], dict) and isinstance(value, dict):
            base[key] = {**base[key], **value}
            origin[path] = layer
        else:
            base[key] = copy.deepcopy(value)
            origin[path] = layer


def _read_yaml(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(decode(p.read_bytes(), f"config file {p}"))
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config file {p} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a mapping at the top, got {type(data).__name__}")
    return data


def _assignment(assignment: str) -> tuple[str, Any]:
    if "=" not in assignment:
        raise ConfigError(f"--set expects KEY=VALUE, got '{assignment}'")
    key, raw = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw != "" else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def load_config(conf_file: str | Path | None = None, sets: list[str] | None = None, **flags: Any) -> Settings:
    """Resolve the run's settings: defaults < conf_file < --set KEY=VALUE < named flags.

    Named flags use dotted keys with '__' for '.', e.g. input__years="2024,2025". Their
    values are taken as given (a flag's string stays a string: `--warehouse "/wh #prod"`
    keeps its '#', `--corpus yes` is the folder "yes"); only --set values are YAML.
    """
    data = _defaults()
    origin: dict[str, str] = {}
    if conf_file:
        _merge_into(data, _read_yaml(conf_file), origin, str(conf_file))
    for assignment in sets or []:
        key, value = _assignment(assignment)
        _merge_into(data, _dotted(key, value), origin, "--set")
    for name, value in flags.items():
        if value is not None:
            _merge_into(data, _dotted(name.replace("__", "."), value), origin, "command line")
    return _validate(data, origin)


def allowed_years(cfg: Settings) -> list[int]:
    """Years a paper may carry: the quality config, else the input selection, else any."""
    return cfg.quality.allowed_years or cfg.input.years or list(range(1900, 2101))


def main(argv: list[str] | None = None) -> int:
    """`python -m paperscope.core.config KEY [CONF_FILE]`: print one setting, for shell scripts
    (spark-submit.sh takes the driver's JVM options from here, so they are defined once)."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m paperscope.core.config KEY [CONF_FILE]", file=sys.stderr)
        return 2
    try:
        value: Any = load_config(argv[1] if len(argv) > 1 else None).as_dict()
        for part in _setting_path(argv[0]):
            value = value[part]
    except ConfigError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    except (KeyError, TypeError):
        print(f"paperscope: no setting {argv[0]}", file=sys.stderr)
        return 2
    print("" if value is None else value)
    return 0


def _setting_path(key: str) -> list[str]:
    """spark.conf.spark.driver.extraJavaOptions -> [spark, conf, spark.driver.extraJavaOptions]:
    under spark.conf the rest is one Spark key."""
    parts = key.split(".")
    if parts[:2] == ["spark", "conf"] and len(parts) > 2:
        return ["spark", "conf", ".".join(parts[2:])]
    return parts



if __name__ == "__main__":
    raise SystemExit(main())
