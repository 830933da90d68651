"""`cselab sweep` (being written)."""

from cselab.errors import CselabError


def sweep() -> None:
    """Not available yet."""
    raise CselabError("cselab sweep is not available yet")
