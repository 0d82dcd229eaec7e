"""Winnow: score, select and prove pretraining data."""

__version__ = "0.1.0"
