"""Paths the user gives: local ones (plain or file:) and URIs (hdfs://, s3a://, dbfs:/) told apart.

A file name may hold '#', '?', '%' or a newline, so a local path is never parsed as a URL:
only a real file: prefix is stripped.
"""
from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FILE_SCHEME = re.compile(r"^file:(?://(?:localhost)?(?=/))?")


def is_local(path: str) -> bool:
    return not _SCHEME.match(path) or path.startswith("file:")


def local_path(path: str) -> str:
    """The file system path: only a real file: prefix is stripped, never parsed as a URL.

    A file name may hold '#', '?', '%' or a newline; urlparse would cut or alter it.
    """
    return _FILE_SCHEME.sub("", path, count=1) if path.startswith("file:") else path



def _under_warehouse(cfg, name: str) -> str:
    return cfg.warehouse.path.rstrip("/") + "/" + name


def sources_dir(cfg) -> str:
    """Where `paperscope sources` writes the paper lists and a run reads them: sources.dir,
    else <warehouse.path>/sources (a local folder: the lists are read in Python)."""
    return local_path(cfg.sources.dir or _under_warehouse(cfg, "sources"))


def sources_cache(cfg) -> str:
    """The raw responses of `paperscope sources`: sources.cache, else <warehouse.path>/sources_cache."""
    return local_path(cfg.sources.cache or _under_warehouse(cfg, "sources_cache"))
