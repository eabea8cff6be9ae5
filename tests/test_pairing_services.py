"""Confirm, reject, pair by hand, confirm several, and the weights: each one audited transaction."""

import json
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db, queries, services, settings
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import Exclusion, Match, MatchStatus
from mentorship.settings import MatchWeights

from .conftest import TODAY
from .factories import add, events, make_match, make_mentee, make_mentor


def matches(engine) -> list[dict]:
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(
                Match.mentor_id, Match.mentee_id, Match.status, Match.source, Match.score, Match.reasons
            )
        ).all()
    return [
        {
            "mentor_id": r[0],
            "mentee_id": r[1],
            "status": str(r[2]),
            "source": str(r[3]),
            "score": r[4],
            "reasons": json.loads(r[5]),
        }
        for r in rows
    ]


@pytest.fixture
def pair(engine):
    """Dr. Kou Yang (pediatrics, capacity 1) and Pa Vang (asked for a BIPOC mentor, likes pediatrics)."""
    return add(
        engine,
        make_mentor("kou", capacity=1, specialty="Pediatrics"),
        make_mentee(
            "pa",
            bipoc_mentor_preference="preferred",
            specialty_interests="Pediatrics",
            registered_on=date(2026, 9, 2),
        ),
    )


def test_confirm_opens_the_match_with_its_score_and_reasons(engine, accounts, pair):
    kou, pa = pair
    done = services.confirm_pair(engine, actor=accounts["leader"], today=TODAY, mentor_id=kou, mentee_id=pa)
    reasons = [
        "Both identify as BIPOC — the student asked for a BIPOC mentor",
        "Shared interest: pediatrics",
        "Waiting since 2026-09-02",
    ]
    assert (done.score, list(done.reasons), done.already) == (10.23, reasons, False)
    assert matches(engine) == [
        {
            "mentor_id": kou,
            "mentee_id": pa,
            "status": "active",
            "source": "suggested",
            "score": 10.23,
            "reasons": reasons,
        }
    ]
    assert events(engine, "pair.confirm") == [
        ("leader@program.example.org", "done", f"mentor {kou}, mentee {pa}")
    ]


def test_a_second_click_confirms_nothing_more(engine, accounts, pair):
    kou, pa = pair
    first = services.confirm_pair(engine, actor=accounts["leader"], today=TODAY, mentor_id=kou, mentee_id=pa)
    again = services.confirm_pair(engine, actor=accounts["leader"], today=TODAY, mentor_id=kou, mentee_id=pa)
    assert (again.match_id, again.already) == (first.match_id, True)
    assert len(matches(engine)) == 1
    assert len(events(engine, "pair.confirm")) == 1


def test_confirm_is_refused_at_capacity_with_an_open_match_or_when_a_rule_fails(engine, accounts, pair):
    kou, pa = pair
    (mai, nou, yer) = add(
        engine, make_mentee("mai"), make_mentee("nou", meeting_formats="in person"), make_mentee("yer")
    )
    (lee,) = add(engine, make_mentor("lee", capacity=3))
    leader = accounts["leader"]
    services.confirm_pair(engine, actor=leader, today=TODAY, mentor_id=kou, mentee_id=pa)
    services.confirm_pair(engine, actor=leader, today=TODAY, mentor_id=lee, mentee_id=yer)
    cases = [
        (kou, mai, "The mentor is at capacity (1 of 1 places taken)."),
        (lee, pa, "The mentee already has an open match."),
        (lee, nou, "They share no meeting format (the mentor meets virtual, the mentee in person)."),
    ]
    for mentor_id, mentee_id, message in cases:
        with pytest.raises(Refused) as refused:
            services.confirm_pair(engine, actor=leader, today=TODAY, mentor_id=mentor_id, mentee_id=mentee_id)
        assert str(refused.value) == message
    assert len(matches(engine)) == 2
    assert [e for e in events(engine, "pair.confirm") if e[1] == "refused"] == [
        ("leader@program.example.org", "refused", f"refused: mentor at capacity; mentor {kou}, mentee {mai}"),
        (
            "leader@program.example.org",
            "refused",
            f"refused: mentee has an open match; mentor {lee}, mentee {pa}",
        ),
        (
            "leader@program.example.org",
            "refused",
            f"refused: no shared meeting format; mentor {lee}, mentee {nou}",
        ),
    ]


def test_the_committee_cannot_confirm_reject_or_change_weights(engine, accounts, pair):
    kou, pa = pair
    committee = accounts["committee"]
    for attempt in (
        lambda: services.confirm_pair(engine, actor=committee, today=TODAY, mentor_id=kou, mentee_id=pa),
        lambda: services.confirm_selected(engine, actor=committee, today=TODAY, pairs=[(kou, pa)]),
        lambda: services.reject_pair(engine, actor=committee, mentor_id=kou, mentee_id=pa),
        lambda: services.set_match_weights(engine, actor=committee, weights=MatchWeights()),
    ):
        with pytest.raises(PermissionDenied, match="Only the program leader can make this change."):
            attempt()
    assert matches(engine) == []
    refused = (
        events(engine, "pair.confirm") + events(engine, "pair.reject") + events(engine, "settings.weights")
    )
    assert [e[1:] for e in refused] == [("refused", "refused: committee role")] * 4


