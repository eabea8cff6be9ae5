"""Registration through the program's own public forms: what the forms say and their one rule set (the
import's, plus consent and the values attestation). Pure: no store, no services — the reads live in
`mentorship.queries`, the writes in `mentorship.services.signups`.

A submission never touches the registrations: it is kept as a `Signup` (pending) and written through the
import's own plan only when its link is followed or the leader accepts it, so a pending registration is never
suggested for pairing. A submission only ever creates a person: the same email registering again changes
nothing (its owner is mailed their personal link, where they update their own details).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mentorship import intake

KINDS = {"mentor": "mentors", "mentee": "mentees"}  # the address's ?as= → the import kind
EXPIRY = timedelta(days=7)
MAX_ANSWERS = 20_000  # characters of all answers together (the store's column)

# What the public pages say, in plain words
EXPECTATIONS = (
    "A mentorship lasts at least one year, and the pair may choose to continue after that.",
    "Pairs meet every one to two months, usually by video call or phone.",
    "Mentors advise on the medical-school application, the interview process, and educational and career "
    "goals.",
    "Pairs keep a space of mutual respect and cultural humility, safe for both.",
)
DEFAULT_STATEMENT = (
    "As a mentor in this program I commit to the values of anti-racism and cultural humility: I will listen "
    "to my mentee's experience without judgement, recognise the barriers that racism places in the path of "
    "BIPOC students and physicians, keep learning about my own assumptions, and keep our conversations a "
    "safe space built on mutual respect."
)
CONSENT_NOTICE = (
    "What we keep: the answers on this form, and when you sent it. Who sees them: the program leader sees "
    "everything; the program committee sees your name and your answers about the program, but not your "
    "contact details, race/ethnicity, gender or other personal details. We use them only to pair mentors "
    "and mentees and to run the program."
)


# The mentee form's line on the yearly "Where are you now?" mail (outbox kind annual-update)
YEARLY_UPDATE = (
    "Once a year, also after your mentorship ends, the program emails you to ask where you are on the path "
    "to medical school; each of those emails has a link to stop them."
)


def consent_notice(contact_email: str, *, mail: bool, yearly_update: bool = False) -> str:
    """The consent notice, and how to see, correct or erase one's data only by the ways there are: the
    program contact when one is set, the personal link when it is mailed; neither, no promise. The yearly
    update's line (`yearly_update`, the mentee form's) only while that mail is on and mail can go."""
    notice = f"{CONSENT_NOTICE} {YEARLY_UPDATE}" if yearly_update and mail else CONSENT_NOTICE
    ways = [f"write to the program contact, {contact_email}"] if contact_email else []
    ways += ["use the personal link we email you"] if mail else []
    if not ways:
        return notice
    return f"{notice} To see, correct or erase your data, {', or '.join(ways)}."


BIPOC_WAIT = (
    "We honour a BIPOC-mentor preference wherever we can; a required preference may mean a longer wait for a "
    "mentor while we recruit one."
)
CLOSED = "Registration is closed for now."
RECEIVED = "Thank you: your registration has reached the program."
RECEIVED_MAIL = (
    "We have sent a confirmation link to the email address you gave; please follow it within 7 days."
)
RECEIVED_LEADER = "The program leader will review it and be in touch by email."
TOO_MANY = "We have received many registrations in a short time; please try again in an hour."
STATEMENT_CHANGED = "The values statement changed while you were reading it; please read it again below."
INACTIVE_LINK = "This link is not active. If you need help, please write to the program."
UNEXPECTED = "Something went wrong on our side and nothing was saved; please try again later."
EXPIRED = "This confirmation link has expired; please register again."
# To an address that is registered already (or waiting): only ever by mail to that address, never on the page
ALREADY_REGISTERED = "You are already registered with the mentorship program."
REGISTRATION_WAITING = "A registration with this email address is already waiting for your confirmation."
# A waiting registration's own link shows what confirming it would register (anyone may have sent it)
PENDING_SHOWN = (
    "Please confirm that you sent this registration. Confirming registers exactly these answers; you can "
    "change them afterwards through this link."
)
PENDING_NOT_MINE = "Not what you sent? Withdraw it instead, then send the form again."
PENDING_WITHDRAWN = "This registration is withdrawn: nothing of it was kept. You can send the form again."
ALREADY_REGISTERED_REFUSAL = (
    "This email address is registered already, so nothing was changed; the registered person can update "
    "their details through their personal link."
)


# The form's own fields and its rule set (the import's, plus consent and the attestation)
def form_columns(kind: str) -> tuple[str, ...]:
    """The template columns a person types: the registration date is the day they send it, and a mentor
    attests the values beside the statement itself."""
    return tuple(c for c in intake.TEMPLATES[kind] if c not in ("registered_on", "attests_values"))


def form_cells(kind: str, cells: dict[str, Any], *, attest: bool) -> dict[str, str]:
    """Every form column as an import cell (missing ones empty), the attestation as the import writes it."""
    out = {c: str(cells.get(c) or "") for c in form_columns(kind)}
    if kind == "mentors":
        out["attests_values"] = "yes" if attest else "no"
    return out


def validate(
    kind: str, cells: dict[str, Any], *, today: date, consent: bool, attest: bool
) -> tuple[dict[str, Any], list[str]]:
    """The values a registration would be stored with, and every problem as `column: why` — exactly an
    imported row's rules, and on top of them the form's consent and (mentors) the values attestation."""
    typed = form_cells(kind, cells, attest=attest)
    errors: list[str] = []
    if sum(len(v) for v in typed.values()) > MAX_ANSWERS:
        return {}, [f"registration: the answers are longer than {MAX_ANSWERS} characters together"]
    values, errors = intake.parse_row(kind, typed, today=today)
    if kind == "mentors" and not attest:
        errors.append("attests_values: the program asks every mentor to attest its values")
    if not consent:
        errors.append("consent: please agree to the program keeping your answers")
    return values, errors


# What the reads and writes hand back
@dataclass(frozen=True)
class FormState:
    kind: str
    open: bool
    contact_email: str
    statement_version: int
    statement: str
    yearly_update: bool = False  # the yearly "Where are you now?" mail is on (the mentee form says so)


@dataclass(frozen=True)
class LinkState:
    """What a personal link opens: a submission to confirm, or the registration it became."""

    kind: str
    signup_id: int
    pending: bool
    person_id: int | None
    person_status: str | None


@dataclass(frozen=True)
class Receipt:
    signup_id: int | None
    mailed: bool
    token: str = ""  # the personal link's token (the caller mails it; never shown on the page)

    @property
    def message(self) -> str:
        return f"{RECEIVED} {RECEIVED_MAIL if self.mailed else RECEIVED_LEADER}"
