"""The curated-vs-random-vs-full experiment: decontamination, arm corpora and arm statistics.

Plain functions over DataFrames; no Kedro imports. Training lives in `winnow.training`.
"""
