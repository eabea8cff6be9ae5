"""The Feedback page and `feedback --json`, as each role sees them."""

import json
from datetime import date

import pytest

from mentorship import db, queries
from mentorship.cli import main

from .conftest import TODAY, signed_in
from .feedback_store import answered_pairs

pytestmark = pytest.mark.usefixtures("today", "accounts")
PAGE = "pages/10_Feedback.py"
GOOD = {"respect": 5, "safe_space": 4, "curious": 5, "useful_goals": 4, "comments": "Dr Yang is kind"}
MENTOR = {"respect": 5, "safe_space": 5, "learned": 4, "useful_goals": 4}
SHY = {**MENTOR, "learned": None, "useful_goals": None}  # "prefer not to say"


def open_page(app, role: str):
    at = signed_in(app("app.py"), role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def view(engine, role: str):
    with db.read_session(engine) as session:
        return queries.feedback_view(session, role, TODAY)


@pytest.fixture
def answered(engine):
    """September: 6 mentees answer (one low on safety, asking to be contacted) and 5 mentors, one of
    whom prefers not to say what they learned nor how useful it was for goals (so those rest on 4 mentors).
    November (after the committee's release point, 30 September): one more mentee, a 1 on respect."""
    low = {**GOOD, "safe_space": 2, "contact_me": True}
    answered_pairs(
        engine,
        [(dict(GOOD), dict(MENTOR))] * 4 + [(dict(GOOD), dict(SHY)), (low, None)],
        on=date(2026, 9, 8),
    )
    answered_pairs(engine, [({**GOOD, "respect": 1}, None)], on=date(2026, 11, 10))
    return engine


def test_leader_sees_live_figures_and_the_responses_needing_attention(answered):
    seen = view(answered, "leader")
    assert seen.as_of.live
    respect = seen.statements.set_index("question").loc["respect"]
    assert (respect["responses"], respect["agreeing"]) == (12, 11)  # 7 mentees (one 1) and 5 mentors
    assert seen.attention["what"].tolist() == [
        "Mid-year survey, the mentee: Respect 1 of 5.",
        "Mid-year survey, the mentee: Safe space 2 of 5; asked to be contacted.",
    ]


def test_committee_sees_the_release_point_and_nothing_under_5(answered):
    seen = view(answered, "committee")
    assert seen.as_of.day == date(2026, 9, 30) and not seen.as_of.live
    respect = seen.statements.set_index("question").loc["respect"]
    assert (respect["responses"], respect["agreeing"]) == (11, 11)  # the November answer is not in yet
    assert seen.few_statements == ["learned"]  # 4 mentors
    rates = {(r.moment, r.role): (r.invited, r.answered, r.note) for r in seen.rates.itertuples()}
    assert rates == {("mid", "mentor"): (6, 5, None), ("mid", "mentee"): (6, 6, None)}
    [by_role] = [c for c in seen.comparisons if c.by == "role"]
    assert by_role.too_few == ["useful_goals"]  # 6 mentees, 4 mentors
    assert by_role.table[["question", "group", "responses"]].values.tolist() == [
        ["respect", "mentor", 5],
        ["respect", "mentee", 6],
        ["safe_space", "mentor", 5],
        ["safe_space", "mentee", 6],
    ]
    assert seen.attention is None and seen.why_ended is None


def test_feedback_json_holds_the_committee_figures(answered, capsys, store_url):
    assert main(["feedback", "--db", store_url, "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == view(answered, "committee").to_dict()
    assert "Dr Yang" not in out and "contacted" not in out


def texts(at) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "success", "header", "title")
        for e in at.get(kind)
    ]
    parts += [m.value for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("vega_lite_chart")]
    return "\n".join(str(p) for p in parts)


def frame(at, first_column: str):
    """The first table on the page whose first column is `first_column`."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_committee_page_shows_aggregates_only(answered, app):
    at = open_page(app, "committee")
    shown = texts(at)
    assert "As of 30 September 2026. The survey figures move only" in shown
    rates = frame(at, "Survey")
    assert rates.values.tolist() == [
        ["Mid-year", "Mentors", 6, "5", "83%"],
        ["Mid-year", "Mentees", 6, "6", "100%"],
    ]
    shares = frame(at, "Statement").set_index("Statement")
    assert shares.loc["Respect", ["Responses", "Agree (4–5)", "Share agreeing"]].tolist() == [11, 11, "100%"]
    assert "Fewer than 5 answers so far, not shown: Learned about mentee." in shown
    assert "Not compared, some group has fewer than 5 answers: Useful: goals." in shown
    assert "associations, not causes" in shown
    for private in ("Dr Yang", "Mentee0", "Mentor0", "asked to be contacted", "needing attention"):
        assert private not in shown


def test_leader_page_lists_the_responses_needing_attention(answered, app):
    at = open_page(app, "leader")
    attention = frame(at, "Answered on")
    assert attention[["Mentee", "Who answered", "What they answered"]].values.tolist() == [
        ["Mentee0 Vang", "Mentee", "Mid-year survey, the mentee: Respect 1 of 5."],
        ["Mentee5 Vang", "Mentee", "Mid-year survey, the mentee: Safe space 2 of 5; asked to be contacted."],
    ]
    assert "As of" not in texts(at)


def test_why_it_ended_is_shown_as_text_to_the_leader_only(engine, app):
    why = "<b>Moved</b> to Duluth <script>alert(1)</script>"
    answered_pairs(
        engine,
        [({"overall": 4, "recommend": 9, "why_ended": why}, None)] * 5,
        on=date(2026, 9, 8),
        moment="year",
    )
    at = open_page(app, "leader")
    assert frame(at, "Answered on")["In their words"].tolist() == [why] * 5
    assert not [m for m in at.markdown if "Duluth" in m.value]
    assert why not in texts(open_page(app, "committee"))


def test_an_empty_store_says_what_to_do(engine, app):
    at = open_page(app, "committee")
    assert "No survey has been sent yet. The program leader turns the surveys on in Messages → Schedule" in (
        at.info[0].value
    )


def test_feedback_text_names_the_release_point_and_the_figures(answered, capsys, store_url):
    assert main(["feedback", "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("As of 30 September 2026.")
    assert "Respect         11           11           100%" in out


def test_the_same_figures_on_sqlite_and_postgresql(each_store):
    answered_pairs(each_store, [(dict(GOOD), dict(MENTOR))] * 5, on=date(2026, 9, 8))
    with db.read_session(each_store) as session:
        seen = queries.feedback_view(session, "committee", TODAY).to_dict()
    assert seen["as_of"] == "2026-09-30"
    respect = next(s for s in seen["statements"] if s["question"] == "respect")
    assert (respect["responses"], respect["agreeing"], respect["low"]) == (10, 10, 0.7225)


def test_the_committee_sees_figures_only_once_5_responses_exist(engine, app):
    answered_pairs(engine, [(dict(GOOD), None)] * 4, on=date(2026, 9, 8))
    at = open_page(app, "committee")
    assert "Not shown yet. The survey figures move only" in texts(at)
    assert not [d for d in at.dataframe if d.value.columns[0] == "Statement"]
    answered_pairs(engine, [(dict(GOOD), None)], on=date(2026, 9, 9))
    at = open_page(app, "committee")
    shown = frame(at, "Statement").set_index("Statement")
    assert shown.loc["Respect", ["Responses", "Share agreeing", "95% interval"]].tolist() == [
        5,
        "100%",
        "57%–100%",
    ]


def test_the_share_who_have_met_at_30_days(engine, app):
    answers = [({"met": "yes", "agreed_rhythm": "yes"}, None)] * 4 + [
        ({"met": "no", "agreed_rhythm": None}, None)
    ]
    answered_pairs(engine, answers, on=date(2026, 9, 8), moment="start")
    at = open_page(app, "committee")
    assert frame(at, "Question").values.tolist() == [["Have met", 5, 4, "80%", "38%–96%"]]
    assert "Fewer than 5 answers so far, not shown: Agreed how often to meet." in texts(at)
