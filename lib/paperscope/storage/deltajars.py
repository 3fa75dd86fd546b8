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

from paperscope.core.settings import Settings

log = logging.getLogger(__name__)


class JarError(RuntimeError):
    """A Delta jar that is neither cached nor fetchable."""


def _jar_name(coordinate: str) -> tuple[str, str]:
    group, artifact, version = coordinate.split(":")
    rel = f"{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.jar"
    return f"{artifact}-{version}.jar", rel


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def coordinates() -> list[str]:
    """Maven coordinates of the Delta jars that belong to the installed delta-spark and
    pyspark, named as delta.pip_utils.configure_spark_with_delta_pip names them: the
    Python package's version is the one pin."""
    from importlib.metadata import version

    import pyspark

    delta = version("delta_spark")
    spark = ".".join(pyspark.__version__.split(".")[:2])
    return [f"io.delta:delta-spark_{spark}_2.13:{delta}", f"io.delta:delta-storage:{delta}"]


def jars(cfg: Settings) -> list[dict]:
    """delta.jars when set; else the installed delta-spark's jars, checked against the
    sha1 Maven publishes beside each one (sha1 None here)."""
    return cfg.delta.jars or [{"coordinate": c, "sha1": None} for c in coordinates()]


def ensure_jars(cfg: Settings) -> list[str]:
    """Return the absolute paths of the Delta jars, fetching any that are missing."""
    cache = Path(cfg.delta.jar_cache).resolve()
    repo = cfg.delta.maven_repository.rstrip("/")
    paths = []
    for jar in jars(cfg):
        name, rel = _jar_name(jar["coordinate"])
        target = cache / name
        sha1 = jar["sha1"] or _published_sha1(f"{repo}/{rel}.sha1", cache / f"{name}.sha1")
        if not (target.is_file() and _sha1(target) == sha1):
            _fetch(f"{repo}/{rel}", target, sha1)
        paths.append(str(target))
    return paths


def _published_sha1(url: str, kept: Path) -> str:
    """The sha1 Maven publishes for a jar, fetched once and kept beside it."""
    if kept.is_file():
        return kept.read_text().split()[0]
    data = _download(url, kept)
    value = data.decode("ascii", "replace").split()[0] if data.strip() else ""
    if len(value) != 40:
        raise JarError(f"{url} does not hold a sha1 (got {value[:60]!r})")
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(value + "\n")
    return value


def _download(url: str, target: Path) -> bytes:
    log.info("fetching %s", url)
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            return resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise JarError(
            f"Delta jar {target.name} is not in {target.parent} and could not be fetched from "
            f"{url} ({exc}). Copy the jar there by hand or set delta.maven_repository."
        ) from None


def _fetch(url: str, target: Path, sha1: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = _download(url, target)
    if hashlib.sha1(data).hexdigest() != sha1:
        raise JarError(f"Delta jar fetched from {url} does not have the expected sha1 {sha1}")
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    """Print the jars as a comma-separated list for spark-submit --jars."""
    from paperscope.core.config import ConfigError, load_config

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
