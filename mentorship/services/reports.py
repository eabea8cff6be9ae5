"""The year's report for the program's partners: made for the leader, from the committee's figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from mentorship import db, queries, report, settings
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import Role
from mentorship.services.core import operation
from mentorship.values import check_text

ACTION = "report.year"


def year_report(engine: Engine, *, actor: Actor, year: int, today: date, intro: str | None = None) -> str:
    """The year's report as one HTML document (`report.render`), for the leader only (refused and audited
    for anyone else). It holds only what the committee may see (`queries.report_view` with the committee's
    role), so it is safe to forward; the leader's `intro` (None: the one saved for the year,
    `save_report_intro`) is printed as plain text. Audited with the year and the document's size."""
    if intro is not None:
        report.intro_paragraphs(intro)  # a paragraph too long: refused before any work
    with operation(engine, actor=actor, action=ACTION, entity="report", entity_id=year):
        pass  # the role and the account are checked before the work, not after
    with db.read_session(engine) as session:
        report.check_year(year, today, queries.first_registration_year(session))
        view = queries.report_view(session, year, today, Role.committee)
        if intro is None:
            intro = queries.report_intro(session, year)
    html = report.render(view, today=today, intro=intro)
    with operation(engine, actor=actor, action=ACTION, entity="report", entity_id=year) as op:
        op.record(f"year {year}: {html.count('<svg')} charts, {len(html.encode()) // 1024} KiB")
    return html


def save_report_intro(engine: Engine, *, actor: Actor, year: int, text: str) -> None:
    """Keep the leader's paragraph for `year`'s report (plain text; empty removes it). Audited with the year
    and its length, never its words."""
    text = (text or "").strip()
    with operation(engine, actor=actor, action="report.intro", entity="report", entity_id=year) as op:
        try:
            check_text(text)
        except ValueError as exc:
            raise Refused(f"The paragraph {exc}.") from None
        if len(text) > report.INTRO_MAX:
            raise Refused(f"The paragraph must be at most {report.INTRO_MAX} characters.")
        by_year = {k: v for k, v in settings.report_intros(op.session).by_year.items() if k != str(year)}
        if text:
            by_year[str(year)] = text
        settings.save_setting(
            op.session, "report_intros", settings.ReportIntros(dict(sorted(by_year.items())))
        )
        op.record(f"year {year}: {len(text)} characters")
