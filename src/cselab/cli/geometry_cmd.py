"""`cselab geometry` (being written)."""

from cselab.errors import CselabError


def geometry() -> None:
    """Not available yet."""
    raise CselabError("cselab geometry is not available yet")
