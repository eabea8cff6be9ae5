"""Surveys: each person of a pair is asked, in plain words, at three moments of the mentorship. Pure: no
store, no services — reads live in `mentorship.queries`, writes in `mentorship.services.surveys`.

The moments (`MOMENTS`): "start" 30 days after the pair is confirmed, "mid" at six months, "year" at the
one-year mark (or when the pair ends earlier). Each question has a stable key (the feedback figures read
answers by it); the leader may reword a question, which makes a new version of the moment's wording, and
each answer keeps the version it answered. A person answers once per moment and may change their answers
until the survey closes, 30 days after it was first sent.

Answers are kept as JSON, key -> value: "yes"/"no" (and "unsure" for `continue`), an integer for a scale,
free text as typed (trimmed), and None for "Prefer not to say" or a question left blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mentorship.errors import UnusableInput

MOMENTS = ("start", "mid", "year")
MOMENT_LABELS = {"start": "Getting started", "mid": "Mid-year", "year": "One year"}
# The outbox kind that sends each moment's survey, and back
KIND_OF_MOMENT = {"start": "survey-start", "mid": "survey-mid", "year": "survey-year"}
MOMENT_OF_KIND = {kind: moment for moment, kind in KIND_OF_MOMENT.items()}
ROLES = ("mentor", "mentee")

START_AFTER_DAYS = 30
MID_AFTER_MONTHS = 6
YEAR_AFTER_DAYS = 365  # retention.ONE_YEAR_DAYS
OPEN_FOR = timedelta(days=30)  # a survey closes 30 days after it was first sent
REMIND_AFTER = timedelta(days=7)  # one reminder, when no answer came within a week

PREFER_NOT = "Prefer not to say"
MAX_TEXT = 2000  # characters of one free-text answer
MAX_WORDING = 500  # characters of one question's wording

# Kinds of question: what can be answered
YES_NO = "yes_no"  # yes / no
YES_NO_UNSURE = "yes_no_unsure"  # yes / no / not sure
AGREE = "agree"  # 1 (disagree) .. 5 (agree)
USEFUL = "useful"  # 1 (not useful) .. 5 (very useful)
VALUE = "value"  # 1 (not valuable) .. 5 (very valuable)
RECOMMEND = "recommend"  # 0 .. 10
TEXT = "text"  # free text, optional

SCALES: dict[str, dict[Any, str]] = {
    YES_NO: {"yes": "Yes", "no": "No"},
    YES_NO_UNSURE: {"yes": "Yes", "no": "No", "unsure": "Not sure yet"},
    AGREE: {1: "1 – Disagree", 2: "2", 3: "3", 4: "4", 5: "5 – Agree"},
    USEFUL: {1: "1 – Not useful", 2: "2", 3: "3", 4: "4", 5: "5 – Very useful"},
    VALUE: {1: "1 – Not valuable", 2: "2", 3: "3", 4: "4", 5: "5 – Very valuable"},
    RECOMMEND: {
        n: ("0 – Not at all likely" if n == 0 else "10 – Very likely" if n == 10 else str(n))
        for n in range(11)
    },
}

# A 1 or 2 on these, or "contact me", asks the leader to reach out (Cadence → "Asked to hear from you")
CONCERN_KEYS = ("respect", "safe_space")
LOW = (1, 2)
CONTACT_ME = "contact_me"


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    roles: tuple[str, ...] = ROLES  # who is asked
    ended_only: bool = False  # asked only of a pair that has ended


QUESTIONS: dict[str, tuple[Question, ...]] = {
    "start": (
        Question("met", YES_NO),
        Question("agreed_rhythm", YES_NO),
        Question("obstacles", TEXT),
    ),
    "mid": (
        Question("respect", AGREE),
        Question("safe_space", AGREE),
        Question("curious", AGREE, roles=("mentee",)),
        Question("learned", AGREE, roles=("mentor",)),
        Question("useful_application", USEFUL),
        Question("useful_interviews", USEFUL),
        Question("useful_goals", USEFUL),
        Question("comments", TEXT),
    ),
    "year": (
        Question("overall", VALUE),
        Question("recommend", RECOMMEND),
        Question("continue", YES_NO_UNSURE),
        Question("helped", TEXT),
        Question("change", TEXT),
        Question("why_ended", TEXT, ended_only=True),
    ),
}
# Moments that offer "I would like the program leader to contact me"
CONTACT_MOMENTS = ("mid",)

# Version 1 of each moment's wording (written for this program). "intro" opens the page; every other key is
# a question's, and `contact_me` the contact box's.
DEFAULT_QUESTIONS: dict[str, dict[str, str]] = {
    "start": {
        "intro": "You have been paired for about a month. Three short questions on how it is going.",
        "met": "Have the two of you met yet, in person, by video or by phone?",
        "agreed_rhythm": "Have you agreed how you will meet and how often?",
        "obstacles": "Is anything getting in the way? (optional)",
    },
    "mid": {
        "intro": "You are about halfway through the year. Tell us how the mentorship feels to you.",
        "respect": "I am treated with respect in this mentorship.",
        "safe_space": "I can be myself in our conversations.",
        "curious": "My mentor is curious about my experience and background, and does not make assumptions.",
        "learned": "I have learned something about my mentee's experience that I did not know before.",
        "useful_application": "How useful has the mentorship been for the medical-school application?",
        "useful_interviews": "How useful has it been for interviews?",
        "useful_goals": "How useful has it been for education and career goals?",
        "comments": "Anything else you would like the program to know? (optional)",
        "contact_me": "I would like the program leader to contact me.",
    },
    "year": {
        "intro": "Looking back on your mentorship, a few last questions.",
        "overall": "Overall, how valuable has this mentorship been to you?",
        "recommend": "How likely are you to recommend the program to someone in your place?",
        "continue": "Do you intend to keep meeting after this year?",
        "helped": "What helped most? (optional)",
        "change": "What should the program change? (optional)",
        "why_ended": "Your mentorship has ended. In your own words, why? (optional)",
    },
}
PRIVACY_NOTE = (
    "Only the program leader reads your answers. The other person in your pair never sees them; the "
    "committee sees only totals of five or more answers, never your words."
)
CLOSED = "This survey link is not valid or the survey has closed."
SAVED = "Thank you. Your answers are saved; you can change them with this link until {closes}."


def questions_for(moment: str, role: str, *, ended: bool) -> tuple[Question, ...]:
    """The questions this person is asked at this moment."""
    return tuple(q for q in QUESTIONS[moment] if role in q.roles and (ended or not q.ended_only))


def due_on(moment: str, confirmed_on: date) -> date:
    """The day a moment's survey is due for a pair confirmed on `confirmed_on` (the year survey also goes
    out when the pair ends before then)."""
    if moment == "start":
        return confirmed_on + timedelta(days=START_AFTER_DAYS)
    if moment == "mid":
        month = confirmed_on.month - 1 + MID_AFTER_MONTHS
        year, month = confirmed_on.year + month // 12, month % 12 + 1
        for day in (confirmed_on.day, 30, 29, 28):  # the 31st of August is the last of February's month
            try:
                return date(year, month, day)
            except ValueError:
                continue
    if moment == "year":
        return confirmed_on + timedelta(days=YEAR_AFTER_DAYS)
    raise ValueError(f"no such moment: {moment}")


def is_open(closes_at: datetime | None, now: datetime) -> bool:
    return closes_at is not None and now < closes_at


def check_wording(moment: str, words: dict[str, Any]) -> dict[str, str]:
    """A new wording for a moment: every key of the default, each in one to MAX_WORDING characters;
    UnusableInput in one sentence otherwise."""
    if moment not in MOMENTS:
        raise UnusableInput(f"There is no survey moment called {moment!r}.")
    checked = {}
    for key in DEFAULT_QUESTIONS[moment]:
        text = " ".join(str(words.get(key) or "").split())
        if not text:
            raise UnusableInput("Every question needs its wording.")
        if len(text) > MAX_WORDING:
            raise UnusableInput(f"A question's wording is at most {MAX_WORDING} characters.")
        checked[key] = text
    return checked


def check_answers(moment: str, role: str, raw: dict[str, Any], *, ended: bool) -> tuple[dict[str, Any], bool]:
    """The answers as kept (key -> value or None) and whether the contact box was ticked; UnusableInput in
    one sentence when an answer is not one the question offers. Unasked keys are dropped."""
    answers: dict[str, Any] = {}
    for q in questions_for(moment, role, ended=ended):
        value = raw.get(q.key)
        if value in (None, "", PREFER_NOT):
            answers[q.key] = None
        elif q.kind == TEXT:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                raise UnusableInput(f"An answer in your own words is at most {MAX_TEXT} characters.")
            answers[q.key] = text or None
        else:
            options = SCALES[q.kind]
            if isinstance(next(iter(options)), int):
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise UnusableInput("One of the answers is not one of its choices.") from None
            if value not in options:
                raise UnusableInput("One of the answers is not one of its choices.")
            answers[q.key] = value
    contact = bool(raw.get(CONTACT_ME)) and moment in CONTACT_MOMENTS
    return answers, contact


def raises_concern(answers: dict[str, Any], contact_me: bool) -> bool:
    """A 1 or 2 on respect or safety, or the contact box: the leader is asked to reach out."""
    return contact_me or any(answers.get(key) in LOW for key in CONCERN_KEYS)


def concern_note(moment: str, role: str, answers: dict[str, Any], contact_me: bool) -> str:
    """The concern's one line for the leader: what was answered, never the free text."""
    parts = [f"{answer_label(key)} {answers[key]} of 5" for key in CONCERN_KEYS if answers.get(key) in LOW]
    if contact_me:
        parts.append("asked to be contacted")
    return f"{MOMENT_LABELS[moment]} survey, the {role}: " + "; ".join(parts) + "."


ANSWER_LABELS = {
    "met": "Have met",
    "agreed_rhythm": "Agreed how often to meet",
    "obstacles": "In the way",
    "respect": "Respect",
    "safe_space": "Safe space",
    "curious": "Mentor curious",
    "learned": "Learned about mentee",
    "useful_application": "Useful: application",
    "useful_interviews": "Useful: interviews",
    "useful_goals": "Useful: goals",
    "comments": "Comments",
    "overall": "Overall value",
    "recommend": "Would recommend (0–10)",
    "continue": "Intends to continue",
    "helped": "Helped most",
    "change": "Should change",
    "why_ended": "Why it ended",
    "contact_me": "Asked to be contacted",
}


def answer_label(key: str) -> str:
    return ANSWER_LABELS.get(key, key)


def answer_text(key: str, value: Any) -> str:
    """An answer in words, for the leader's view of a response."""
    if value is None:
        return "—"
    for q in (q for qs in QUESTIONS.values() for q in qs):
        if q.key == key and q.kind != TEXT:
            return SCALES[q.kind].get(value, str(value))
    return str(value)
