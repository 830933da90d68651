"""`cselab train` (being written)."""

from cselab.errors import CselabError


def train() -> None:
    """Not available yet."""
    raise CselabError("cselab train is not available yet")
