"""`cselab report` (being written)."""

from cselab.errors import CselabError


def report() -> None:
    """Not available yet."""
    raise CselabError("cselab report is not available yet")
