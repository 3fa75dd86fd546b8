"""The Delta Lake jars for a plain Spark: fetched once from Maven, then used offline.

Databricks has Delta built in and never calls this. Everywhere else the jars are passed
to Spark as local files (spark.jars / --jars), so a run needs no network after the first.
"""
from __future__ import annotations

import hashlib
import logging
import sys
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)


class JarError(RuntimeError):
    """A Delta jar that is neither cached nor fetchable."""


def _jar_name(coordinate: str) -> tuple[str, str]:
    group, artifact, version = coordinate.split(":")
    rel = f"{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.jar"
    return f"{artifact}-{version}.jar", rel


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def ensure_jars(cfg: dict) -> list[str]:
    """Return the absolute paths of the Delta jars, fetching any that are missing."""
    cache = Path(cfg["delta"]["jar_cache"]).resolve()
    paths = []
    for jar in cfg["delta"]["jars"]:
        name, rel = _jar_name(jar["coordinate"])
        target = cache / name
        if not (target.is_file() and _sha1(target) == jar["sha1"]):
            _fetch(cfg["delta"]["maven_repository"].rstrip("/") + "/" + rel, target, jar["sha1"])
        paths.append(str(target))
    return paths


def _fetch(url: str, target: Path, sha1: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("fetching %s", url)
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise JarError(
            f"Delta jar {target.name} is not in {target.parent} and could not be fetched from "
            f"{url} ({exc}). Copy the jar there by hand or set delta.maven_repository."
        ) from None
    if hashlib.sha1(data).hexdigest() != sha1:
        raise JarError(f"Delta jar fetched from {url} does not have the pinned sha1 {sha1}")
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    """Print the jars as a comma-separated list for spark-submit --jars."""
    from paperscope.config import ConfigError, load_config

    argv = sys.argv[1:] if argv is None else argv
    try:
        cfg = load_config(argv[0] if argv else None)
        print(",".join(ensure_jars(cfg)))
    except (JarError, ConfigError) as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