def test_reject_is_remembered_until_undone(engine, accounts, pair):
    kou, pa = pair
    leader = accounts["leader"]
    assert services.reject_pair(
        engine, actor=leader, emails=("Kou@Clinic.example.org ", "pa@school.example.edu")
    )
    assert not services.reject_pair(engine, actor=leader, mentor_id=kou, mentee_id=pa)
    with db.read_session(engine) as session:
        assert queries.pairing_suggestions(session, TODAY).pairs == ()
        assert session.execute(sa.select(Exclusion.mentor_id, Exclusion.mentee_id)).all() == [(kou, pa)]
    with pytest.raises(Refused, match="The leader rejected this pair; undo the rejection to pair them."):
        services.confirm_pair(engine, actor=leader, today=TODAY, mentor_id=kou, mentee_id=pa, by_hand=True)

    services.undo_rejection(engine, actor=leader, mentor_id=kou, mentee_id=pa)
    with db.read_session(engine) as session:
        assert [(p.mentor_id, p.mentee_id) for p in queries.pairing_suggestions(session, TODAY).pairs] == [
            (kou, pa)
        ]
    with pytest.raises(Refused, match="That pair is not rejected."):
        services.undo_rejection(engine, actor=leader, mentor_id=kou, mentee_id=pa)
    assert [e[2] for e in events(engine, "pair.reject")] == [f"mentor {kou}, mentee {pa}"]
    assert [e[1:] for e in events(engine, "pair.unreject")] == [
        ("done", f"mentor {kou}, mentee {pa}"),
        ("refused", "That pair is not rejected."),
    ]


def test_a_pair_ended_before_is_not_paired_again(engine, accounts, pair):
    kou, pa = pair
    add(
        engine,
        make_match(
            kou,
            pa,
            confirmed_on=date(2024, 1, 5),
            status=MatchStatus.ended,
            ended_on=date(2024, 5, 1),
        ),
    )
    with pytest.raises(Refused, match="They were paired before, and that match ended."):
        services.confirm_pair(engine, actor=accounts["leader"], today=TODAY, mentor_id=kou, mentee_id=pa)


def test_by_hand_hard_rules_block_and_soft_shortfalls_warn(engine, accounts):
    (white_doc, needs_bipoc, prefers_bipoc) = add(
        engine,
        make_mentor("anderson", identifies_bipoc="no", specialty="Radiology", gender="man", capacity=2),
        make_mentee("hodan", bipoc_mentor_preference="required"),
        make_mentee(
            "ifrah",
            bipoc_mentor_preference="preferred",
            mentor_gender_preference="woman",
            specialty_interests="Pediatrics",
        ),
    )
    leader = accounts["leader"]
    with pytest.raises(
        Refused, match="The mentee requires a BIPOC mentor, and this mentor does not identify as BIPOC."
    ):
        services.confirm_pair(
            engine, actor=leader, today=TODAY, mentor_id=white_doc, mentee_id=needs_bipoc, by_hand=True
        )
    done = services.confirm_pair(
        engine, actor=leader, today=TODAY, mentor_id=white_doc, mentee_id=prefers_bipoc, by_hand=True
    )
    assert done.warnings == (
        "The mentee would prefer a BIPOC mentor, and this mentor does not identify as BIPOC.",
        "The mentee asked for a mentor who is a woman.",
        "The mentor's specialty is not one of the mentee's interests.",
    )
    assert [(m["mentee_id"], m["source"]) for m in matches(engine)] == [(prefers_bipoc, "hand")]
    assert events(engine, "pair.confirm")[-1][2] == (
        f"mentor {white_doc}, mentee {prefers_bipoc}, paired by hand with 3 soft shortfalls"
    )


def test_confirm_selected_accepts_or_refuses_each_on_its_own(engine, accounts, pair):
    kou, pa = pair
    (mai,) = add(engine, make_mentee("mai"))
    outcomes = services.confirm_selected(
        engine, actor=accounts["leader"], today=TODAY, pairs=[(kou, pa), (kou, mai)]
    )
    assert [(o.mentee_id, o.confirmed is not None, o.refused) for o in outcomes] == [
        (pa, True, None),
        (mai, False, "The mentor is at capacity (1 of 1 places taken)."),
    ]


def test_unknown_emails_are_refused_in_one_sentence(engine, accounts, pair):
    with pytest.raises(Refused, match="^No mentor is registered with that email.$"):
        services.confirm_pair(
            engine, actor=accounts["leader"], today=TODAY, emails=("x@y.org", "pa@school.example.edu")
        )
    assert events(engine, "pair.confirm") == [
        ("leader@program.example.org", "refused", "refused: unknown mentor email")
    ]


def test_weights_are_checked_saved_and_reset(engine, accounts):
    leader = accounts["leader"]
    with pytest.raises(Refused, match="Each weight must be a number from 0 to 10."):
        services.set_match_weights(engine, actor=leader, weights=replace(MatchWeights(), waiting_time=-1))
    services.set_match_weights(engine, actor=leader, weights=replace(MatchWeights(), shared_language=4))
    with db.read_session(engine) as session:
        assert settings.match_weights(session).shared_language == 4
    services.set_match_weights(engine, actor=leader, weights=MatchWeights())
    with db.read_session(engine) as session:
        assert settings.match_weights(session) == MatchWeights()
        assert queries.pairing_version(session).endswith("|0,None,None")  # no stored weights: defaults
    assert events(engine, "settings.weights")[1][2] == (
        "pairing weights: bipoc_concordance 8, shared_specialty 2, shared_language 4, mentor_gender 1.5, "
        "shared_background 1, advising_areas 0.5, waiting_time 1"
    )
