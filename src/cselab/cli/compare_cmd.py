"""`cselab compare` (being written)."""

from cselab.errors import CselabError


def compare() -> None:
    """Not available yet."""
    raise CselabError("cselab compare is not available yet")
