"""Model loading, pooling and the per-layer token view."""
