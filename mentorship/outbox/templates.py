"""Each kind's subject and body: plain text with placeholders, rendered by Jinja2's sandbox.

The leader types these templates, so they are never given to `str.format` (which reaches attributes of
what it formats). A mail needs little of Jinja, so a template may use only that (checked on its syntax tree
when it is saved and again when it is compiled): placeholders, literals, `if`/`elif`/`else`, comparisons,
`and`/`or`/`not`, arithmetic, `~`, and the filters in FILTERS. No loops, calls, attributes, `set`,
`include`, `import`, `extends`, `macro` or `**`: with no loop and no call, filling in a template takes time
in proportion to its length, so no clock is needed to stop it. Arithmetic is on numbers only and stays
within NUMBER_LIMIT (`*` and `%` on text would build text of any size), and a filled-in template longer
than OUTPUT_MAX is refused. Every problem is one sentence naming it (UnusableInput), never a traceback.
A placeholder that is not in the kind's list is refused by name.
"""

from __future__ import annotations

import functools
import numbers
import operator
from dataclasses import dataclass

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session

from mentorship.errors import UnusableInput
from mentorship.models import OutboxTemplate, utcnow

SUBJECT_MAX = 300
BODY_MAX = 20_000
OUTPUT_MAX = 100_000  # characters of a filled-in template
NUMBER_LIMIT = 10**12  # arithmetic in a template stays within plus or minus this
FILTERS = (
    "abs",
    "capitalize",
    "default",
    "d",
    "float",
    "int",
    "lower",
    "round",
    "string",
    "title",
    "trim",
    "truncate",
    "upper",
    "wordcount",
    "wordwrap",
)
TESTS = ("defined", "undefined", "none", "number", "string", "even", "odd")
NUMERIC_PLACEHOLDERS = frozenset({"days_since_last_meeting", "pair_count"})
_SAMPLE_NUMBER = 42


class _Refused(Exception):
    """A construct or a value a template may not use; its text is the sentence's end."""


class _MailEnvironment(SandboxedEnvironment):
    """The sandbox, with arithmetic on numbers only and within NUMBER_LIMIT."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"-", "+"})
    _OPERATORS = {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "//": operator.floordiv,
        "%": operator.mod,
        "**": operator.pow,
    }

    def call_binop(self, context, operator_: str, left, right):
        if operator_ == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right  # joining two texts: as long as both together
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (left, right)):
            raise _Refused(f"uses {operator_} on something that is not a number")
        if operator_ == "**":
            raise _Refused("uses **, which templates cannot use")
        return _bounded(self._OPERATORS[operator_](left, right))

    def call_unop(self, context, operator_: str, arg):
        if not isinstance(arg, numbers.Real):
            raise _Refused(f"uses {operator_} on something that is not a number")
        return -arg if operator_ == "-" else +arg


def _bounded(value):
    if abs(value) > NUMBER_LIMIT:
        raise _Refused(f"computes a number beyond {NUMBER_LIMIT:,}")
    return value


_ENV = _MailEnvironment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_ENV.filters = {name: _ENV.filters[name] for name in FILTERS}
_ENV.tests = {name: _ENV.tests[name] for name in TESTS}
_ENV.globals = {}

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
        SURVEY_PLACEHOLDERS,
    ),
    "annual-update": ("first_name", "update_link", "stop_link", "leader_name", "program_contact"),
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
    "annual-update": "Yearly update: where are you now?",
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
    "annual-update": Template(
        "Where are you now?",
        "Hi {{ first_name }},\n\n"
        "Once a year the mentorship program asks every student who registered with it where they are on "
        "the path to medical school, whether or not they still have a mentor. Since we last asked, have you "
        "taken the MCAT, applied, interviewed, been accepted or started medical school, or chosen another "
        "path? "
        "Tell us in a minute here:\n\n{{ update_link }}\n\n"
        "Nothing new is a fine answer too. Only the program leader sees what you add; the program's partners "
        "see only totals. The link stays open for 60 days."
        + _SIGNATURE.rstrip("\n")
        + "\n\nNo longer want these yearly emails? {{ stop_link }}\n",
    ),
}


# What a template may contain: everything else is refused by name (see _refusal).
_ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Name,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.Concat,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Filter,
    nodes.Test,
    nodes.Keyword,
)
_CONSTRUCTS = {
    nodes.For: "a {% for %} loop",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Call: "a call of a function or method",
    nodes.Getattr: "an attribute of a placeholder (unsafe)",
    nodes.Getitem: "a part of a placeholder ([...])",
    nodes.Pow: "**",
    nodes.Dict: "a dictionary",
}


def _refusal(tree: nodes.Node) -> str | None:
    """What the template uses that a template may not, in words; None when it uses only what a mail needs."""
    for node in (tree, *tree.find_all(nodes.Node)):
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            return f"the filter {node.name}, which templates cannot use (they can use {', '.join(FILTERS)})"
        if isinstance(node, nodes.Test) and node.name not in TESTS:
            return f"the test {node.name}, which templates cannot use (they can use {', '.join(TESTS)})"
        if not isinstance(node, _ALLOWED):
            what = next((w for kind, w in _CONSTRUCTS.items() if isinstance(node, kind)), None)
            return f"{what or type(node).__name__}, which templates cannot use"
    return None


def _parse(text: str, kind: str, part: str):
    """The template's syntax tree, or UnusableInput naming what cannot be read or used."""
    try:
        tree = _ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise UnusableInput(f"The {part} cannot be read at line {exc.lineno}: {exc.message}.") from None
    refused = _refusal(tree)
    if refused:
        raise UnusableInput(f"The {part} uses {refused}.")
    return tree


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
        render_template(Template(subject, body), sample_context(allowed))
    except UnusableInput as exc:
        raise UnusableInput(str(exc)) from None
    return Template(subject, body)


