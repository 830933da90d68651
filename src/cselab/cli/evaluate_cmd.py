"""`cselab evaluate` (being written)."""

from cselab.errors import CselabError


def evaluate() -> None:
    """Not available yet."""
    raise CselabError("cselab evaluate is not available yet")
