"""A text file the user gives (manifest, URL list, metadata, config, terms, review sheet), read one way.

Spreadsheets and Windows editors save CSVs with a byte-order mark, and some in UTF-16: a
UTF-8 mark is dropped, UTF-16 and UTF-32 with a mark are decoded, and anything else must
be UTF-8. What is not is refused with one line naming the file and the first bad byte,
never decoded with replacement characters (a name with a lost accent matches nothing).
"""
from __future__ import annotations

import codecs
import os
from pathlib import Path

from paperscope.core.errors import InputError

# Longest marks first: the UTF-32 LE mark begins with the UTF-16 LE one.
_MARKS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
          (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode(data: bytes, what: str) -> str:
    """The text of a file's bytes (see the module); InputError says why not."""
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            body = data[len(mark):]
            break
    else:
        encoding, body = "utf-8", data
        if len(data) >= 4 and data[1:4:2] == b"\0\0" and data[0] and data[2]:
            raise InputError(f"{what}: looks like UTF-16 without a byte-order mark; save it as UTF-8")
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: not {encoding.upper()} text (byte {exc.start + len(data) - len(body)}: "
                         f"{exc.reason}); save it as UTF-8") from None


def read_text(path: str | os.PathLike, what: str, max_bytes: int | None = None) -> str:
    """The text of a user's file; over max_bytes it is refused before it is read."""
    p = Path(path)
    if max_bytes is not None:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"{what} {p}: {size:,} bytes is over the limit of {max_bytes:,}")
    return decode(p.read_bytes(), f"{what} {p}")
