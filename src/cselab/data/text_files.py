"""Reading the lines of a UTF-8 text file, with errors that name the file.

Every reader of text input (corpora, STS files, training data) goes through
:func:`read_text_lines`, so a missing file, a folder, bytes that are not UTF-8 or an
unreadable file give the same clear :class:`CselabError`, never a traceback; every
JSON-lines reader goes through :func:`json_lines`, so a line that is not a JSON object is
named by file and line the same way; every CSV/TSV reader goes through
:func:`delimited_rows`, so broken quoting is named instead of merging rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from cselab.errors import CselabError


def read_text_lines(path: Path, what: str) -> list[str]:
    """The lines of the UTF-8 text file ``path``; ``what`` names it in errors ("corpus")."""
    if not path.exists():
        raise CselabError(f"{what} file {str(path)!r} does not exist")
    if not path.is_file():
        raise CselabError(f"{what} path {str(path)!r} is not a file")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CselabError(f"{what} file {str(path)!r} is not UTF-8 text ({exc})") from exc
    except OSError as exc:
        raise CselabError(f"{what} file {str(path)!r} cannot be read ({exc})") from exc


def iter_text_lines(path: Path, what: str) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of the UTF-8 text file ``path``, read lazily
    (a file of any size is never in memory at once); errors as :func:`read_text_lines`."""
    if not path.exists():
        raise CselabError(f"{what} file {str(path)!r} does not exist")
    if not path.is_file():
        raise CselabError(f"{what} path {str(path)!r} is not a file")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise CselabError(f"{what} file {str(path)!r} is not UTF-8 text ({exc})") from exc
    except OSError as exc:
        raise CselabError(f"{what} file {str(path)!r} cannot be read ({exc})") from exc


def json_lines(path: Path, what: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-blank line of the JSON-lines file ``path``, read
    lazily; a line that is not valid JSON, or not a JSON object, fails naming the file and
    line."""
    for number, line in iter_text_lines(path, what):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CselabError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise CselabError(
                f"{path}:{number}: expected a JSON object, found {type(record).__name__}"
            )
        yield number, record


def delimited_rows(path: Path, what: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank row of a CSV (``,``) or TSV (``\\t``) file.

    Quoting follows RFC 4180, strictly: a field that opens a double quote must close it
    right before a delimiter or the line's end. A quote left open would swallow the rows
    after it into one field, so a row that runs over several lines (or to the end of the
    file) is an error naming the line where it starts: sentences never span lines.
    """
    lines = (line + "\n" for _, line in iter_text_lines(path, what))  # read lazily
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CselabError(
                f"{path}:{start}: broken quoting ({exc}); a field that starts with a double "
                "quote must end with one"
            ) from None
        if reader.line_num > start:
            raise CselabError(
                f"{path}:{start}: a quoted field runs from line {start} to line "
                f"{reader.line_num} (a quote left open?); a row must fit on one line"
            )
        if row:
            yield start, row
        start = reader.line_num + 1
