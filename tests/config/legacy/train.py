"""A stand-in training script (the tests only load the experiment, they do not run it)."""
