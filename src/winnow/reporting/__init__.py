"""Figures and summaries people look at; matplotlib only, no tracking code."""
