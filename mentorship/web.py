"""The dashboard's own HTTP routes beside Streamlit's (mounted by `server.py` through `st.App`).

A browser script cannot set an HttpOnly cookie, and Streamlit's websocket cannot set any: so a sign-in made
on a page ends with the browser posting a one-time code to `/auth/begin`, whose answer sets the session
cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and sends the browser back where it was. Every
download that holds personal data (the backup, the audit trail, each page's CSV export) is answered here
too, never from Streamlit's `/media`: made when asked, only for a signed-in, active account whose cookie
comes with the request and whose role may have it, so a copied address gives nothing to anyone else or
after sign-out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy.engine import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from mentorship import auth, clients, clock, db, intake, services
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused, UnusableInput

SESSION_COOKIE = "mentorship_session"
DEVICE_COOKIE = "mentorship_device"
BEGIN_PATH = "/auth/begin"
END_PATH = "/auth/end"
BACKUP_PATH = "/downloads/backup"
AUDIT_LOG_PATH = "/downloads/audit-log.csv"
EXPORT_PATH = "/downloads/export/{kind}.csv"
REPORT_PATH = "/downloads/report/{year:int}.html"
SIGNED_OUT = "signed_out"  # the query parameter /auth/end sends the browser back with
SESSION_MAX_AGE = int(auth.IDLE_TIMEOUT.total_seconds() * 16)  # the store ends it after 30 idle minutes
NOT_SIGNED_IN = "Sign in to the dashboard with an account that may have this file, then download it again."


@cache
def _engine(url: str) -> Engine:
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine


def engine() -> Engine:
    return _engine(db.resolve_url())


def is_https(request: Request) -> bool:
    """The browser's own connection: a TLS proxy in front says so in X-Forwarded-Proto."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (forwarded or request.url.scheme) == "https"


def _same_origin(request: Request) -> bool:
    """A form posted from another site (a forged sign-in or sign-out) says so: in Sec-Fetch-Site, which
    browsers send whatever the referrer policy (under `no-referrer` Chromium's Origin is "null"), or
    else in a foreign Origin."""
    if fetch_site := request.headers.get("sec-fetch-site"):
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


def _local_path(value: str | None) -> str:
    """Where to send the browser afterwards: a path on this site only (never `//elsewhere`)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


async def begin(request: Request) -> Response:
    """POST code, next: exchange a sign-in's one-time code for the session cookie (and, after a password,
    a device cookie). While password sign-in is off only the codes single sign-on made are exchanged."""
    form = await request.form()
    target = _local_path(str(form.get("next") or "/"))
    if not _same_origin(request):
        return PlainTextResponse("This sign-in did not come from the dashboard's own page.", status_code=403)
    try:
        cookies = await run_in_threadpool(
            auth.begin_session,
            engine(),
            str(form.get("code") or ""),
            device=request.cookies.get(DEVICE_COOKIE),
        )
    except Refused as exc:  # a password sign-in's code while password sign-in is off
        return PlainTextResponse(str(exc), status_code=403)
    response = RedirectResponse(target, status_code=303)
    if cookies is None:  # used, expired or made up: the page then asks to sign in again
        return response
    _cookie(response, request, SESSION_COOKIE, cookies.session, SESSION_MAX_AGE)
    if cookies.device:
        _cookie(response, request, DEVICE_COOKIE, cookies.device, int(auth.DEVICE_LIFETIME.total_seconds()))
    return response


async def end(request: Request) -> Response:
    """POST next: sign out: the session ends in the store and its cookie is cleared (the device cookie
    stays: this browser has still signed in to the account before)."""
    form = await request.form()
    target = _local_path(str(form.get("next") or "/"))
    if not _same_origin(request):
        return PlainTextResponse("This sign-out did not come from the dashboard's own page.", status_code=403)
    if token := request.cookies.get(SESSION_COOKIE):
        await run_in_threadpool(auth.end_session, engine(), token)
    response = RedirectResponse(f"{target}?{SIGNED_OUT}=1", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request)
    )
    return response


def _signed_in(request: Request) -> Actor | None:
    """The active account whose session cookie came with this request, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    return auth.resume(engine(), token) if token else None


def client_address(request: Request) -> str:
    """The request's client address as the deployment can know it (`clients.client_address`)."""
    return clients.client_address(request.client.host if request.client else None, request.headers)


def _refusal(request: Request, action: str, actor: Actor | None) -> Response:
    """403. A signed-in account's attempt is audited as its own; a signed-out browser's is counted per
    client and window (`services.record_signed_out_refusal`), so a flood of them cannot grow the log."""
    if actor is not None:
        services.record_refusal(engine(), actor=actor, action=action, summary=f"refused: {actor.role} role")
    else:
        services.record_signed_out_refusal(
            engine(), action=action, address=client_address(request), now=clock.now()
        )
    return PlainTextResponse(NOT_SIGNED_IN, status_code=403)


Make = Callable[[Actor, QueryParams], Response]


