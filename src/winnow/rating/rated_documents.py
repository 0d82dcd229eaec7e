"""The documents a set of ratings talks about, wherever they are.

A rater is a model of the documents its ratings name, not of the corpus being curated: ratings made
on one corpus (the bundled sample, a user's annotation round) train a rater that then scores any
other corpus. A rated id is resolved, in this order, against
1. the corpus being curated (`documents`);
2. texts carried by the ratings files themselves (`a_text`/`b_text` or `text` columns, optional);
3. the folder the ratings were made on (`rated_corpus`), read with ingest's readers, so its ids
   are the same content hashes `ingest` gives.
Ids found nowhere stay unknown, and the rating readers quarantine their rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from winnow.ingest.readers import Record, list_input_files, read_file
from winnow.ingest.text import content_id, normalise_text
from winnow.rating.ratings import PAIRWISE_COLUMNS, POINTWISE_COLUMNS, read_rating_rows
from winnow.parts import Parts, frames

TEXT_COLUMNS = {"pairwise": (("a_id", "a_text"), ("b_id", "b_text")), "pointwise": (("id", "text"),)}


def named_ids(path: str | Path, kind: str) -> set[str]:
    """Every document id a ratings file names, valid row or not (blank ids left out)."""
    columns = PAIRWISE_COLUMNS if kind == "pairwise" else POINTWISE_COLUMNS
    id_columns = [c for c in columns if c.endswith("id")]
    ids = set()
    for _, fields in read_rating_rows(path, columns):
        ids.update(str(fields[c]).strip() for c in id_columns if fields.get(c) not in (None, ""))
    return ids


def carried_texts(path: str | Path, kind: str) -> pd.DataFrame:
    """`id, text, source` for every rated document whose text the ratings file carries (may be empty);
    the source is the ratings file's name."""
    pairs_of_columns = TEXT_COLUMNS[kind]
    wanted = tuple(c for pair in pairs_of_columns for c in pair)
    try:
        rows = read_rating_rows(path, wanted)
    except ValueError as err:
        if "missing column" in str(err) or "no record has field" in str(err):
            return pd.DataFrame(columns=["id", "text", "source"])  # texts are optional
        raise
    found = []
    for _, fields in rows:
        for id_column, text_column in pairs_of_columns:
            doc_id, text = fields.get(id_column), fields.get(text_column)
            if isinstance(text, str) and text.strip() and doc_id not in (None, ""):
                found.append({"id": str(doc_id).strip(), "text": normalise_text(text), "source": Path(path).name})
    return pd.DataFrame(found, columns=["id", "text", "source"]).drop_duplicates("id")


def texts_from_folder(folder: str | Path, ids: Iterable[str], exclude: Iterable[str] = ()) -> pd.DataFrame:
    """`id, text, source` of the wanted ids among the documents ingest would read from `folder`."""
    wanted, found = set(ids), {}
    root = Path(folder)
    for path in list_input_files(root, list(exclude)):
        for item in read_file(path, path.relative_to(root).as_posix()):
            if isinstance(item, Record):
                doc_id = content_id(item.text)
                if doc_id in wanted and doc_id not in found:
                    found[doc_id] = (item.text, item.source)
        if len(found) == len(wanted):
            break
    return pd.DataFrame([(i, text, source) for i, (text, source) in found.items()], columns=["id", "text", "source"])


def resolve_rated_documents(documents: pd.DataFrame | Parts, files: dict[str, str], rated_corpus: str | None,
                            exclude: Iterable[str], cache_root: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """(`id, text, source` of every document the ratings `files` ({"pairwise": path, ...}) name, counts by origin).

    Looked up in `documents` (a part at a time: only the rated texts are kept), then in the files'
    own texts, then in `rated_corpus`; the folder is
    read only for ids found nowhere else, and what it gave is kept under `cache_root` when given.
    """
    from winnow.scoring.cache import fingerprint, fit_cached  # a cached read: a "fit" of the folder

    named = set().union(*(named_ids(path, kind) for kind, path in files.items()))
    columns = ["id", "text", "source"] if isinstance(documents, Parts) else None
    in_corpus = pd.concat([part.loc[part["id"].isin(named)] for part in frames(documents, columns)])
    found = [in_corpus.reindex(columns=["id", "text", "source"]),
             *(carried_texts(path, kind) for kind, path in files.items())]
    missing = named - set(pd.concat(found)["id"])
    counts = {"rated_docs_named": len(named), "rated_docs_in_corpus": len(found[0])}
    if missing and rated_corpus:
        listing = [(p.as_posix(), p.stat().st_size) for p in list_input_files(Path(rated_corpus), list(exclude))]
        key = fingerprint("with-source", str(rated_corpus), listing, sorted(exclude), sorted(missing))  # a changed folder reads again
        folder = cache_root / key if cache_root else None
        from_folder, _ = fit_cached(folder, lambda: texts_from_folder(rated_corpus, missing, exclude))
        found.append(from_folder)
        counts["rated_docs_from_rated_corpus"] = len(from_folder)
    rated = pd.concat(found, ignore_index=True).drop_duplicates("id")
    rated["source"] = rated["source"].fillna("")
    counts["rated_docs_found"] = len(rated)
    return rated, counts
