"""The year's report: `report --year YYYY --out FILE.html` writes one self-contained HTML file with the
committee's figures only (known answers worked out by hand, the privacy walk over every registration, the
leader's paragraph as plain text), and refuses a bad year or a committee account in one sentence."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from mentorship import db, queries, report
from mentorship.cli import main
from mentorship.models import Mentee, Mentor, Role

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL
from .factories import TODAY, add, events, make_match, make_mentee, make_mentor

SVG_CHART = re.compile(r'<figure class="report-chart">.*?<svg', re.S)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cells(html: str, caption: str) -> list[list[str]]:
    """The rows of the table captioned `caption`, as text."""
    table = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", html, re.S)
    assert table, f"no table {caption!r}"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    return [[unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]


def figure(html: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)<small>", html)
    assert found, f"no figure {label!r}"
    return unescape(found.group(1))


def without_charts(html: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


@pytest.fixture
def year_store(engine):
    """Mentees registered in 2025, each paired after a known wait (worked out by hand below), and a mentee
    of 2024 and one of 2026 who are not the year's."""
    mentors = add(engine, *(make_mentor(f"m{i}", capacity=5) for i in range(5)))
    waits = (
        [(date(2025, 1, 10), 10)] * 6  # 0–30 days: 6
        + [(date(2025, 4, 1), 50)] * 5  # 31–60 days: 5
        + [(date(2025, 7, 1), 75)] * 7  # 61–90 days: 7
        + [(date(2025, 11, 1), 92)] * 2  # paired on 1 February 2026: not paired by 1 January 2026
        + [(date(2024, 12, 31), 5), (date(2026, 1, 2), 5)]  # another year's mentees
    )
    mentees = add(engine, *(make_mentee(f"s{i}", registered_on=on) for i, (on, _) in enumerate(waits)))
    add(
        engine,
        *(
            make_match(mentors[i % 5], mentee, confirmed_on=on + timedelta(days=days))
            for i, (mentee, (on, days)) in enumerate(zip(mentees, waits, strict=True))
        ),
    )
    return engine


def test_the_years_registrations_and_time_to_pair_are_counted_by_hand_and_small_counts_hidden(year_store):
    with db.read_session(year_store) as session:
        view = queries.report_view(session, 2025, TODAY, Role.committee)
    html = report.render(view, today=TODAY)

    assert view.as_of == date(2026, 1, 1)
    assert "on 1 January 2026: the year's figures through 31 December 2025." in unescape(html)
    # 20 mentees registered in 2025 (6, 5, 7 and 2 by quarter); the 2 of the last quarter are one count of
    # fewer than 5, which 20 less the others would give away: the smallest shown (5) is withheld
    assert figure(html, "Mentees registered") == "20"
    assert figure(html, "Mentors registered") == "0"
    assert cells(html, "The numbers: Registrations per quarter") == [
        ["Quarter", "Mentors", "Mentees"],
        ["2025 Q1", "0", "6"],
        ["2025 Q2", "0", "withheld"],
        ["2025 Q3", "0", "7"],
        ["2025 Q4", "0", "fewer than 5"],
    ]
    assert cells(html, "The numbers: Time to pair") == [
        ["Time to pair", "Mentees"],
        ["0–30 days", "6"],
        ["31–60 days", "withheld"],
        ["61–90 days", "7"],
        ["91–180 days", "0"],
        ["over 180 days", "0"],
        ["Not paired by 1 Jan 2026", "fewer than 5"],  # paired in 2026: not yet at the year's end
    ]
    # 18 paired: 6 after 10 days, 5 after 50, 7 after 75; the 9th and 10th waits are 50 days
    assert figure(html, "Median time to pair") == "50 days"

    with db.read_session(year_store) as session:
        leader = queries.report_view(session, 2025, TODAY, Role.leader)
    assert leader.time_to_pair["note"].isna().all()  # the leader's own view hides nothing
    assert leader.time_to_pair["mentees"].tolist() == [6, 5, 7, 0, 0, 2]


def test_the_report_holds_no_name_email_or_phone_of_anyone_in_the_store_and_asks_for_no_other_address(
    demo_engine, today, capsys, tmp_path
):
    out = tmp_path / "report.html"
    code, said, err = run(capsys, "report", "--db", str(demo_engine.url), "--year", "2025", "--out", str(out))
    assert (code, err) == (0, "")
    assert said == (
        f"The 2025 report is written to {out}: the committee's figures only, safe to forward. Open it in a "
        "browser and print it to PDF.\n"
    )
    html = out.read_text(encoding="utf-8")
    titles = [
        "Registrations and time to pair",
        "BIPOC-mentor requests met",
        "Meeting rhythm",
        "Retention",
        "Feedback",
        "The path to medical school",
    ]
    assert re.findall(r'<h2 id="[a-z]+-title">(.*?)</h2>', html) == titles
    # every chart is an inline SVG with a title, a sentence and its numbers beneath
    charts = SVG_CHART.findall(html)
    assert len(charts) == html.count("<svg") >= 8
    assert html.count("<figcaption>") == html.count("<caption>The numbers: ") == len(charts)

    # no request to any other address: no script, no style sheet, font or image fetched, no link out
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html)
    assert not re.search(r"@import|@font-face|url\(", html)
    addresses = set(re.findall(r"""(?:href|src)\s*=\s*["']([^"']*)""", html))
    assert addresses and all(a.startswith("#") for a in addresses)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {
        "http://www.w3.org/2000/svg",  # the SVG namespaces: names, never fetched
        "http://www.w3.org/1999/xlink",
    }

    # the privacy walk: no one's name, email or phone, in the text or in the charts' data
    with db.read_session(demo_engine) as session:
        people = [
            row
            for table in (Mentor, Mentee)
            for row in session.execute(sa.select(table.first_name, table.last_name, table.email, table.phone))
        ]
    assert len(people) > 100
    lowered = html.lower()
    for first, last, email, phone in people:
        assert f"{first} {last}".lower() not in lowered
        assert email.lower() not in lowered
        if phone:
            assert phone not in html
            assert re.sub(r"\D", "", phone) not in re.sub(r"\D", "", without_charts(html))
    # the audit trail says the report was made, with counts only
    actor, _, summary = events(demo_engine, "report.year")[-1]
    assert summary == f"year 2025: {len(charts)} charts, {len(html.encode()) // 1024} KiB"


