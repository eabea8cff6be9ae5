"""Templates the leader types cannot hang or crash anything: each attack from issue 24 is one sentence
naming the problem, within a second, through the service, the page and the command line; numbers are
numbers."""

from __future__ import annotations

import time

import pytest

from mentorship import db
from mentorship.errors import UnusableInput
from mentorship.models import OutboxTemplate
from mentorship.outbox import actions, templates

from .conftest import LEADER_EMAIL
from .outbox_store import three_pairs, turn_on
from .test_outbox_cli import run

NESTED_LOOPS = (
    "".join("{% for c" + str(n) + " in mentor_name %}" for n in range(8)) + "x" + ("{% endfor %}" * 8)
)
ATTACKS = {
    "nested loops over a name": (NESTED_LOOPS, "The body uses a {% for %} loop, which templates cannot use."),
    "ten megabytes": ("{{ 'x'*10**7 }}", "The body uses **, which templates cannot use."),
    "ten megabytes without **": (
        "{{ 'x'*10000000 }}",
        "The template uses * on something that is not a number.",
    ),
    "range": (
        "{{ range(10**9) }}",
        "The body uses a call of a function or method, which templates cannot use.",
    ),
    "include": ("{% include 'base.txt' %}", "The body uses {% include %}, which templates cannot use."),
    "format": (
        "{{ '%d'|format(mentor_name) }}",
        "The body uses the filter format, which templates cannot use",
    ),
    "division by zero": ("{{ 1/0 }}", "The template divides by zero."),
    "wordwrap(0)": ("{{ mentee_name|wordwrap(0) }}", "The template cannot be filled in: invalid width 0"),
    "text formatted with %": (
        "{{ '%0999999999d' % 1 }}",
        "The template uses % on something that is not a number.",
    ),
    "a huge number": (
        "{{ 999999999 * 999999999 }}",
        "The template computes a number beyond 1,000,000,000,000.",
    ),
}


def one_sentence(text: str) -> bool:
    return "\n" not in text and "Traceback" not in text and text.endswith(".") and len(text) < 400


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_each_attack_saved_through_the_service_is_one_sentence_within_a_second(engine, accounts, attack):
    body, sentence = ATTACKS[attack]
    started = time.monotonic()
    with pytest.raises(UnusableInput) as refused:
        actions.save_template(engine, actor=accounts["leader"], kind="nudge", subject="Hi", body=body)
    assert time.monotonic() - started < 1
    assert str(refused.value).startswith(sentence)
    assert one_sentence(str(refused.value))
    with db.read_session(engine) as session:
        assert session.get(OutboxTemplate, "nudge") is None  # nothing saved


def test_arithmetic_on_a_number_saves_and_renders_a_number(engine, accounts):
    body = "It has been {{ days_since_last_meeting + 1 }} days ({{ days_since_last_meeting // 7 }} weeks)."
    actions.save_template(engine, actor=accounts["leader"], kind="nudge", subject="Hi", body=body)
    with db.read_session(engine) as session:
        _, filled = templates.render(
            session,
            "nudge",
            {**templates.sample_context(templates.PLACEHOLDERS["nudge"]), "days_since_last_meeting": 120},
        )
    assert filled == "It has been 121 days (17 weeks).\n"


def test_the_default_templates_still_check_and_render(engine):
    for kind, default in templates.DEFAULTS.items():
        assert templates.check(kind, default.subject, default.body) == default
        subject, body = templates.render_template(
            default, templates.sample_context(templates.PLACEHOLDERS[kind])
        )
        assert subject and body.strip()


def test_a_filled_in_template_past_100_kb_is_refused():
    body = "{{ pairs }}" * 20
    with pytest.raises(UnusableInput, match="^The template would be longer than 100 KB.$"):
        templates.render_template(templates.Template("Hi", body), {"pairs": "x" * 10_000})


def test_a_template_stored_before_these_rules_is_one_sentence_from_the_command_line(
    capsys, monkeypatch, store_url, engine, accounts, mail_server
):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    with db.write_session(engine) as session:  # as an older version let it be saved
        session.add(OutboxTemplate(kind="invitation", subject="Hi", body="{{ 1/0 }}"))
    code, out, err = run(
        capsys, monkeypatch, mail_server.environ(), "outbox", "run", "--db", store_url, "--as", LEADER_EMAIL
    )
    assert (code, out) == (2, "")
    assert err == "The template divides by zero.\n"
