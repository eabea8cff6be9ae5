"""The outbox's first part: the mail account's settings, templates, and queueing once per dedupe key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from mentorship import db, outbox
from mentorship.errors import UnusableInput
from mentorship.models import OutboxMessage
from mentorship.outbox import config, templates

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ACCOUNT = {
    "MENTORSHIP_SMTP_HOST": "smtp.example.org",
    "MENTORSHIP_SMTP_PORT": "587",
    "MENTORSHIP_SMTP_SECURITY": "starttls",
    "MENTORSHIP_SMTP_USER": "program",
    "MENTORSHIP_SMTP_PASSWORD": "s3cret-pass word",
    "MENTORSHIP_MAIL_FROM": "Mentorship@Program.example.org",
}


def test_no_host_means_no_mail_and_no_settings():
    assert outbox.mail_configured({}) is False
    assert outbox.smtp_settings({}) is None
    assert outbox.mail_configured({"MENTORSHIP_SMTP_HOST": "smtp.example.org"}) is True


def test_settings_from_the_environment_keep_the_password_out_of_their_repr():
    settings = outbox.smtp_settings(ACCOUNT)
    assert (settings.host, settings.port, settings.security, settings.mail_from) == (
        "smtp.example.org",
        587,
        "starttls",
        "mentorship@program.example.org",
    )
    assert settings.password == "s3cret-pass word"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"MENTORSHIP_SMTP_PORT": "smtp"}, "MENTORSHIP_SMTP_PORT must be a port number from 1 to 65535."),
        ({"MENTORSHIP_SMTP_SECURITY": "ssl"}, "MENTORSHIP_SMTP_SECURITY must be none, starttls or tls."),
        ({"MENTORSHIP_MAIL_FROM": "program"}, "MENTORSHIP_MAIL_FROM is not a valid email address."),
        (
            {"MENTORSHIP_SMTP_PASSWORD": ""},
            "MENTORSHIP_SMTP_PASSWORD is missing: a user and a password go together.",
        ),
    ],
)
def test_unusable_settings_name_the_setting(change, sentence):
    with pytest.raises(UnusableInput) as refused:
        outbox.smtp_settings({**ACCOUNT, **change})
    assert str(refused.value) == sentence
    assert "s3cret" not in str(refused.value)


def test_secrets_file_smtp_table_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[smtp]\nhost = "mail.example.org"\nport = 2525\nsecurity = "none"\nmail_from = "p@example.org"\n'
    )
    monkeypatch.setattr(config, "SECRETS_FILE", secrets)
    for name in config.ENV_KEYS.values():
        monkeypatch.delenv(name, raising=False)
    assert outbox.smtp_settings() == outbox.SmtpSettings("mail.example.org", 2525, "none", "p@example.org")
    monkeypatch.setenv("MENTORSHIP_SMTP_PORT", "2626")
    assert outbox.smtp_settings().port == 2626


def test_registration_default_renders_its_placeholders(engine):
    with db.read_session(engine) as session:
        subject, body = outbox.render(
            session,
            "registration",
            {
                "first_name": "Hodan",
                "confirm_link": "http://localhost:8501/Register?confirm=abc",
                "program_contact": "p@x.org",
            },
        )
    assert subject == "Please confirm your registration"
    assert body.startswith("Hi Hodan,\n")
    assert "http://localhost:8501/Register?confirm=abc" in body


def test_a_template_naming_an_unknown_placeholder_is_refused_by_name():
    with pytest.raises(UnusableInput) as refused:
        templates.check("nudge", "Hello {{ first_nam }}", "Body")
    assert str(refused.value).startswith(
        "The subject names {{ first_nam }}, which is not a placeholder for nudges;"
    )


def test_the_sandbox_refuses_reaching_into_objects():
    with pytest.raises(UnusableInput, match="unsafe"):
        templates.check("invitation", "Hi", "{{ checkin_link.__class__.__mro__ }}")


def test_a_name_cannot_add_a_header_through_the_subject(engine):
    with db.write_session(engine) as session:
        templates.save(session, "registration", "Welcome {{ first_name }}", "Hi")
        subject, _ = outbox.render(
            session,
            "registration",
            {"first_name": "A\r\nBcc: x@evil.example", "confirm_link": "", "program_contact": ""},
        )
    assert subject == "Welcome A Bcc: x@evil.example"


def test_queue_message_adds_once_per_dedupe_key(engine):
    with db.write_session(engine) as session:
        first = outbox.queue_message(
            session,
            kind="registration",
            recipients=["a@x.org"],
            subject="s",
            body="b",
            dedupe_key="registration:7",
            now=NOW,
        )
        again = outbox.queue_message(
            session,
            kind="registration",
            recipients=["a@x.org"],
            subject="s",
            body="b",
            dedupe_key="registration:7",
            now=NOW,
        )
    with db.read_session(engine) as session:
        rows = session.execute(sa.select(OutboxMessage)).scalars().all()
    assert (first, again) == (True, False)
    assert [(r.kind, r.recipients, r.status.value, r.attempts) for r in rows] == [
        ("registration", "a@x.org", "queued", 0)
    ]
    assert rows[0].message_id.startswith("<") and rows[0].message_id.endswith("@localhost>")
