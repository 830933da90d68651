"""Corpora, pairs and STS data loaders."""
