"""The Pairings page as the leader and the committee see it."""

import urllib.parse
from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db, services
from mentorship.models import Exclusion, Match

from .conftest import signed_in
from .factories import make_match, make_mentee, make_mentor

PAIRINGS_PAGE = "pages/2_Pairings.py"


def open_pairings(app, role: str = "leader"):
    at = signed_in(app("app.py"), role).run()
    return at.switch_page(PAIRINGS_PAGE).run()


@pytest.fixture
def cohort(engine, accounts) -> dict[str, int]:
    """Two mentors with one place each, three waiting students (one can meet only in person)."""
    with db.write_session(engine) as session:
        people = {
            "kou": make_mentor(
                "kou", capacity=1, specialty="Pediatrics", languages="English; Hmong", race_ethnicity="Hmong"
            ),
            "lee": make_mentor("lee", capacity=1, identifies_bipoc="no", specialty="Psychiatry"),
            "pa": make_mentee(
                "pa",
                bipoc_mentor_preference="preferred",
                specialty_interests="Pediatrics",
                languages="Hmong",
                race_ethnicity="Hmong",
                registered_on=date(2025, 9, 2),
            ),
            "mai": make_mentee("mai", specialty_interests="Psychiatry"),
            "nou": make_mentee("nou", meeting_formats="in person"),
        }
        session.add_all(people.values())
        session.flush()
        return {key: person.id for key, person in people.items()}


def table(at, index: int = 0) -> list[dict]:
    return at.dataframe[index].value.to_dict("records")


