"""Reading the lines of a UTF-8 text file, with errors that name the file.

Every reader of text input (corpora, STS files, training data) goes through
:func:`read_text_lines`, so a missing file, a folder, bytes that are not UTF-8 or an
unreadable file give the same clear :class:`CselabError`, never a traceback.
"""

from __future__ import annotations

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
