"""`suggest`, `confirm` and `reject` from the command line: one JSON object, exit statuses, sentences."""

import json

import sqlalchemy as sa

from mentorship import db
from mentorship.cli import main
from mentorship.models import Exclusion, Match

from .factories import make_mentee, make_mentor

LEADER, COMMITTEE = "leader@program.example.org", "committee@program.example.org"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def people(engine) -> None:
    with db.write_session(engine) as session:
        session.add_all(
            [
                make_mentor("kou", capacity=1, specialty="Pediatrics", languages="English; Hmong"),
                make_mentee("pa", specialty_interests="Pediatrics", languages="Hmong"),
                make_mentee("nou", meeting_formats="in person"),
            ]
        )


def test_suggest_json_is_one_object_with_pairs_unmatched_and_gap(capsys, engine, store_url):
    people(engine)
    code, out, err = run(capsys, "suggest", "--db", store_url, "--json")
    assert (code, err, out.count("\n")) == (0, "", 1)
    assert json.loads(out) == {
        "pairs": [
            {
                "mentor_email": "kou@clinic.example.org",
                "mentee_email": "pa@school.example.edu",
                "score": 4.5,
                "reasons": ["Shared interest: pediatrics", "Both speak Hmong", "Waiting since 2023-01-01"],
            }
        ],
        "unmatched": [
            {
                "mentee_email": "nou@school.example.edu",
                "reason": "No active mentor meets in person, the way this student can meet.",
            }
        ],
        "gap": {
            "unmatched": 1,
            "bipoc_requests_unmet": 0,
            "places_needed": 1,
            "bipoc_places_needed": 0,
            "by_format": {"in person": 1},
            "only_format": {"in person": 1},
            "by_language": {},
        },
    }
    code, out, _ = run(capsys, "suggest", "--db", store_url)
    assert code == 0
    assert out.splitlines()[:2] == [
        "1 suggested pair (2 waiting, 1 mentor place):",
        "   4.50  kou@clinic.example.org + pa@school.example.edu: Shared interest: pediatrics; "
        "Both speak Hmong; "
        "Waiting since 2023-01-01",
    ]


def test_confirm_and_reject_exit_0_when_done_and_1_with_a_sentence_when_refused(
    capsys, engine, store_url, accounts
):
    people(engine)
    pair = ["--mentor", "kou@clinic.example.org", "--mentee", "pa@school.example.edu"]
    assert run(capsys, "confirm", "--db", store_url, *pair, "--as", COMMITTEE) == (
        1,
        "",
        "Only the program leader can make this change.\n",
    )
    assert run(capsys, "confirm", "--db", store_url, *pair, "--as", LEADER) == (
        0,
        "Confirmed the pair (score 4.5).\n",
        "",
    )
    assert run(capsys, "confirm", "--db", store_url, *pair, "--as", LEADER)[:2] == (
        0,
        "This pair was already confirmed; nothing changed.\n",
    )
    other = ["--mentor", "kou@clinic.example.org", "--mentee", "nou@school.example.edu"]
    assert run(capsys, "confirm", "--db", store_url, *other, "--as", LEADER) == (
        1,
        "",
        "The mentor is at capacity (1 of 1 places taken).\n",
    )
    assert run(capsys, "reject", "--db", store_url, *other, "--as", LEADER) == (
        0,
        "Rejected: this pair will not be suggested again.\n",
        "",
    )
    unknown = ["--mentor", "nobody@clinic.example.org", "--mentee", "pa@school.example.edu"]
    assert run(capsys, "reject", "--db", store_url, *unknown, "--as", LEADER) == (
        1,
        "",
        "No mentor is registered with that email.\n",
    )
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Match.id))).scalar() == 1
        assert session.execute(sa.select(sa.func.count(Exclusion.id))).scalar() == 1
