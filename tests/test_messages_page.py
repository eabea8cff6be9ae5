"""The Messages page (leader only) in AppTest, against a real SMTP server, and the check-in page's
"stop these reminders"."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db
from mentorship.models import OutboxMessage, ReminderOptOut
from mentorship.outbox import actions, templates

from .conftest import LEADER_EMAIL, TODAY, signed_in
from .outbox_store import three_pairs, turn_on

MESSAGES_PAGE = "pages/7_Messages.py"
CHECKIN_PAGE = "pages/6_Check_in.py"


def open_messages(app, role: str = "leader", tab: str | None = None):
    at = signed_in(app("app.py"), role).run()
    at = at.switch_page(MESSAGES_PAGE)
    if tab:
        at.session_state["messages-tab"] = tab
    return at.run()


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def mail_env(monkeypatch, mail_server):
    for name, value in mail_server.environ().items():
        monkeypatch.setenv(name, value)
    return mail_server


def test_committee_members_never_see_the_outbox(app, engine, accounts):
    at = open_messages(app, "committee")
    assert [w.value for w in at.warning] == ["This page is for the program leader."]
    assert not at.dataframe and "Send due messages now" not in [b.label for b in at.button]


def test_without_a_mail_account_the_page_says_so_and_sends_nothing(app, engine, accounts, monkeypatch):
    monkeypatch.delenv("MENTORSHIP_SMTP_HOST", raising=False)
    at = open_messages(app)
    assert at.info[0].value.startswith("No mail account is configured, so nothing is sent")
    assert button(at, "Send due messages now").disabled
    assert button(at, "Send a test email to me").disabled


def test_send_due_messages_now_delivers_one_invitation_per_open_pair(app, engine, accounts, mail_env):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    at = open_messages(app)
    assert at.caption[0].value.startswith("Mail goes from mentorship@program.example.org through 127.0.0.1:")
    at = button(at, "Send due messages now").click().run()
    assert [t.value for t in at.toast] == ["Queued 6; sent 6, failed 0, waiting to retry 0."]
    assert len(mail_env.received) == 6  # each person their own
    assert {m.label: m.value for m in at.metric} == {
        "Queued": "0",
        "Sent": "6",
        "Failed": "0",
        "Cancelled": "0",
    }
    table = at.dataframe[0].value
    assert sorted(table["recipients"]) == sorted(", ".join(r.recipients) for r in mail_env.received)
    assert "s3cret" not in str(at)


def test_the_test_email_goes_to_the_signed_in_leader(app, engine, accounts, mail_env):
    at = button(open_messages(app), "Send a test email to me").click().run()
    assert [t.value for t in at.toast] == [f"Test email sent to {LEADER_EMAIL}."]
    assert [m.recipients for m in mail_env.received] == [[LEADER_EMAIL]]


def test_a_failed_message_shows_why_and_retry_sends_it(app, engine, accounts, mail_env):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    mail_env.handler.refuse.update({"mlate@clinic.example.org"})
    at = button(open_messages(app), "Send due messages now").click().run()
    at.multiselect(key="ob-status").set_value(["failed"]).run()
    assert at.warning[0].value.startswith("Refused by the mail server: mlate@clinic.example.org: 550")
    mail_env.handler.refuse.clear()
    at = button(at, "Retry").click().run()
    assert [t.value for t in at.toast] == ["Sent."]
    assert len(mail_env.received) == 6


def test_a_template_naming_an_unknown_placeholder_is_refused_and_the_preview_uses_a_real_pair(
    app, engine, accounts, mail_env
):
    three_pairs(engine)
    at = open_messages(app, tab="Templates")
    at.selectbox(key="tpl-kind").set_value("nudge").run()
    assert "Hi Latedoc and Latekid," in at.text[-1].value  # the pair longest without a meeting first
    at.text_area(key="tpl-body").set_value("Hi {{ mentor_first_name }}, see {{ checkin_url }}").run()
    assert at.warning[0].value.startswith(
        "The body names {{ checkin_url }}, which is not a placeholder for nudges;"
    )
    at = button(at, "Save the template").click().run()
    assert [t.value for t in at.toast] == [at.warning[0].value]
    at.text_area(key="tpl-body").set_value(
        "Hi {{ mentor_first_name }}: {{ days_since_last_meeting }} days."
    ).run()
    assert at.text[-1].value.endswith(f"Hi Latedoc: {(date.today() - TODAY).days + 120} days.")
    button(at, "Save the template").click().run()
    with db.read_session(engine) as session:
        assert (
            templates.template_for(session, "nudge").body
            == "Hi {{ mentor_first_name }}: {{ days_since_last_meeting }} days.\n"
        )


def test_stop_these_reminders_on_the_check_in_page_is_recorded_and_shown_to_the_leader(
    app, engine, accounts, mail_env
):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    at = button(open_messages(app), "Send due messages now").click().run()
    stop_link = next(r for r in mail_env.received if "slate@school.example.edu" in r.recipients).message[
        "List-Unsubscribe"
    ]
    query = stop_link.strip("<>").split("?", 1)[1]
    page = app(CHECKIN_PAGE)
    for part in query.split("&"):
        name, value = part.split("=", 1)
        page.query_params[name] = value
    page.run()
    assert page.title[0].value == "Stop these reminders"
    assert len(page.radio) == 0  # the link is hers: nobody is asked who they are
    page = button(page, "Stop these reminders for me").click().run()
    assert page.success[0].value == "Done: you will get no more check-in invitations, nudges or surveys."
    with db.read_session(engine) as session:
        assert list(session.execute(sa.select(ReminderOptOut.email)).scalars()) == [
            "slate@school.example.edu"
        ]

    at = open_messages(app, tab="Opted out")
    table = at.dataframe[0].value
    assert list(table["email"]) == ["slate@school.example.edu"]
    assert list(table["name"]) == ["Latekid Studentlast"]


def test_cancel_stops_a_queued_message(app, engine, accounts, mail_env):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    smtp = actions.require_smtp()
    from .outbox_store import NOW

    actions.plan_messages(engine, actor=accounts["leader"], today=NOW.date(), now=NOW, smtp=smtp)
    at = open_messages(app)
    at = button(at, "Cancel").click().run()
    assert [t.value for t in at.toast] == ["Cancelled: it will not be sent."]
    with db.read_session(engine) as session:
        statuses = sorted(str(s) for s in session.execute(sa.select(OutboxMessage.status)).scalars())
    assert statuses == ["cancelled"] + ["queued"] * 5


def test_a_message_shows_a_stand_in_where_its_personal_links_go_and_the_mail_carries_them(
    app, engine, accounts, mail_env
):
    """The outbox (and so every backup) holds no usable link: the page shows what the sender will make."""
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    at = button(open_messages(app), "Send due messages now").click().run()
    shown = at.text[-1].value
    assert "(the pair's check-in link, made when the message is sent)" in shown
    assert "(your own link to stop these reminders, made when the message is sent)" in shown
    assert "token=" not in shown and "stop=" not in shown
    assert all("/Check_in?token=" in received.body for received in mail_env.received)
