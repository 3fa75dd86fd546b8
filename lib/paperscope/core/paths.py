"""Paths the user gives, taken as written, and each backend's form of them.

A local path (plain, relative, or file:) and a URI (hdfs://, s3a://, abfss://, dbfs:/)
are told apart once. A file name may hold '#', '?', '%', ':' or spaces, so a local path
is never parsed as a URL: only a real file: prefix is stripped, and relative paths are
made absolute against the driver's folder (an executor's folder is another). Spark and
Delta (JVM) take that absolute path as it is; delta-rs (`deltalake`) decodes percent
escapes and stops at '#' and '?' even in a file:// URI, so it gets no form where those
occur and the caller reads through Spark instead. A path no backend can take is refused
before Spark starts (`refusal`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

# A URI names its scheme before ":/" (hdfs://, s3a://, dbfs:/); "notes: draft" is a file name.
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:/")
_FILE_SCHEME = re.compile(r"^file:(?://(?:localhost)?(?=/))?")
# What delta-rs reads otherwise than written: URL escapes, fragments, queries, backslashes.
_DELTALAKE_CANNOT = re.compile(r"[#?\\]|%[0-9A-Fa-f]{2}")
# What no file system API here takes in a path: control characters (a newline ends
# Hadoop's and the logs' lines alike).
_NOWHERE = re.compile(r"[\x00-\x1f\x7f]")


def is_local(path: str) -> bool:
    return not _SCHEME.match(path) or path.startswith("file:")


def local_path(path: str) -> str:
    """The file system path: only a real file: prefix is stripped, never parsed as a URL."""
    return _FILE_SCHEME.sub("", path, count=1) if path.startswith("file:") else path


@dataclass(frozen=True)
class Location:
    """A path as given, and as each backend takes it."""
    given: str
    local: str | None  # the absolute file system path of a local path; None for a URI

    @property
    def spark(self) -> str:
        """For Spark and Delta's JVM: the absolute local path, or the URI as given."""
        return self.local if self.local is not None else self.given

    @property
    def deltalake(self) -> str | None:
        """For delta-rs: a local path it reads as written, else None (read through Spark)."""
        if self.local is None or _DELTALAKE_CANNOT.search(self.local):
            return None
        return self.local


def locate(path: str) -> Location:
    """The one place a user's path becomes the forms the backends take."""
    if is_local(path):
        return Location(path, os.path.abspath(local_path(path)))
    return Location(path, None)


def join(base: str, name: str) -> str:
    """base/name for a local path or a URI, without parsing either."""
    return f"{base.rstrip('/')}/{name}"


def refusal(path: str, key: str) -> str | None:
    """One line when no backend can take the path, else None."""
    bad = _NOWHERE.search(path)
    if bad:
        return f"{key} {path!r} holds a control character ({bad.group()!r}); choose a name without it"
    return None

def sources_dir(cfg) -> str:
    """Where `paperscope sources` writes the paper lists and a run reads them: sources.dir,
    else <warehouse.path>/sources (a local folder: the lists are read in Python)."""
    return local_path(cfg.sources.dir or join(cfg.warehouse.path, "sources"))


def sources_cache(cfg) -> str:
    """The raw responses of `paperscope sources`: sources.cache, else <warehouse.path>/sources_cache."""
    return local_path(cfg.sources.cache or join(cfg.warehouse.path, "sources_cache"))
