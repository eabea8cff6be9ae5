"""Each kind's subject and body: plain text with placeholders, rendered by Jinja2's sandbox.

The leader types these templates, so they are never given to `str.format` (which reaches attributes of
what it formats); the sandbox refuses unsafe attribute access, and a placeholder that is not in the
kind's list is refused when the template is saved, in one sentence that names it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session

from mentorship.errors import UnusableInput
from mentorship.models import OutboxTemplate, utcnow

_ENV = SandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
SUBJECT_MAX = 300
BODY_MAX = 20_000

PAIR_PLACEHOLDERS = (
    "mentor_first_name",
    "mentee_first_name",
    "mentor_name",
    "mentee_name",
    "checkin_link",
    "days_since_last_meeting",
    "leader_name",
    "program_contact",
)
SURVEY_PLACEHOLDERS = (
    "first_name",
    "survey_link",
    "closes_note",
    "reminder_note",
    "stop_link",
    "leader_name",
    "program_contact",
)
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "introduction": PAIR_PLACEHOLDERS,
    "invitation": (*PAIR_PLACEHOLDERS, "stop_link"),
    "nudge": (*PAIR_PLACEHOLDERS, "stop_link"),
    "reminder": ("pairs", "pair_count", "leader_name", "program_contact"),
    "registration": ("first_name", "confirm_link", "program_contact"),
    "registered": ("registration_status", "personal_link", "program_contact"),
    **dict.fromkeys(
        ("survey-start", "survey-mid", "survey-year"),
        (
            "first_name",
            "survey_link",
            "closes_note",
            "reminder_note",
            "stop_link",
            "leader_name",
            "program_contact",
        ),
    ),
}
KINDS = tuple(PLACEHOLDERS)
KIND_LABELS = {
    "introduction": "Introduction",
    "invitation": "Check-in invitation",
    "nudge": "Nudge",
    "reminder": "Decision reminder",
    "registration": "Registration confirmation",
    "registered": "Already registered",
    "survey-start": "Survey: getting started",
    "survey-mid": "Survey: mid-year",
    "survey-year": "Survey: one year",
    "test": "Test email",
}
_SIGNATURE = "\n\n{{ leader_name }}\n{{ program_contact }}\n"
_STOP = "\n\nNo longer want these reminders? {{ stop_link }}"


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


DEFAULTS: dict[str, Template] = {
    "introduction": Template(
        "Introducing your mentorship pair",
        "Hi {{ mentor_first_name }} and {{ mentee_first_name }},\n\n"
        "I am delighted to introduce you to each other as a new pair in our mentorship program: "
        "{{ mentor_name }}, meet {{ mentee_name }}; {{ mentee_name }}, meet {{ mentor_name }}.\n\n"
        "The program asks pairs to meet every one to two months for at least a year (a video or phone call "
        "is perfect), and to keep a space of mutual respect and cultural humility. Could you find a time "
        "for a first conversation in the next two weeks?\n\n"
        "Each time you meet, either of you can tell the program through your pair's check-in link:\n"
        "{{ checkin_link }}\n\n"
        "If anything comes up along the way, just reply and let me know. Thank you both!" + _SIGNATURE,
    ),
    "invitation": Template(
        "Your monthly mentorship check-in",
        "Hi {{ mentor_first_name }} and {{ mentee_first_name }},\n\n"
        "Have you met since your last check-in? Either of you can tell the program through your pair's "
        "personal check-in link (it takes a minute and needs no account):\n\n"
        "{{ checkin_link }}\n\n"
        "Please keep it between the two of you. If you would like me to reach out about anything, the same "
        "page has a box for that." + _SIGNATURE.rstrip("\n") + _STOP + "\n",
    ),
    "nudge": Template(
        "Time for your next mentorship meeting",
        "Hi {{ mentor_first_name }} and {{ mentee_first_name }},\n\n"
        "A friendly note from the mentorship program: it has been {{ days_since_last_meeting }} days since "
        "your last meeting (or since you were paired), and the program asks pairs to meet every one to two "
        "months. Could you find a time in the next few weeks? When you have met, tell the program here:\n\n"
        "{{ checkin_link }}\n\n"
        "If anything is getting in the way, just reply and let me know."
        + _SIGNATURE.rstrip("\n")
        + _STOP
        + "\n",
    ),
    "reminder": Template(
        "{{ pair_count }} mentorship pairs need a one-year decision",
        "These pairs are within 30 days of their one-year mark (or past it) and have no decision yet:\n\n"
        "{{ pairs }}\n\n"
        "Record each decision (continue, complete or end) on the dashboard's Retention page.\n",
    ),
    "registration": Template(
        "Please confirm your registration",
        "Hi {{ first_name }},\n\n"
        "Thank you for registering with the mentorship program. Please confirm your email address by "
        "opening this link:\n\n{{ confirm_link }}\n\n"
        "If you did not register, you can ignore this message.\n\n{{ program_contact }}\n",
    ),
    "registered": Template(
        "Your registration with the mentorship program",
        "Hello,\n\n"
        "Someone sent the mentorship program's registration form with this email address. "
        "{{ registration_status }} Nothing has been changed.\n\n"
        "To see or update your details yourself, open your personal link:\n\n{{ personal_link }}\n\n"
        "If you did not send the form, you can ignore this message.\n\n{{ program_contact }}\n",
    ),
    "survey-start": Template(
        "How is your mentorship starting?",
        "Hi {{ first_name }},\n\n{{ reminder_note }}"
        "You were paired about a month ago. Could you tell the program how it is going? Three short "
        "questions, about two minutes:\n\n{{ survey_link }}\n\n"
        "Only the program leader reads your answers; the other person in your pair never sees them. "
        "{{ closes_note }}" + _SIGNATURE.rstrip("\n") + _STOP + "\n",
    ),
    "survey-mid": Template(
        "Halfway through your mentorship: how does it feel?",
        "Hi {{ first_name }},\n\n{{ reminder_note }}"
        "You are about halfway through your mentorship year. The program would like to hear, from each of "
        "you separately, how it feels: whether you are treated with respect, whether you can be yourself, "
        "and how useful it has been. About five minutes:\n\n{{ survey_link }}\n\n"
        "Only the program leader reads your answers; the other person in your pair never sees them. "
        "{{ closes_note }}" + _SIGNATURE.rstrip("\n") + _STOP + "\n",
    ),
    "survey-year": Template(
        "Looking back on your mentorship",
        "Hi {{ first_name }},\n\n{{ reminder_note }}"
        "Your mentorship year has come to a close (or your pair has ended). A few last questions on what "
        "helped and what the program should change, about five minutes:\n\n{{ survey_link }}\n\n"
        "Only the program leader reads your answers; the other person in your pair never sees them. "
        "{{ closes_note }}" + _SIGNATURE.rstrip("\n") + _STOP + "\n",
    ),
}


def _parse(text: str, kind: str, part: str):
    try:
        return _ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise UnusableInput(f"The {part} cannot be read at line {exc.lineno}: {exc.message}.") from None


def check(kind: str, subject: str, body: str) -> Template:
    """The template as stored, or UnusableInput in one sentence (an unknown placeholder by name)."""
    if kind not in PLACEHOLDERS:
        raise UnusableInput(f"There is no message kind {kind!r}.")
    subject, body = " ".join(subject.split()), body.replace("\r\n", "\n").strip() + "\n"
    if not subject:
        raise UnusableInput("The subject cannot be empty.")
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise UnusableInput(f"The subject can have {SUBJECT_MAX} characters and the body {BODY_MAX:,}.")
    allowed = PLACEHOLDERS[kind]
    for part, text in (("subject", subject), ("body", body)):
        unknown = sorted(meta.find_undeclared_variables(_parse(text, kind, part)) - set(allowed))
        if unknown:
            raise UnusableInput(
                f"The {part} names {{{{ {unknown[0]} }}}}, which is not a placeholder for "
                f"{KIND_LABELS[kind].lower()}s; the placeholders are: {', '.join(allowed)}."
            )
    try:  # a template that parses can still fail (a filter misused): try it on sample values
        render_template(Template(subject, body), {name: f"[{name}]" for name in allowed})
    except UnusableInput as exc:
        raise UnusableInput(str(exc)) from None
    return Template(subject, body)


def template_for(session: Session, kind: str) -> Template:
    """The leader's template for the kind, or the built-in default."""
    stored = session.get(OutboxTemplate, kind)
    return Template(stored.subject, stored.body) if stored else DEFAULTS[kind]


