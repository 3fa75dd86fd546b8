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

