"""`cselab dynamics` (being written)."""

from cselab.errors import CselabError


def dynamics() -> None:
    """Not available yet."""
    raise CselabError("cselab dynamics is not available yet")
