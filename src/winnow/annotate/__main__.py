"""`python -m winnow.annotate [--port 8765 ...]` serves the page; `... export --out FILE` writes
the ratings file (optionally with existing ratings files included, for a single `pairwise_path`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from winnow.annotate.config import AnnotateConfig
from winnow.annotate.pairs import Mix

_DEFAULTS = {f.name: f.default for f in fields(AnnotateConfig) if f.name != "mix"}


def _path_or_none(text: str) -> Path | None:
    return Path(text) if text else None


def _mix(text: str) -> Mix:
    try:
        return Mix.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winnow-annotate", description="Serve the pairwise annotation page "
                                     "(subcommand `export` writes the ratings file).")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--mix", type=_mix, default=Mix(),
                        help="shares of pair kinds, e.g. uncertain=0.6,random=0.2,shared=0.1,repeat=0.1")
    for name, default in _DEFAULTS.items():
        kind = _path_or_none if name == "gold" else type(default)
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default,
                            help=f"default: {default}" + (" ('' = none)" if name == "gold" else ""))
    return parser


def export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winnow-annotate export",
                                     description="Write the judgments as a pairwise ratings CSV.")
    parser.add_argument("--db", type=Path, default=_DEFAULTS["db"])
    parser.add_argument("--out", type=Path, default=_DEFAULTS["export"])
    parser.add_argument("--include", type=Path, action="append", default=[], metavar="RATINGS_FILE",
                        help="copy this ratings file's rows in first (repeatable), e.g. "
                             "data/01_raw/ratings/sample_pairwise.csv, so one pairwise_path holds both")
    return parser


def export_main(argv: list[str]) -> int:
    from winnow.annotate.export import consistent_pairs, included_rows, write_pairwise_csv
    from winnow.annotate.store import all_judgments, opened

    args = export_parser().parse_args(argv)
    if not args.db.is_file():
        sys.exit(f"{args.db}: no judgments database (start the page first, or pass --db)")
    with opened(args.db) as conn:
        pairs, conflicts = consistent_pairs(all_judgments(conn))
    extra, unparseable = included_rows(args.include)
    write_pairwise_csv(pairs, args.out, extra)
    print(f"wrote {args.out}: {len(pairs)} judgments by {pairs['rater'].nunique()} rater(s)"
          + (f" after {len(extra)} rows from {', '.join(map(str, args.include))}" if args.include else "")
          + (f"; {conflicts} pair(s) a rater judged both ways left out" if conflicts else "")
          + (f"; {unparseable} unparseable included line(s) not copied" if unparseable else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        return export_main(argv[1:])
    args = vars(serve_parser().parse_args(argv))
    host, port = args.pop("host"), args.pop("port")
    import uvicorn

    from winnow.annotate.app import create_app

    try:
        app = create_app(AnnotateConfig(**args))
    except (FileNotFoundError, KeyError, ValueError) as err:
        sys.exit(f"winnow-annotate: {err}")
    print(f"Rate pairs at http://{host}:{port}/  (stats: http://{host}:{port}/stats)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
