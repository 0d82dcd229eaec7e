"""Ranking, thresholding and the bookkeeping that proves every document was accounted for."""
