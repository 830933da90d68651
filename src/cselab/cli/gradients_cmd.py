"""`cselab gradients` (being written)."""

from cselab.errors import CselabError


def gradients() -> None:
    """Not available yet."""
    raise CselabError("cselab gradients is not available yet")