def sample_context(names: tuple[str, ...]) -> dict:
    """Stand-in values of the right type: numbers for the numeric placeholders, so arithmetic works."""
    return {name: _SAMPLE_NUMBER if name in NUMERIC_PLACEHOLDERS else f"[{name}]" for name in names}


def template_for(session: Session, kind: str) -> Template:
    """The leader's template for the kind, or the built-in default."""
    stored = session.get(OutboxTemplate, kind)
    return Template(stored.subject, stored.body) if stored else DEFAULTS[kind]


@functools.lru_cache(maxsize=64)
def _compiled(text: str) -> jinja2.Template:
    """Compiling a template costs far more than filling it in: planning fills one in thousands of times.
    A stored template is checked again here, so a template saved before a rule existed obeys it too."""
    _parse(text, "", "template")
    return _ENV.from_string(text)


def _fill(text: str, context: dict) -> str:
    """The template filled in, streamed, and stopped once it passes OUTPUT_MAX."""
    parts, size = [], 0
    for part in _compiled(text).generate(context):
        size += len(part)
        if size > OUTPUT_MAX:
            raise _Refused(f"would be longer than {OUTPUT_MAX // 1000} KB")
        parts.append(part)
    return "".join(parts)


def render_template(template: Template, context: dict) -> tuple[str, str]:
    """(subject, body) filled in from `context`; UnusableInput in one sentence when it cannot be."""
    try:
        subject = _fill(template.subject, context)
        body = _fill(template.body, context)
    except UnusableInput:
        raise
    except _Refused as exc:
        raise UnusableInput(f"The template {exc}.") from None
    except jinja2.exceptions.SecurityError as exc:
        raise UnusableInput(f"The template reaches for something unsafe: {_sentence(exc)}.") from None
    except jinja2.TemplateError as exc:
        raise UnusableInput(f"The template cannot be filled in: {_sentence(exc)}.") from None
    except ZeroDivisionError:
        raise UnusableInput("The template divides by zero.") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, RecursionError, MemoryError) as exc:
        raise UnusableInput(f"The template cannot be filled in: {_sentence(exc)}.") from None
    return " ".join(subject.split()), body  # a subject is one line: no header injection through a name


def _sentence(exc: BaseException) -> str:
    """An exception's message as the end of one sentence: one line, bounded, no final full stop."""
    return " ".join(str(exc).split())[:200].rstrip(".") or type(exc).__name__


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