def table_with(at, column: str) -> list[dict]:
    """The rows of the first table that has this column."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns][:1]
    return frame.to_dict("records")


def test_the_leader_sees_the_suggestions_with_scores_and_reasons(app, cohort):
    at = open_pairings(app)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Suggested pairs"] == "2"
    rows = table(at)
    assert [(r["mentor"], r["mentee"], r["score"]) for r in rows] == [
        ("Kou Yang", "Pa Vang", 13.5),
        ("Lee Yang", "Mai Vang", 3.0),
    ]
    assert rows[0]["reasons"] == (
        "Both identify as BIPOC — the student asked for a BIPOC mentor · Shared interest: pediatrics · "
        "Both speak Hmong · Both identify as Hmong · Waiting since 2025-09-02"
    )
    assert rows[0]["mentor_email"] == "kou@clinic.example.org"
    unmatched = table_with(at, "waiting_since")
    assert [(r["mentee"], r["reason"]) for r in unmatched] == [
        ("Nou Vang", "No active mentor meets in person, the way this student can meet.")
    ]
    assert [tuple(r.values()) for r in table_with(at, "A mentor who")] == [
        ("meets in person", "can meet this way", 1),
        ("meets in person", "meet only this way", 1),
    ]
    assert [t.value for t in at.text if not t.value.startswith("•")][:1] == [
        "1 more mentor place would match every waiting student and give every student who asked for a BIPOC "
        "mentor one: 1 for unmatched students, 0 for students who asked for a BIPOC mentor and are suggested "
        "someone else."
    ]


def test_confirming_from_the_page_takes_the_pair_out_of_the_suggestions(app, engine, cohort):
    at = open_pairings(app)
    assert at.selectbox(key="pairings-one").value == (cohort["kou"], cohort["pa"])  # the best pair
    assert at.selectbox(key="pairings-one").options == [
        "Kou Yang & Pa Vang (score 13.50 points)",
        "Lee Yang & Mai Vang (score 3.00 points)",
    ]
    assert [t.value for t in at.text if t.value.startswith("•")] == [  # the whole reasons, none cut off
        "• Both identify as BIPOC — the student asked for a BIPOC mentor",
        "• Shared interest: pediatrics",
        "• Both speak Hmong",
        "• Both identify as Hmong",
        "• Waiting since 2025-09-02",
    ]
    assert [b.label for b in at.button if b.label.startswith("Confirm")] == ["Confirm"]  # one way to confirm
    at.button(key="pairings-confirm").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["Confirmed: Kou Yang & Pa Vang."]
    assert [(r["mentor"], r["mentee"]) for r in table(at)] == [("Lee Yang", "Mai Vang")]
    assert at.selectbox(key="pairings-one").value == (cohort["lee"], cohort["mai"])  # what "Confirm" confirms
    assert at.selectbox(key="pairings-one").options == ["Lee Yang & Mai Vang (score 3.00 points)"]
    intro = at.get("link_button")[0].proto
    assert intro.label == "Email the introduction: Kou Yang & Pa Vang"
    assert intro.url.startswith(
        "mailto:kou@clinic.example.org,pa@school.example.edu?subject=Introducing%20your%20mentorship%20pair&body=Hi%20Kou"
    )
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Match.mentor_id, Match.mentee_id, Match.score)).all() == [
            (cohort["kou"], cohort["pa"], 13.5)
        ]
    recent = table_with(at, "source")
    assert [(r["mentor"], r["mentee"], r["source"]) for r in recent] == [("Kou Yang", "Pa Vang", "suggested")]


def test_rejecting_from_the_page_can_be_undone(app, engine, cohort):
    at = open_pairings(app)
    at.button(key="pairings-reject").click().run()
    assert [t.value for t in at.toast] == ["Rejected: Kou Yang & Pa Vang. It will not be suggested again."]
    assert ("Kou Yang", "Pa Vang") not in [(r["mentor"], r["mentee"]) for r in table(at)]
    at.button(key="undo-reject").click().run()
    assert ("Kou Yang", "Pa Vang") in [(r["mentor"], r["mentee"]) for r in table(at)]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Exclusion.id))).scalar() == 0


def test_pairing_by_hand_shows_what_blocks_and_what_falls_short(app, engine, cohort):
    at = open_pairings(app)
    at.selectbox(key="hand-mentee").set_value(cohort["nou"]).run()
    at.selectbox(key="hand-mentor").set_value(cohort["kou"]).run()
    assert [e.value for e in at.error] == [
        "They share no meeting format (the mentor meets virtual, the mentee in person)."
    ]
    assert at.button(key="pair-by-hand").disabled
    at.selectbox(key="hand-mentee").set_value(cohort["pa"]).run()
    at.selectbox(key="hand-mentor").set_value(cohort["lee"]).run()
    assert [w.value for w in at.warning] == [
        "The mentee would prefer a BIPOC mentor, and this mentor does not identify as BIPOC.",
        "The mentor's specialty is not one of the mentee's interests.",
        "They share no language besides English.",
    ]
    at.button(key="pair-by-hand").click().run()
    assert not at.exception
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Match.mentor_id, Match.mentee_id, Match.source)).all() == [
            (cohort["lee"], cohort["pa"], "hand")
        ]


def test_the_leader_changes_and_resets_the_weights(app, cohort):
    at = open_pairings(app)
    at.number_input(key="weight-bipoc_concordance").set_value(0.0)
    at.button[[b.label for b in at.button].index("Save the weights")].click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["Weights saved; the suggestions are solved again."]
    assert table(at)[0]["score"] == 5.5
    at.button(key="weights-reset").click().run()
    assert table(at)[0]["score"] == 13.5


def test_the_committee_sees_no_write_buttons_masked_contacts_and_no_demographic_reasons(app, cohort):
    at = open_pairings(app, "committee")
    assert not at.exception
    assert [b.label for b in at.button if not b.key == "sign-out"] == []
    assert len(at.selectbox) == 0
    rows = table(at)
    assert set(rows[1]) == {"mentor", "mentee", "reasons", "mentor_email", "mentee_email"}
    assert (rows[1]["mentor_email"], rows[1]["mentee_email"]) == (
        "k***@clinic.example.org",
        "p***@school.example.edu",
    )
    assert rows[1]["reasons"] == "Shared interest: pediatrics · Waiting since 2025-09-02"
    assert "Pair by hand" not in [t.label for t in at.tabs]


def test_the_committee_gets_no_score_and_no_score_order(app, engine, accounts, cohort):
    """Kou & Pa score 13.5 (8 of them for a BIPOC mentor the student asked for): with the weights on the
    page, the score, or the pair heading a best-first list, would tell the committee what the reasons
    leave out."""
    services.confirm_pair(
        engine, actor=accounts["leader"], today=date.today(), mentor_id=cohort["kou"], mentee_id=cohort["pa"]
    )
    with db.write_session(engine) as session:
        session.add_all(
            [make_mentor("ada", capacity=1), make_mentee("bo", bipoc_mentor_preference="preferred")]
        )
    at = open_pairings(app, "committee")
    assert not at.exception
    for frame in at.dataframe:
        assert "score" not in frame.value.columns
    assert "13.5" not in str([e.proto for e in at.main])
    assert [(r["mentor"], r["mentee"], r["reasons"]) for r in table(at)] == [
        ("Ada Yang", "Bo Vang", "Waiting since 2023-01-01"),
        ("Lee Yang", "Mai Vang", "Shared interest: psychiatry · Waiting since 2023-01-01"),
    ]
    recent = table_with(at, "source")
    assert [(r["mentor"], r["mentee"], r["reasons"]) for r in recent] == [
        ("Kou Yang", "Pa Vang", "Shared interest: pediatrics · Waiting since 2025-09-02")
    ]
    at = open_pairings(app)
    assert [(r["mentor"], r["mentee"], r["score"]) for r in table(at)] == [
        ("Ada Yang", "Bo Vang", 9.0),
        ("Lee Yang", "Mai Vang", 3.0),
    ]
    assert [r["score"] for r in table_with(at, "source")] == [13.5]


@pytest.mark.parametrize(
    "hodan",
    [
        {"bipoc_mentor_preference": "required", "meeting_formats": "virtual"},
        {"bipoc_mentor_preference": "none", "meeting_formats": "in person"},
    ],
    ids=["requires a BIPOC mentor", "meets only in person"],
)
def test_the_committee_cannot_tell_why_the_one_unmatched_student_is_unmatched(app, engine, accounts, hodan):
    """One student left unmatched, named on the page: nothing the committee reads may depend on her
    BIPOC requirement or her language (both runs show the same words)."""
    with db.write_session(engine) as session:
        session.add_all(
            [
                make_mentor("lee", identifies_bipoc="no", capacity=2),
                make_mentee("mai"),
                make_mentee("hodan", last_name="Ali", languages="English; Somali", **hodan),
            ]
        )
    at = open_pairings(app, "committee")
    assert not at.exception
    assert [(r["mentee"], r["reason"]) for r in table_with(at, "waiting_since")] == [
        ("Hodan Ali", "No mentor with a place left fits this student's meeting formats and requests.")
    ]
    gap = at.tabs[2]
    assert [(m.label, m.value) for m in gap.metric] == [("More mentor places needed", "1")]
    assert [t.value for t in gap.text] == [
        "1 more mentor place would match every waiting student.",
        "How many more places would give every student who asked for a BIPOC mentor one, and which kinds of "
        "mentor (BIPOC-identifying, a meeting format, a language) would close the gap, is for the leader: "
        "with few students waiting, it would point at the students themselves.",
    ]
    assert len(gap.dataframe) == 0
    assert "Somali" not in str([e.proto for e in at.main])
    leader = open_pairings(app)
    assert ("speaks Somali", "speak it too", 1) in [
        tuple(r.values()) for r in table_with(leader, "A mentor who")
    ]


@pytest.mark.parametrize("how", ["suggested", "by hand"])
def test_the_introduction_greets_each_person_by_their_registered_first_name(app, engine, accounts, how):
    with db.write_session(engine) as session:
        ana = make_mentor("ana", first_name="Ana María", last_name="Soto", capacity=1)
        eh_moo = make_mentee("ehmoo", first_name="Eh Moo", last_name="Wah")
        session.add_all([ana, eh_moo])
        session.flush()
        ids = (ana.id, eh_moo.id)
    at = open_pairings(app)
    if how == "suggested":
        at.button(key="pairings-confirm").click().run()
    else:
        at.selectbox(key="hand-mentee").set_value(ids[1]).run()
        at.selectbox(key="hand-mentor").set_value(ids[0]).run()
        at.button(key="pair-by-hand").click().run()
    assert not at.exception
    intro = at.get("link_button")[0].proto
    assert intro.label == "Email the introduction: Ana María Soto & Eh Moo Wah"
    body = urllib.parse.unquote(intro.url.partition("&body=")[2])
    assert body.startswith(
        "Hi Ana María and Eh Moo,\n\nI am delighted to introduce you to each other as a new pair in our "
        "mentorship program: Ana María Soto, meet Eh Moo Wah; Eh Moo Wah, meet Ana María Soto."
    )


def take_the_place(engine, mentor_id: int, mentee_id: int) -> None:
    """Another leader's tab pairs this mentor meanwhile."""
    with db.write_session(engine) as session:
        session.add(
            make_match(
                mentor_id,
                mentee_id,
                status="active",
                source="hand",
                confirmed_on=date.today(),
            )
        )


