"""The dashboard's own HTTP routes beside Streamlit's (mounted by `server.py` through `st.App`).

A browser script cannot set an HttpOnly cookie, and Streamlit's websocket cannot set any: so a sign-in made
on a page ends with the browser posting a one-time code to `/auth/begin`, whose answer sets the session
cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and sends the browser back where it was. Downloads
that hold the whole store or the audit trail are answered here too, only to a signed-in, active leader
whose cookie comes with the request, so a copied address gives nothing to anyone else or after sign-out.
"""

from __future__ import annotations

import tempfile
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy.engine import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from mentorship import auth, clients, clock, db, services
from mentorship.auth import Actor
from mentorship.errors import Refused

SESSION_COOKIE = "mentorship_session"
DEVICE_COOKIE = "mentorship_device"
BEGIN_PATH = "/auth/begin"
END_PATH = "/auth/end"
BACKUP_PATH = "/downloads/backup"
AUDIT_LOG_PATH = "/downloads/audit-log.csv"
SIGNED_OUT = "signed_out"  # the query parameter /auth/end sends the browser back with
SESSION_MAX_AGE = int(auth.IDLE_TIMEOUT.total_seconds() * 16)  # the store ends it after 30 idle minutes
NOT_SIGNED_IN = "Sign in to the dashboard as the program leader first, then download again from its page."


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
    """POST code, next: exchange a sign-in's one-time code for the session cookie (and a device cookie)."""
    form = await request.form()
    target = _local_path(str(form.get("next") or "/"))
    if not _same_origin(request):
        return PlainTextResponse("This sign-in did not come from the dashboard's own page.", status_code=403)
    cookies = await run_in_threadpool(
        auth.begin_session, engine(), str(form.get("code") or ""), device=request.cookies.get(DEVICE_COOKIE)
    )
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


def _requester(request: Request) -> Actor | None:
    """The signed-in account whose cookie came with the request, if any."""
    token = request.cookies.get(SESSION_COOKIE)
    return auth.resume(engine(), token) if token else None


def client_address(request: Request) -> str:
    """The request's client address as the deployment can know it (`clients.client_address`)."""
    return clients.client_address(request.client.host if request.client else None, request.headers)


def _refusal(request: Request, action: str, actor: Actor | None) -> Response:
    """403 to anyone but the leader. A signed-in account's attempt is audited as its own; a signed-out
    browser's is counted per client and window (`services.record_signed_out_refusal`)."""
    if actor is not None:
        services.record_refusal(engine(), actor=actor, action=action, summary=f"refused: {actor.role} role")
    else:
        services.record_signed_out_refusal(
            engine(), action=action, address=client_address(request), now=clock.now()
        )
    return PlainTextResponse(NOT_SIGNED_IN, status_code=403)


def _backup(request: Request) -> Response:
    actor = _requester(request)
    if actor is None or not actor.is_leader:
        return _refusal(request, "store.backup", actor)
    folder = tempfile.TemporaryDirectory(prefix="mentorship-backup-")
    target = Path(folder.name) / "mentorship-backup.db"
    try:
        services.backup(engine(), actor=actor, target=target)
    except Refused as exc:
        folder.cleanup()
        return PlainTextResponse(str(exc), status_code=409)
    return FileResponse(
        target,
        media_type="application/x-sqlite3",
        filename=f"mentorship-{date.today().isoformat()}.db",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(folder.cleanup),
    )


def _audit_log(request: Request) -> Response:
    actor = _requester(request)
    if actor is None or not actor.is_leader:
        return _refusal(request, "audit.export", actor)
    params = request.query_params
    try:
        since = date.fromisoformat(params["since"]) if params.get("since") else None
        until = date.fromisoformat(params["until"]) if params.get("until") else None
    except ValueError:
        return PlainTextResponse("The dates must read like 2026-11-25.", status_code=400)
    try:
        data = services.export_audit_log(
            engine(),
            actor=actor,
            actions=params.getlist("action") or None,
            outcome=params.get("outcome") or None,
            since=since,
            until=until,
        )
    except Refused as exc:
        return PlainTextResponse(str(exc), status_code=403)
    return Response(
        data,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"},
    )


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


async def backup(request: Request) -> Response:
    return await run_in_threadpool(_backup, request)


async def audit_log(request: Request) -> Response:
    return await run_in_threadpool(_audit_log, request)


ROUTES = [
    Route(BEGIN_PATH, begin, methods=["POST"]),
    Route(END_PATH, end, methods=["POST"]),
    Route(BACKUP_PATH, backup, methods=["GET"]),
    Route(AUDIT_LOG_PATH, audit_log, methods=["GET"]),
]
