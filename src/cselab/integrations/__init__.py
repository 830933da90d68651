"""cselab inside other tools: :mod:`cselab.integrations.sentence_transformers`."""
