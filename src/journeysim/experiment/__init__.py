"""Honest experiment readouts: holdout lift estimates with intervals, and power."""
