"""Small value rules shared by intake, the demo and the pages: emails and multi-choice cells."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

MULTI_SEPARATOR = "; "
_SPLIT = re.compile(r"\s*;\s*|\s*,\s+|\s*\n\s*")


def normalise_email(email: str) -> str:
    """The identity of a person: trimmed and lower-cased."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised email, or ValueError with a sentence saying what is wrong (no DNS lookup)."""
    candidate = normalise_email(email)
    if not candidate:
        raise ValueError("An email address is required.")
    try:
        validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"Not a valid email address: {exc}") from None
    return candidate


def split_multi(cell: str | None) -> list[str]:
    """A multi-choice cell as its items: `;` or `, ` separated (how form exports write checkboxes)."""
    if not cell:
        return []
    items: list[str] = []
    seen: set[str] = set()
    for item in _SPLIT.split(cell.strip()):
        item = item.strip()
        if item and item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return items


def join_multi(items: list[str] | tuple[str, ...]) -> str:
    return MULTI_SEPARATOR.join(items)