def test_the_leaders_paragraph_is_plain_text_in_its_paragraphs(demo_engine, today, capsys, tmp_path):
    intro = tmp_path / "intro.txt"
    intro.write_text(
        "Dear partners,\nthis year <b>grew</b> & <script>alert(1)</script>\n\n  A second one.  \n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    code, _, _ = run(
        capsys,
        "report",
        "--db",
        str(demo_engine.url),
        "--year",
        "2026",
        "--out",
        str(out),
        "--intro",
        str(intro),
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    paragraphs = re.search(r'<div class="intro">(.*?)</div>', html, re.S).group(1)
    assert re.findall(r"<p>(.*?)</p>", paragraphs) == [
        "Dear partners, this year &lt;b&gt;grew&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;",
        "A second one.",
    ]
    # the current year is counted as of today
    assert f"showed them on {TODAY:%-d %B %Y}: the year so far." in unescape(html)

    code, _, _ = run(
        capsys,
        "report",
        "--db",
        str(demo_engine.url),
        "--year",
        "2026",
        "--out",
        str(out),
        "--intro",
        "Just this sentence.",
    )
    assert code == 0 and "<p>Just this sentence.</p>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "year, said",
    [
        ("1999", "The year must be from 2021 (the first registration) to {this}.\n"),
        ("{next}", "The year must be from 2021 (the first registration) to {this}.\n"),
        ("twenty", "--year must be a year like 2025, not 'twenty'.\n"),
    ],
)
def test_a_bad_year_is_refused_in_one_sentence_with_exit_2(demo_engine, today, capsys, tmp_path, year, said):
    this = today.year
    out = tmp_path / "report.html"
    code, printed, err = run(
        capsys,
        "report",
        "--db",
        str(demo_engine.url),
        "--year",
        year.format(next=this + 1),
        "--out",
        str(out),
    )
    assert (code, printed, err) == (2, "", said.format(this=this))
    assert not out.exists()


def test_a_committee_account_may_not_make_the_report(demo_engine, accounts, today, capsys, tmp_path):
    out = tmp_path / "report.html"
    code, printed, err = run(
        capsys,
        "report",
        "--db",
        str(demo_engine.url),
        "--year",
        "2025",
        "--out",
        str(out),
        "--as",
        COMMITTEE_EMAIL,
    )
    assert (code, printed, err) == (1, "", "Only the program leader can make this change.\n")
    assert not out.exists()
    assert events(demo_engine, "report.year")[-1][0] == COMMITTEE_EMAIL
    code, _, _ = run(
        capsys,
        "report",
        "--db",
        str(demo_engine.url),
        "--year",
        "2025",
        "--out",
        str(out),
        "--as",
        LEADER_EMAIL,
    )
    assert code == 0 and out.exists()


def test_the_leader_keeps_a_paragraph_for_the_year_and_the_download_link_beside_it(
    demo_engine, accounts, app, today
):
    from streamlit.testing.v1 import AppTest

    from mentorship import services

    from .conftest import signed_in

    def script():
        from mentorship.ui import page_setup
        from mentorship.ui.report import report_download

        report_download(page_setup("outcomes"))

    at = signed_in(AppTest.from_function(script, default_timeout=60)).run()
    assert at.selectbox(key="report-year").options[:2] == ["2026", "2025"]
    at.selectbox(key="report-year").set_value(2025).run()
    [link] = at.get("link_button")
    assert (link.proto.label, link.proto.url) == ("Download the year's report", "/downloads/report/2025.html")
    at.text_area(key="report-intro-2025").input("Our partners made this year.\n\nThank you.")
    at.button[0].click().run()
    assert [t.value for t in at.toast] == ["The paragraph for 2025 is saved: it opens that year's report."]
    assert events(demo_engine, "report.intro")[-1][2] == "year 2025: 40 characters"
    html = services.year_report(demo_engine, actor=accounts["leader"], year=2025, today=TODAY)
    paragraphs = re.search(r'<div class="intro">(.*?)</div>', html, re.S).group(1)
    assert re.findall(r"<p>(.*?)</p>", paragraphs) == ["Our partners made this year.", "Thank you."]
    assert '<div class="intro">' not in services.year_report(
        demo_engine, actor=accounts["leader"], year=2026, today=TODAY
    )

    committee = signed_in(AppTest.from_function(script, default_timeout=60), "committee").run()
    assert not committee.get("link_button") and not committee.selectbox and not committee.text_area
