"""User-facing errors.

Every error that bad input can cause is raised as :class:`CselabError` with a message that
names the offending input (file and line, argument and value, tensor and shape). The CLI
prints the message without a traceback; library users can catch one class.
"""


class CselabError(ValueError):
    """Bad input, reported with the name of the input that caused it."""
