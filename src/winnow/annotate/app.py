"""The annotation web app: two documents side by side, a judgment per key press, stored at once.

Thin glue over plain modules: `pairs` chooses, `store` saves, `export` writes the ratings file,
`stats` counts. Every answer to bad input is a 4xx with `{"error": "<what is wrong>"}` and
changes nothing. The page is static HTML + JS from `static/` (no build step, nothing fetched from
elsewhere); a Content-Security-Policy forbids inline and third-party scripts, so document text
can never run as code even if a future change rendered it as HTML.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from winnow.annotate import store
from winnow.annotate.config import AnnotateConfig
from winnow.annotate.export import consistent_pairs, write_pairwise_csv
from winnow.annotate.pairs import KINDS, NoPairLeft, Ranking, next_pair, rng_for
from winnow.annotate.pool import load_pool
from winnow.annotate.stats import latest_rater_run, rater_summary

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 4096  # a judgment is ~300 bytes
MAX_RATER_CHARS = 64
_RATER_CHARS = "letters, digits, spaces, '.', '-' or '_', starting with a letter or digit"
_HEADERS = {"Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def check_rater(name: str) -> str:
    """A rater name becomes a CSV field and an MLflow metric name (`rater/<name>/...`): keep it plain."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_RATER_CHARS:
        raise ValueError(f"rater name must be 1 to {MAX_RATER_CHARS} characters, got {len(name)}")
    if not (name[0].isalnum() and all(c.isalnum() or c in " .-_" for c in name)):
        raise ValueError(f"rater name may hold only {_RATER_CHARS}")
    return name


class JudgmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(pattern=r"^[A-Za-z0-9-]{8,64}$")
    rater: str
    session: str = Field(pattern=r"^[A-Za-z0-9-]{8,64}$")
    a_id: str = Field(min_length=1, max_length=128)
    b_id: str = Field(min_length=1, max_length=128)
    choice: Literal["a", "b", "tie", "skip"]
    kind: Literal[KINDS]

    @field_validator("rater")
    @classmethod
    def _plain_rater(cls, value: str) -> str:
        return check_rater(value)


def _explain(err: ValidationError | RequestValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"] if p not in ("body", "query"))
        parts.append(f"{where}: {e['msg'].removeprefix('Value error, ')}" if where else e["msg"])
    return "; ".join(parts)


async def _read_body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it passes MAX_BODY_BYTES, announced or not."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise ApiError(413, f"request body over {MAX_BODY_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, f"request body over {MAX_BODY_BYTES} bytes")
    return body


def create_app(config: AnnotateConfig) -> FastAPI:
    pool = load_pool(config.documents, config.scores, config.gold)
    ranking = Ranking(pool["id"], pool["utility"], pool["dup_cluster"] if "dup_cluster" in pool else None)
    texts = dict(zip(pool["id"], pool["text"]))
    export_lock = threading.Lock()
    app = FastAPI(title="Winnow annotation", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def refresh_export(conn) -> int:
        with export_lock:  # one writer at a time, so an older snapshot never replaces a newer one
            pairs, _ = consistent_pairs(store.all_judgments(conn))
            return write_pairwise_csv(pairs, config.export)

    def document(doc_id: str) -> dict:
        text = texts[doc_id]
        return {"id": doc_id, "text": text[: config.display_chars], "n_chars": len(text),
                "truncated": len(text) > config.display_chars}

    def progress(conn, rater: str, session: str) -> dict:
        return {**store.progress(conn, rater, session), "target": config.target}

    def choose(rater: str, session: str) -> dict:
        with store.opened(config.db) as conn:
            history, others = store.history(conn, rater), store.others_pairs(conn, rater)
            done = progress(conn, rater, session)
        try:
            pair = next_pair(ranking, history, others, config.mix, rng_for(config.seed, rater, len(history)),
                             n_anchors=config.n_anchors, window=config.window, repeat_gap=config.repeat_gap)
        except NoPairLeft as err:
            return {"pair": None, "message": str(err), "progress": done}
        return {"pair": {"token": uuid.uuid4().hex, "kind": pair.kind, "a": document(pair.a_id),
                         "b": document(pair.b_id)}, "progress": done}

    def save(judgment: store.Judgment) -> tuple[dict, bool]:
        with store.opened(config.db) as conn:
            try:
                row_id, created = store.record(conn, judgment)
            except store.TokenReused as err:
                raise ApiError(409, str(err)) from None
            answer = {"id": row_id, "duplicate": not created,
                      "progress": progress(conn, judgment.rater, judgment.session)}
            if created:
                try:
                    refresh_export(conn)
                except OSError as err:  # the judgment is committed; `python -m winnow.annotate export` catches up
                    log.warning("judgment %d saved, but %s was not rewritten: %s", row_id, config.export, err)
                    answer["export_error"] = f"{config.export}: {err}"
            return answer, created

    def check_query(rater: str, session: str) -> str:
        try:
            rater = check_rater(rater)
        except ValueError as err:
            raise ApiError(422, f"rater: {err}") from None
        if not (8 <= len(session) <= 64 and session.replace("-", "").isalnum() and session.isascii()):
            raise ApiError(422, "session: expected 8 to 64 characters from A-Z, a-z, 0-9 and '-'")
        return rater

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(_HEADERS)
        return response

    @app.exception_handler(ApiError)
    async def api_error(_, err: ApiError):
        return JSONResponse({"error": err.message}, status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_, err: RequestValidationError):
        return JSONResponse({"error": _explain(err)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        message = "not found" if err.status_code == 404 else str(err.detail)
        return JSONResponse({"error": f"{message}: {request.method} {request.url.path}"}, status_code=err.status_code)

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "annotate.html")

    @app.get("/stats", include_in_schema=False)
    def stats_page():
        return FileResponse(STATIC / "stats.html")

    @app.get("/api/health")
    def health():
        return {"ok": True, "documents": len(ranking)}

    @app.get("/api/next")
    def next_(rater: str, session: str):
        return choose(check_query(rater, session), session)

    @app.get("/api/progress")
    def progress_(rater: str, session: str):
        rater = check_query(rater, session)
        with store.opened(config.db) as conn:
            return progress(conn, rater, session)

    @app.post("/api/judgments", status_code=201)
    async def judge(request: Request):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise ApiError(415, "send the judgment as JSON (Content-Type: application/json)")
        body = await _read_body(request)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ApiError(400, f"body is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise ApiError(422, f"expected a JSON object, got {type(data).__name__}")
        try:
            given = JudgmentIn.model_validate(data)
        except ValidationError as err:
            raise ApiError(422, _explain(err)) from None
        for column in ("a_id", "b_id"):
            if getattr(given, column) not in ranking:
                raise ApiError(422, f"unknown document id {getattr(given, column)[:40]!r} in {column}")
        if given.a_id == given.b_id:
            raise ApiError(422, "a_id and b_id are the same document")
        judgment = store.Judgment(given.token, given.rater, given.session, given.a_id, given.b_id, given.choice,
                                  given.kind, ranking.p_a(given.a_id, given.b_id))
        answer, created = await run_in_threadpool(save, judgment)
        return JSONResponse(answer, status_code=201 if created else 200)

    @app.get("/api/stats")
    def stats():
        with store.opened(config.db) as conn:
            judgments = store.all_judgments(conn)
        summary = rater_summary(judgments)
        model = latest_rater_run(config.mlflow_db, [r["rater"] for r in summary["raters"]])
        return {"judgments": summary, "model": model, "export": str(config.export)}

    with store.opened(config.db) as conn:  # an export the server was killed before writing is caught up here
        refresh_export(conn)
    return app
