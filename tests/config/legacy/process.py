"""A stand-in pre-/post-processing script."""
