"""Reading raw corpora into documents: formats, text cleanup, language id and dedup.

Plain library code: no Kedro or MLflow imports, so it runs anywhere (tests, Ray workers).
"""
