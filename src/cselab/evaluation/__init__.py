"""Evaluation of sentence encoders (STS: Spearman/Pearson of cosine vs gold scores)."""