def test_the_pair_chosen_shows_its_whole_reasons_and_is_the_one_confirmed(app, engine, cohort):
    """(Choosing it by a row of the table is a browser test: AppTest cannot click a row.)"""
    at = open_pairings(app)
    assert at.selectbox(key="pairings-one").value == (cohort["kou"], cohort["pa"])
    at.selectbox(key="pairings-one").set_value((cohort["lee"], cohort["mai"])).run()
    assert [t.value for t in at.text if t.value.startswith("•")] == [
        "• Shared interest: psychiatry",
        "• Waiting since 2023-01-01",
    ]
    at.button(key="pairings-confirm").click().run()
    assert [t.value for t in at.toast] == ["Confirmed: Lee Yang & Mai Vang."]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Match.mentor_id, Match.mentee_id)).all() == [
            (cohort["lee"], cohort["mai"])
        ]


@pytest.mark.parametrize("button", ["pairings-confirm", "pairings-reject"])
def test_a_button_pressed_before_the_page_catches_up_acts_on_the_pair_just_chosen(
    app, engine, cohort, button
):
    """A quick leader chooses the second pair and presses the button before the page has drawn again: the
    browser sends both at once, and the pair acted on is the one the picker shows, not the one before."""
    at = open_pairings(app)
    at.selectbox(key="pairings-one").set_value((cohort["lee"], cohort["mai"]))  # not yet drawn again
    at.button(key=button).click().run()
    assert not at.exception
    with db.read_session(engine) as session:
        confirmed = session.execute(sa.select(Match.mentor_id, Match.mentee_id)).all()
        rejected = session.execute(sa.select(Exclusion.mentor_id, Exclusion.mentee_id)).all()
    if button == "pairings-confirm":
        assert [t.value for t in at.toast] == ["Confirmed: Lee Yang & Mai Vang."]
        assert (confirmed, rejected) == ([(cohort["lee"], cohort["mai"])], [])
    else:
        assert [t.value for t in at.toast] == [
            "Rejected: Lee Yang & Mai Vang. It will not be suggested again."
        ]
        assert (confirmed, rejected) == ([], [(cohort["lee"], cohort["mai"])])


def test_a_refused_write_says_its_one_sentence_and_changes_nothing(app, engine, cohort):
    at = open_pairings(app)
    at.button(key="pairings-reject").click().run()
    with db.write_session(engine) as session:  # the rejection is undone elsewhere meanwhile
        session.execute(sa.delete(Exclusion))
    at.button(key="undo-reject").click().run()
    assert [t.value for t in at.toast] == ["That pair is not rejected."]
    assert "undo-reject" not in [b.key for b in at.button]
    take_the_place(engine, cohort["kou"], cohort["mai"])  # and someone else takes Kou's one place
    at.button(key="pairings-confirm").click().run()
    assert [t.value for t in at.toast] == ["The mentor is at capacity (1 of 1 places taken)."]
    assert at.get("link_button") == []
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Match.mentee_id)).scalars().all() == [cohort["mai"]]