@functools.lru_cache(maxsize=64)
def _compiled(text: str) -> jinja2.Template:
    """Compiling a template costs far more than filling it in: planning fills one in thousands of times."""
    return _ENV.from_string(text)


def render_template(template: Template, context: dict) -> tuple[str, str]:
    try:
        subject = _compiled(template.subject).render(context)
        body = _compiled(template.body).render(context)
    except jinja2.TemplateError as exc:
        raise UnusableInput(f"The template cannot be filled in: {str(exc).rstrip('.')}.") from None
    return " ".join(subject.split()), body  # a subject is one line: no header injection through a name


def render(session: Session, kind: str, context: dict) -> tuple[str, str]:
    """(subject, body) of the kind's template, stored or default, filled in from `context`."""
    if kind not in PLACEHOLDERS:
        raise UnusableInput(f"There is no message kind {kind!r}.")
    return render_template(template_for(session, kind), context)


def save(session: Session, kind: str, subject: str, body: str) -> Template:
    """Check and store the leader's template in the caller's transaction (callers check the role, audit)."""
    checked = check(kind, subject, body)
    row = session.get(OutboxTemplate, kind) or OutboxTemplate(kind=kind, subject="", body="")
    row.subject, row.body = checked.subject, checked.body
    row.updated_at = utcnow()
    session.add(row)
    return checked


def reset(session: Session, kind: str) -> None:
    row = session.get(OutboxTemplate, kind)
    if row is not None:
        session.delete(row)
