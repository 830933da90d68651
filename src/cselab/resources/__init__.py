"""Data files shipped with cselab (read them with ``importlib.resources``)."""
