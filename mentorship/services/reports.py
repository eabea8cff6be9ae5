"""The year's report for the program's partners: made for the leader, from the committee's figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from mentorship import db, queries, report
from mentorship.auth import Actor
from mentorship.models import Role
from mentorship.services.core import operation

ACTION = "report.year"


def year_report(engine: Engine, *, actor: Actor, year: int, today: date, intro: str = "") -> str:
    """The year's report as one HTML document (`report.render`), for the leader only (refused and audited
    for anyone else). It holds only what the committee may see (`queries.report_view` with the committee's
    role), so it is safe to forward; the leader's `intro` is printed as plain text. Audited with the year and
    the document's size; nothing is stored."""
    report.intro_paragraphs(intro)  # a paragraph too long: refused before any work
    with operation(engine, actor=actor, action=ACTION, entity="report", entity_id=year):
        pass  # the role and the account are checked before the work, not after
    with db.read_session(engine) as session:
        report.check_year(year, today, queries.first_registration_year(session))
        view = queries.report_view(session, year, today, Role.committee)
    html = report.render(view, today=today, intro=intro)
    with operation(engine, actor=actor, action=ACTION, entity="report", entity_id=year) as op:
        op.record(f"year {year}: {html.count('<svg')} charts, {len(html.encode()) // 1024} KiB")
    return html
