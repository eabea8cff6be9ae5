"""The Overview (app.py) as a person sees it, through AppTest."""

from datetime import date

from mentorship import db, formatting, queries

from .conftest import load_demo, signed_in


def test_an_empty_store_says_what_to_do_next(app, accounts):
    at = signed_in(app("app.py")).run()
    assert not at.exception
    assert "There are no registrations yet" in at.info[0].value
    assert [b.label for b in at.main.button] == []  # no demo data on a real store (tests/test_demo_store.py)
    assert len(at.metric) == 0
    assert len(at.get("vega_lite_chart")) == 0


def test_each_metric_equals_the_summary(app, engine, accounts, today):
    """The committee's figures are the live summary's, but the BIPOC-mentor requests met: those are the
    leader's as they stood on the last release point (31 May 2026 for the demo on this day)."""
    load_demo(engine, today=today)
    at = signed_in(app("app.py"), "committee").run()
    assert not at.exception
    with db.read_session(engine) as session:
        summary = queries.program_summary(session, today)
        then = queries.program_summary(session, date(2026, 5, 31))
    shown = {m.label: m.value for m in at.metric}
    assert then.bipoc_preference_requests - then.bipoc_preference_met in range(1, 5)  # a small cell
    capacity = f"{summary.capacity_used / summary.capacity_total:.0%}"
    assert shown == {
        "Mentors registered": str(summary.mentors),
        "Mentees registered": str(summary.mentees),
        "Mentees waiting": str(summary.waiting_mentees),
        "Active pairs": str(summary.active_pairs),
        "Mentor capacity used": capacity,
        "BIPOC-mentor requests met": f"{then.bipoc_preference_requests} asked, fewer than 5 not met",
        "No meeting in over 90 days": str(summary.overdue_pairs),
        "One-year completion": formatting.percent(summary.one_year_completion_rate),
    }
    assert summary.mentors == 60 and summary.active_pairs > 0
    assert "BIPOC-mentor requests met: as of 31 May 2026." in " ".join(c.value for c in at.caption)


def test_overview_charts_have_tooltips(app, engine, accounts):
    load_demo(engine)
    at = signed_in(app("app.py")).run()
    charts = at.get("vega_lite_chart")
    titles = []
    for chart in charts:
        spec = chart.proto.spec
        assert '"tooltip"' in spec
        titles.append(spec)
    joined = " ".join(titles)
    for title in (
        "Registrations per quarter",
        "Active pairs by meeting cadence",
        "How long waiting mentees have waited",
    ):
        assert title in joined


def test_committee_sees_no_demo_button_on_an_empty_store(app, accounts):
    at = signed_in(app("app.py"), "committee").run()
    assert "There are no registrations yet" in at.info[0].value
    assert [b.label for b in at.main.button] == []
