"""The program's vocabulary and small value rules shared by intake, matching, the demo and the pages:
meeting formats and advising areas, emails, multi-choice cells and self-described identities."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

# The program's vocabulary, one home for each list (intake validates against them, pages offer them).
MEETING_FORMATS = ("virtual", "phone", "in person")
ADVISING_AREAS = ("application", "interviews", "career")

MULTI_SEPARATOR = "; "
# `;` and line breaks always separate; `, ` does outside brackets ("Spanish (Mexican, Caribbean)" is one).
_SPLIT = re.compile(r"\s*[;\n]\s*|\s*,\s+(?![^()]*\))")
_IDENTITY_SPLIT = re.compile(r"\s*[;\n]\s*")
# Embedding, override and isolate controls: they make a name display reversed in tables and mail drafts.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_REFUSAL = "contains a text-direction control character, which would make it display out of order"


def check_text(text: str) -> str:
    """Any text a person types or imports, or ValueError (BIDI_REFUSAL) when it holds a direction control."""
    if _BIDI_CONTROLS.search(text):
        raise ValueError(BIDI_REFUSAL)
    return text


# One line of text (a name, a phone number, a school): what a mail or a table shows on one line, so it can
# neither start a paragraph of its own nor carry a link. Free text (goals, notes) keeps its line breaks.
NAME_MAX = 60  # characters of a first or last name ("Maria de los Angeles", hyphenated family names fit)
ONE_LINE_REFUSAL = "must be one line, without line breaks, tabs or other control characters"
ADDRESS_REFUSAL = "must not contain a web or email address"
_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.|[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE)


@functools.cache
def _linkify():
    """linkify-it with every top-level domain in the Public Suffix List's ICANN section (a mail program
    links `scholarship.ninja` as readily as `claim-now.com`) and addresses by number (`203.0.113.7/x`)."""
    from linkify_it import LinkifyIt  # here: only a typed or imported line needs it
    from publicsuffixlist import PSLFILE

    icann = (
        Path(PSLFILE)
        .read_text(encoding="utf-8")
        .split("===BEGIN ICANN DOMAINS===")[1]
        .split("===END ICANN DOMAINS===")[0]
    )
    tlds = [
        line
        for line in map(str.strip, icann.splitlines())
        if line and line[0] not in "/*!" and "." not in line
    ]
    return LinkifyIt(options={"fuzzy_ip": True}).tlds(tlds, True)


def check_line(text: str) -> str:
    """One line a person types or imports, or ValueError in one phrase: no line break, tab or other control
    character (a direction control as check_text), and no web or email address — a scheme (`http://`),
    `www.`, `name@domain.tld`, or a bare domain a mail program would turn into a link (`claim-now.com/x`,
    `bit.ly`); a name or an organisation with dots and spaces ("St. John", "Jr.", "Mayo Clinic") is none."""
    check_text(text)
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        raise ValueError(ONE_LINE_REFUSAL)
    # As a mail program reads it: compatibility forms folded (a full-width dot is a dot) and invisible
    # format characters (a zero-width space after `claim-now.com` hid it from the test) left out.
    seen = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    if _ADDRESS.search(seen) or _linkify().test(seen):
        raise ValueError(ADDRESS_REFUSAL)
    return text


def normalise_email(email: str) -> str:
    """The identity of a person: trimmed and lower-cased."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised email, or ValueError with a sentence saying what is wrong (no DNS lookup)."""
    from email_validator import EmailNotValidError, validate_email  # here: most commands never check one

    candidate = normalise_email(email)
    if not candidate:
        raise ValueError("An email address is required.")
    try:
        validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"Not a valid email address: {exc}") from None
    return candidate


def split_multi(cell: str | None) -> list[str]:
    """A multi-choice cell (languages, meeting formats, specialty interests, advising areas) as its items:
    `;`, line break or `, ` separated, as form exports write checkboxes; a comma inside brackets is kept."""
    return _distinct(_SPLIT.split(cell.strip())) if cell else []


def split_identities(text: str | None) -> list[str]:
    """A self-described race/ethnicity as the identities it names, split at `;` and line breaks only.

    It is free text, not a checkbox list: a comma belongs to the person's own words ("Black, African
    American", "Asian (Hmong, Lao)"), and the pairing engine should not claim two people share an
    identity from a fragment of how one of them put it."""
    return _distinct(_IDENTITY_SPLIT.split(text.strip())) if text else []


def _distinct(parts: list[str]) -> list[str]:
    items: list[str] = []
    seen: set[str] = set()
    for item in parts:
        item = item.strip()
        if item and item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return items


def join_multi(items: list[str] | tuple[str, ...]) -> str:
    return MULTI_SEPARATOR.join(items)
