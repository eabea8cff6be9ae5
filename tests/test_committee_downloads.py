"""Every download a committee account can make, together: nothing the pages withhold comes back.

The committee's pages show names, masked contacts and aggregate figures, with every group of fewer than 5
pairs withheld. Its downloads are the registrations, cut down exactly as the Registrations page is; the
pair and meeting histories (each pair's dates, outcome and end reason; each meeting's date and format)
are the leader's, because joined with the names they tell why a named student's pair ended, and counted
they give back the withheld groups.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from mentorship import db, intake, privacy, queries, retention, services
from mentorship.cli import main
from mentorship.errors import PermissionDenied
from mentorship.models import AuditEvent, EndReason, Match, Mentee, Mentor, Role

from .conftest import COMMITTEE_EMAIL, TODAY
from .registrations_page import open_page, open_tab

PAIR_FACTS = {"confirmed_on", "ended_on", "outcome", "end_reason", "met_on", "format", "duration_minutes"}
MASKED_EMAIL = re.compile(r"^'?[^@*]?\*\*\*@[^@]+$")
MASKED_PHONE = re.compile(r"^(\*\*\*-\*\*\*-\d{4}|\*\*\*)?$")


def committee_downloads(engine, actor) -> dict[str, list[dict[str, str]]]:
    """Every export a committee account can download, read back as rows; the refused ones left out."""
    files = {}
    for kind in intake.KINDS:
        try:
            data, _ = services.export_registrations(engine, actor=actor, kind=kind)
        except PermissionDenied as refused:
            assert str(refused) == privacy.HISTORY_IS_THE_LEADERS
            continue
        files[kind] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return files


def test_no_combination_of_committee_downloads_reveals_what_the_pages_withhold(demo_engine, accounts):
    files = committee_downloads(demo_engine, accounts["committee"])
    assert sorted(files) == ["mentees", "mentors"]
    columns = {column for rows in files.values() for column in rows[0]}
    # no individual demographics or free text, and nothing about any pair or meeting
    assert columns & privacy.SENSITIVE_COLUMNS == set()
    assert columns & PAIR_FACTS == set()
    cells = {cell for rows in files.values() for row in rows for cell in row.values()}

    with db.read_session(demo_engine) as session:
        stored = {
            column: set(session.execute(sa.select(getattr(table, column))).scalars()) - {"", None}
            for table in (Mentor, Mentee)
            for column in ("race_ethnicity", "gender", "pronouns", "languages", "email", "phone")
        }
        reasons = set(session.execute(sa.select(Match.end_reason).distinct()).scalars()) - {None}
    for column, values in stored.items():
        assert cells & {str(v) for v in values} == set(), column  # not one person's value, anywhere
    labels = {retention.END_REASON_LABELS[EndReason(r)] for r in reasons}
    assert reasons and cells & ({r.value for r in EndReason} | labels) == set()
    for rows in files.values():
        assert all(MASKED_EMAIL.match(row["email"]) for row in rows)
        assert all(MASKED_PHONE.match(row["phone"]) for row in rows)


def test_the_registrations_downloads_are_the_registrations_page_for_the_committee(demo_engine, accounts):
    files = committee_downloads(demo_engine, accounts["committee"])
    with db.read_session(demo_engine) as session:
        for kind in ("mentors", "mentees"):
            page = queries.registration_view(session, kind, TODAY, Role.committee).people
            shown = set(page.columns)
            downloaded = set(files[kind][0])
            assert downloaded <= shown, downloaded - shown
            assert sorted(r["email"] for r in files[kind]) == sorted(page["email"])


def test_the_pair_and_meeting_histories_are_refused_to_the_committee_and_audited(demo_engine, accounts):
    for kind in ("pairs", "meetings"):
        with pytest.raises(PermissionDenied, match=re.escape(privacy.HISTORY_IS_THE_LEADERS)):
            services.export_registrations(demo_engine, actor=accounts["committee"], kind=kind)
    with db.read_session(demo_engine) as session:
        refusals = session.execute(
            sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.outcome, AuditEvent.summary)
            .where(AuditEvent.action.in_(["export.pairs", "export.meetings"]))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(r) for r in refusals] == [
        (COMMITTEE_EMAIL, "export.pairs", "refused", "refused: committee role"),
        (COMMITTEE_EMAIL, "export.meetings", "refused", "refused: committee role"),
    ]
    data, rows = services.export_registrations(demo_engine, actor=accounts["leader"], kind="pairs")
    assert rows > 0 and b"end_reason" in data.splitlines()[0]  # the leader's own copy is whole


def test_the_cli_refuses_a_committee_export_of_the_pairs(capsys, demo_engine, store_url, accounts, tmp_path):
    target = tmp_path / "pairs.csv"
    code = main(["export", "pairs", str(target), "--db", store_url, "--as", COMMITTEE_EMAIL])
    assert (code, capsys.readouterr().err) == (1, privacy.HISTORY_IS_THE_LEADERS + "\n")
    assert not target.exists()


def test_the_committees_export_tab_offers_the_registrations_only(app, demo_engine, accounts):
    """Each export is a link to the server's signed-in route; no export is handed to Streamlit's /media."""
    at = open_tab(open_page(app, "committee"), "Export")
    assert at.get("download_button") == []
    assert {b.proto.label: b.proto.url for b in at.get("link_button")} == {
        "Mentors CSV": "/downloads/export/mentors.csv",
        "Mentees CSV": "/downloads/export/mentees.csv",
    }
    at = open_tab(open_page(app, "leader"), "Import and export")
    assert [b.proto.label for b in at.get("download_button")] == [  # the templates hold no one's data
        f"{kind.capitalize()} template" for kind in intake.KINDS
    ]
    assert {b.proto.label: b.proto.url for b in at.get("link_button")} == {
        f"{kind.capitalize()} CSV": f"/downloads/export/{kind}.csv" for kind in intake.KINDS
    }