def _download(request: Request, *, action: str, make: Make, leader_only: bool) -> Response:
    """Every download's one door: `make` runs for the signed-in account whose cookie came with the request
    (only a leader's when `leader_only`), through the service that checks its role and audits it; anyone
    else gets 403 and a refusal in the audit log. The answer is never kept by a cache."""
    actor = _signed_in(request)
    if actor is None or (leader_only and not actor.is_leader):
        return _refusal(request, action, actor)
    try:
        response = make(actor, request.query_params)
    except PermissionDenied as exc:
        return PlainTextResponse(str(exc), status_code=403)
    except Refused as exc:
        return PlainTextResponse(str(exc), status_code=409)
    except UnusableInput as exc:
        return PlainTextResponse(str(exc), status_code=400)
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv(data: bytes, filename: str) -> Response:
    return Response(
        data, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _backup(actor: Actor, params: QueryParams) -> Response:
    folder = tempfile.TemporaryDirectory(prefix="mentorship-backup-")
    target = Path(folder.name) / "mentorship-backup.db"
    try:
        services.backup(engine(), actor=actor, target=target)
    except Refused:
        folder.cleanup()
        raise
    return FileResponse(
        target,
        media_type="application/x-sqlite3",
        filename=f"mentorship-{clock.today().isoformat()}.db",
        background=BackgroundTask(folder.cleanup),
    )


def _day(params: QueryParams, name: str) -> date | None:
    try:
        return date.fromisoformat(params[name]) if params.get(name) else None
    except ValueError:
        raise UnusableInput("The dates must read like 2026-11-25.") from None


def _audit_log(actor: Actor, params: QueryParams) -> Response:
    data = services.export_audit_log(
        engine(),
        actor=actor,
        actions=params.getlist("action") or None,
        outcome=params.get("outcome") or None,
        since=_day(params, "since"),
        until=_day(params, "until"),
    )
    return _csv(data, "audit-log.csv")


def audit_log_url(
    actions: list[str] | None, outcome: str | None, since: date | None, until: date | None
) -> str:
    """The audit-log download's address for the Admin page's filters."""
    query = [("action", action) for action in actions or []]
    query += [
        (name, str(value))
        for name, value in (("outcome", outcome), ("since", since), ("until", until))
        if value
    ]
    return AUDIT_LOG_PATH + (f"?{urlencode(query)}" if query else "")


def _registrations(kind: str) -> Make:
    def make(actor: Actor, params: QueryParams) -> Response:
        data, _ = services.export_registrations(engine(), actor=actor, kind=kind)
        return _csv(data, f"{kind}-{clock.today().isoformat()}.csv")

    return make


def _nudges(actor: Actor, params: QueryParams) -> Response:
    today = clock.today()
    data, _ = services.export_nudges(engine(), actor=actor, today=today)
    return _csv(data, f"pairs-to-nudge-{today.isoformat()}.csv")


# Each export a page offers, by the name in its address; the service behind it decides who may have it.
EXPORTS: dict[str, Make] = {kind: _registrations(kind) for kind in intake.KINDS} | {"nudges": _nudges}


def export_url(kind: str) -> str:
    """Where a page links for one of `EXPORTS` (the file is made when the signed-in browser asks)."""
    if kind not in EXPORTS:
        raise ValueError(f"There is no {kind!r} export.")
    return EXPORT_PATH.format(kind=kind)


def report_url(year: int) -> str:
    """Where the leader's "Download the year's report" links (made when the signed-in browser asks)."""
    return REPORT_PATH.replace("{year:int}", str(int(year)))


def _year_report(year: int) -> Make:
    def make(actor: Actor, params: QueryParams) -> Response:
        html = services.year_report(engine(), actor=actor, year=year, today=clock.today())
        return Response(
            html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mentorship-report-{year}.html"'},
        )

    return make


async def year_report(request: Request) -> Response:
    return await run_in_threadpool(
        _download,
        request,
        action="report.year",
        make=_year_report(request.path_params["year"]),
        leader_only=True,
    )


async def backup(request: Request) -> Response:
    return await run_in_threadpool(_download, request, action="store.backup", make=_backup, leader_only=True)


async def audit_log(request: Request) -> Response:
    return await run_in_threadpool(
        _download, request, action="audit.export", make=_audit_log, leader_only=True
    )


async def export(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in EXPORTS:
        return PlainTextResponse("There is no such export.", status_code=404)
    return await run_in_threadpool(
        _download, request, action=f"export.{kind}", make=EXPORTS[kind], leader_only=False
    )


ROUTES = [
    Route(BEGIN_PATH, begin, methods=["POST"]),
    Route(END_PATH, end, methods=["POST"]),
    Route(BACKUP_PATH, backup, methods=["GET"]),
    Route(AUDIT_LOG_PATH, audit_log, methods=["GET"]),
    Route(EXPORT_PATH, export, methods=["GET"]),
    Route(REPORT_PATH, year_report, methods=["GET"]),
]
