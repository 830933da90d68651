"""The tidy results table and learning dynamics."""
