"""Every export of personal data is served by the dashboard's own signed-in route, never by Streamlit's
`/media`: in real Chromium the leader downloads what the pages offer, and the same addresses (and any
`/media` address the pages handed out) give a browser without the leader's cookie nothing.

The attack (issue 24, item 4): the Pairs CSV from Registrations -> Import and export, unmasked with its end
reasons, was fetched with plain HTTP at `/media/<hash>.csv`, no cookie, minutes after the leader's tab
closed.
"""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
import sqlalchemy as sa

from devtools.servers import sign_in, wait_for_app
from mentorship import db, privacy, services, web
from mentorship.models import Mentee, Mentor

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD
from .test_web import audit_of, request, signed_in_cookie

MEDIA = re.compile(rb"/media/[0-9A-Za-z_-]+\.[0-9a-z]+")


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def personal_data(engine) -> set[str]:
    """Every stored email and phone number: a file that holds one of these holds personal data."""
    with db.read_session(engine) as session:
        return {
            value
            for table in (Mentor, Mentee)
            for column in ("email", "phone")
            for value in session.execute(sa.select(getattr(table, column))).scalars()
            if value
        }


class Watched:
    """What a Chromium page receives: each download (its own tab's, or a tab it opened) and every `/media`
    address in its requests and in its WebSocket's messages (where Streamlit hands them to the page)."""

    def __init__(self, page) -> None:
        self.downloads: list = []
        self.media: set[str] = set()
        self._watch(page)
        page.context.on("page", self._watch)

    def _watch(self, page) -> None:
        page.on("download", lambda d: self.downloads.append(d))
        page.on("request", lambda r: self._seen(r.url.encode()))
        page.on("websocket", lambda ws: ws.on("framereceived", self._seen))

    def _seen(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.media |= {m.decode() for m in MEDIA.findall(data)}

    def download(self, page, name: str):
        """Press the export `name` and wait for the file it gives."""
        before = len(self.downloads)
        page.get_by_text(name, exact=True).click()
        deadline = time.monotonic() + 60
        while len(self.downloads) == before:
            assert time.monotonic() < deadline, f"{name} gave no file"
            page.wait_for_timeout(100)
        return self.downloads[-1]


def open_tab(page, base: str, path: str, tab: str) -> None:
    page.goto(f"{base}{path}")
    wait_for_app(page)
    page.get_by_role("tab", name=tab).click()
    wait_for_app(page)


@pytest.mark.browser
def test_the_leaders_exports_come_from_the_signed_in_route_and_no_address_serves_them_to_a_stranger(
    demo_engine, accounts, dashboard, browser_page
):
    page = browser_page
    watched = Watched(page)
    page.goto(f"{dashboard}/Registrations")
    sign_in(page, LEADER_EMAIL, PASSWORD)
    open_tab(page, dashboard, "/Registrations", "Import and export")

    # (a) the leader's Pairs CSV is the whole history, as the export has always been
    pairs = watched.download(page, "Pairs CSV")
    expected, count = services.export_registrations(demo_engine, actor=accounts["leader"], kind="pairs")
    with open(pairs.path(), "rb") as file:
        downloaded = file.read()
    assert count > 0 and rows(downloaded) == rows(expected)
    assert any(row["end_reason"] for row in rows(downloaded))

    # (b) the address it came from, fetched as curl would (no cookie), gives nothing but one sentence
    status, _, body = request(dashboard, pairs.url.removeprefix(dashboard))
    assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    assert pairs.url == f"{dashboard}/downloads/export/pairs.csv"

    # ... and so does every /media address the pages handed out while the leader took every export
    for name in ("Mentors CSV", "Mentees CSV", "Meetings CSV"):
        watched.download(page, name)
    for name in ("Mentors template", "Pairs template"):  # templates hold no one's data: /media is fine
        watched.download(page, name)
    page.goto(f"{dashboard}/Cadence")
    wait_for_app(page)
    page.get_by_role("tab").filter(has_text="To nudge").click()
    wait_for_app(page)
    nudges = watched.download(page, "Download the nudge list (CSV)")
    assert nudges.url == f"{dashboard}/downloads/export/nudges.csv"
    for path in ("/", "/Pairings", "/Retention", "/Messages", "/Admin"):
        page.goto(f"{dashboard}{path}")
        wait_for_app(page)
    page.context.close()  # the leader's tab closed, as in the attack

    personal = personal_data(demo_engine)
    assert watched.media  # the templates' addresses at least
    for address in watched.media:
        status, _, body = request(dashboard, address)
        text = body.decode("utf-8-sig", errors="replace")
        assert not [value for value in personal if value in text], address
    events = [
        (actor, outcome, summary.split(";")[0])
        for actor, outcome, summary in audit_of(demo_engine, "export.pairs")
    ]
    assert events == [
        (LEADER_EMAIL, "done", f"{count} rows, full"),  # the browser's download
        (LEADER_EMAIL, "done", f"{count} rows, full"),  # this test's own copy to compare with
        ("signed-out browser", "refused", "not signed in"),  # then counted per client and 10 minutes
    ]


@pytest.mark.browser
def test_a_committee_session_gets_the_masked_registrations_and_no_pair_history(
    demo_engine, accounts, dashboard
):
    committee = signed_in_cookie(demo_engine, dashboard, COMMITTEE_EMAIL)
    cookie = {"Cookie": f"{web.SESSION_COOKIE}={committee}"}

    # (c) the pair history is the leader's: 403, and the refusal is in the audit log under the account
    status, headers, body = request(dashboard, "/downloads/export/pairs.csv", headers=cookie)
    assert (status, body.decode()) == (403, privacy.HISTORY_IS_THE_LEADERS)
    status, _, body = request(dashboard, "/downloads/export/nudges.csv", headers=cookie)
    assert (status, body.decode()) == (403, services.LEADER_ONLY)
    assert audit_of(demo_engine, "export.pairs") == [(COMMITTEE_EMAIL, "refused", "refused: committee role")]
    assert audit_of(demo_engine, "export.nudges") == [(COMMITTEE_EMAIL, "refused", "refused: committee role")]

    # the registrations come masked exactly as the service (and so the page) masks them
    status, headers, body = request(dashboard, "/downloads/export/mentees.csv", headers=cookie)
    expected, count = services.export_registrations(demo_engine, actor=accounts["committee"], kind="mentees")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert headers["cache-control"] == "no-store"
    assert 'attachment; filename="mentees-' in headers["content-disposition"]
    assert rows(body) == rows(expected) and len(rows(body)) == count
    assert all("***@" in row["email"] for row in rows(body))

    # signed out, the same cookie gets nothing; an export that does not exist is not one
    request(dashboard, web.END_PATH, form={"next": "/"}, headers=cookie)
    status, _, body = request(dashboard, "/downloads/export/mentees.csv", headers=cookie)
    assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    status, _, _ = request(dashboard, "/downloads/export/users.csv", headers=cookie)
    assert status == 404
