"""Pairwise annotation: people judge which of two documents is better training text.

`python -m winnow.annotate` serves the page; judgments go to SQLite and are exported in the
pairwise ratings contract (`a_id,b_id,preferred,rater`) that the rater in `curate` is fitted on.
`pairs`, `store`, `export` and `stats` import neither the web framework nor Kedro.
"""
