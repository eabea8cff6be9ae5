"""Small value rules shared by intake, the demo and the pages: emails and multi-choice cells."""

from __future__ import annotations

import re

MULTI_SEPARATOR = "; "
_SPLIT = re.compile(r"\s*;\s*|\s*,\s+|\s*\n\s*")


def normalise_email(email: str) -> str:
    """The identity of a person: trimmed and lower-cased."""
    return email.strip().lower()


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
