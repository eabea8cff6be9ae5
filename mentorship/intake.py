"""Registrations in and out: form exports read as they really arrive, every row validated, an import plan.

The flow is `read` (bytes → a `Sheet`: decoding, layout, header mapping; `UnusableInput` when the file cannot
be used at all) → `plan` (every row validated against the store: created, updated, unchanged or invalid with
its reasons) → `write` (the plan's valid rows, in the caller's transaction). A dry run is `plan` alone, so it
reports exactly what the real run would do.

Why one module above 900 lines: its parts are one pipeline over one set of definitions (the templates,
the header aliases, the per-column rules) that change together; a new column touches reading, validating,
planning, writing and exporting at once, and the single-registration forms reuse the same path. Split it
when a part gains a life of its own (a new source format, say). The milestones kind shares reading and
parsing; its planning and writing (the path rules, `services.record_steps`) live in `intake_milestones`.
"""

from __future__ import annotations

import csv
import enum
import functools
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from mentorship import retention
from mentorship.errors import Refused, UnusableInput
from mentorship.formatting import FORMAT_LABELS, PREFERENCE_LABELS
from mentorship.milestones import KINDS as MILESTONE_KINDS
from mentorship.milestones import LABELS as MILESTONE_LABELS
from mentorship.models import (
    OPEN_STATUS_VALUES,
    EndReason,
    Match,
    MatchSource,
    MatchStatus,
    Meeting,
    MeetingSource,
    Mentee,
    Mentor,
    Milestone,
    PersonStatus,
    utcnow,
)
from mentorship.privacy import FORMULA_PREFIXES, spreadsheet_csv
from mentorship.values import (
    ADVISING_AREAS,
    MEETING_FORMATS,
    NAME_MAX,
    check_email,
    check_line,
    check_text,
    join_multi,
    split_identities,
    split_multi,
)

KINDS = ("mentors", "mentees", "pairs", "meetings", "milestones")
PEOPLE = {"mentors": Mentor, "mentees": Mentee}
ENTITY = {kind: kind.removesuffix("s") for kind in KINDS}  # "mentors" → "mentor"

TEMPLATES: dict[str, tuple[str, ...]] = {
    "mentors": (
        "first_name",
        "last_name",
        "email",
        "phone",
        "pronouns",
        "specialty",
        "organization",
        "career_stage",
        "identifies_bipoc",
        "race_ethnicity",
        "gender",
        "languages",
        "meeting_formats",
        "capacity",
        "advising_areas",
        "attests_values",
        "registered_on",
    ),
    "mentees": (
        "first_name",
        "last_name",
        "email",
        "phone",
        "pronouns",
        "school",
        "class_year",
        "major",
        "first_generation",
        "identifies_bipoc",
        "race_ethnicity",
        "bipoc_mentor_preference",
        "gender",
        "mentor_gender_preference",
        "specialty_interests",
        "languages",
        "meeting_formats",
        "goals",
        "registered_on",
    ),
    "pairs": ("mentor_email", "mentee_email", "confirmed_on", "ended_on", "outcome", "end_reason"),
    "meetings": ("mentor_email", "mentee_email", "met_on", "format", "duration_minutes", "notes"),
    "milestones": ("mentee_email", "milestone", "on", "school", "note"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "mentors": ("first_name", "last_name", "email", "meeting_formats", "capacity", "attests_values"),
    "mentees": ("first_name", "last_name", "email", "meeting_formats"),
    "pairs": ("mentor_email", "mentee_email", "confirmed_on", "outcome"),
    "meetings": ("mentor_email", "mentee_email", "met_on"),
    "milestones": ("mentee_email", "milestone", "on"),
}

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
PAIR_OUTCOMES = tuple(s.value for s in MatchStatus)

# A form's question text, as the header its export carries, for each template column. Header cells are
# compared after `header_key`: case, surrounding spaces and punctuation ignored, space, `_` and `-` alike.
ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first", "given_name", "preferred_first_name"),
    "last_name": ("last", "surname", "family_name"),
    "email": ("email_address", "e_mail", "e_mail_address"),
    "phone": ("phone_number", "mobile", "mobile_phone", "cell_phone"),
    "pronouns": ("your_pronouns", "preferred_pronouns"),
    "specialty": ("medical_specialty", "specialty_area"),
    "organization": ("organisation", "employer", "institution", "health_system"),
    "identifies_bipoc": ("bipoc", "identify_as_bipoc", "do_you_identify_as_bipoc"),
    "race_ethnicity": ("race", "ethnicity", "race/ethnicity", "race_and_ethnicity"),
    "languages": ("language", "languages_spoken", "languages_you_speak"),
    "meeting_formats": ("meeting_format", "preferred_meeting_formats", "meeting_preferences"),
    "capacity": ("mentee_capacity", "how_many_mentees", "number_of_mentees", "max_mentees"),
    "advising_areas": ("advising", "can_advise_on", "areas_you_can_advise_on"),
    "attests_values": ("values_attestation", "attestation", "attests"),
    "registered_on": ("registration_date", "date_registered", "registered"),
    "school": ("college", "university", "college_or_university"),
    "class_year": ("graduation_year", "expected_graduation_year", "class_of"),
    "major": ("field_of_study",),
    "first_generation": ("first_gen", "first_generation_college_student", "first_generation_student"),
    "bipoc_mentor_preference": ("bipoc_mentor", "prefer_a_bipoc_mentor"),
    "mentor_gender_preference": ("mentor_gender",),
    "specialty_interests": ("specialties_of_interest", "specialty_interest", "interests"),
    "goals": ("goals_for_mentorship", "mentorship_goals"),
    "mentor_email": ("mentor",),
    "mentee_email": ("mentee",),
    "confirmed_on": ("confirmed", "paired_on", "start_date", "started_on"),
    "ended_on": ("end_date", "ended"),
    "outcome": ("status",),
    "end_reason": ("reason", "reason_ended"),
    "met_on": ("meeting_date", "date", "met"),
    "format": ("meeting_format",),
    "duration_minutes": ("duration", "minutes"),
    "notes": ("note",),
    "milestone": ("step", "milestone_reached"),
    "on": ("date", "happened_on", "when"),
    "note": ("notes", "comment", "comments"),
}
# When a form stamped each response (Google Forms' Timestamp, Qualtrics' RecordedDate, REDCap's
# <instrument>_timestamp), that date is the registration date unless a registered_on column says otherwise.
SUBMITTED = "submitted_at"
_SUBMITTED_KEYS = ("timestamp", "recordeddate", "recorded_date")


_QUESTION = re.compile(r"^(what_is_|what_are_|please_enter_|enter_)?(your_)")


def header_key(name: str) -> str:
    key = re.sub(r"[\s_\-]+", "_", name.strip().lower())
    return re.sub(r"^[^\w/]+|[^\w/]+$", "", key)


# Reading: bytes → text → records
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def _too_large(size: str) -> UnusableInput:
    return UnusableInput(
        f"The file is {size}; an import takes at most {MAX_BYTES // 1024 // 1024} MB, "
        "so split it into smaller files."
    )


def read_file(path: str | Path) -> bytes:
    """A file's bytes for an import, reading no more than the limit (a device or a huge file is refused
    after MAX_BYTES + 1 bytes, not read whole)."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnusableInput(f"The file {path} cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > MAX_BYTES:
        raise _too_large(f"larger than {MAX_BYTES // 1024 // 1024} MB")
    return data


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in; UnusableInput when it is not a text file we can read."""
    if len(data) > MAX_BYTES:
        raise _too_large(f"{len(data) / 1024 / 1024:.1f} MB")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnusableInput(
            "The file is an Excel workbook, not CSV; in Excel choose File > Save As > CSV UTF-8 "
            "and import that."
        )
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _text_only(data.decode(codec)), name
            except UnicodeDecodeError as exc:
                raise UnusableInput(
                    f"The file is marked as {name} but is not valid {name} text; save it again as CSV UTF-8."
                ) from exc
    if b"\x00" in data[:4096]:
        if _utf16_without_bom(data[:4096]):
            raise UnusableInput(
                "The file is UTF-16 text without the mark that says so; "
                "save it again as CSV UTF-8 and import that."
            )
        raise UnusableInput("The file is not a text file; export the form's answers as CSV and import that.")
    for codec, name in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "cp1252" and _OTHER_CODE_PAGE.search(text):
            break
        return _text_only(text), name
    raise UnusableInput(
        "The file's text is neither UTF-8 nor Windows-1252; save it again as CSV UTF-8 and import that."
    )


def _utf16_without_bom(sample: bytes) -> bool:
    """Latin-script text saved as UTF-16 without a byte-order mark: a zero in every other byte."""
    sample = sample[: len(sample) // 2 * 2]
    for zeros, letters in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
        if zeros.count(0) >= 0.9 * len(zeros) and 0 not in letters:
            return True
    return False


# Latin-2 (and other ISO-8859) text decodes as Windows-1252 too, but its letters ł ś ź ż Ł Ś š ž ą come out
# as symbols touching letters ("Wa³êsa", "£ód¼"): such a file is refused rather than imported garbled.
_OTHER_CODE_PAGE = re.compile(r"(?<=[^\W\d_])[£¥¦©¬®¯±²³¶¹¼½¾]|[£¥¦©¬®¯±²³¶¹¼½¾](?=[^\W\d_])")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_only(text: str) -> str:
    if "\x00" in text or len(_CONTROL.findall(text[:65536])) > max(2, len(text[:65536]) // 1000):
        raise UnusableInput("The file is not a text file; export the form's answers as CSV and import that.")
    return text


def _delimiter(text: str) -> str:
    """Commas, unless the header line says tabs (Excel's "Unicode Text") or semicolons (some locales)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _records(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise UnusableInput(
            f"The file is not valid CSV at row {len(records) + 1} ({exc}); a quoted cell may be missing "
            "its closing quote."
        ) from exc
    return records


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


# Layout: which record is the header, which column is which
class OtherKind(UnusableInput):
    """The file lacks a column its kind needs; `fits` is the kind whose columns it has, if any."""

    def __init__(self, message: str, *, fits: str | None) -> None:
        super().__init__(message)
        self.fits = fits


def template_csv(kind: str) -> bytes:
    """The empty template of `kind` (its header row), as `data/templates/<kind>.csv` holds it."""
    return (",".join(TEMPLATES[kind]) + "\r\n").encode()


@dataclass(frozen=True)
class Sheet:
    """A file made usable: its data rows, keyed by template column, with the row a spreadsheet shows."""

    kind: str
    columns: tuple[str, ...]  # template columns found, in template order
    rows: list[tuple[int, dict[str, str]]]
    notices: tuple[str, ...]
    encoding: str
    sha256: str
    layout: str  # "csv", "Google Forms" or "Qualtrics"


def _lookup(kind: str) -> dict[str, tuple[str, int]]:
    """Normalised header → (template column, rank); rank 0 is the column's own name."""
    table: dict[str, tuple[str, int]] = {}
    for column in TEMPLATES[kind]:
        table[header_key(column)] = (column, 0)
        for alias in ALIASES.get(column, ()):
            table.setdefault(header_key(alias), (column, 1))
    if kind in PEOPLE:
        for key in _SUBMITTED_KEYS:
            table.setdefault(key, (SUBMITTED, 2))
    return table


def _map_columns(kind: str, names: list[list[str]]) -> tuple[dict[int, str], list[str]]:
    """Column index → template column (the first header row that names it wins), and the names ignored."""
    lookup = _lookup(kind)
    found: dict[int, tuple[str, int]] = {}
    width = max(len(r) for r in names)
    for index in range(width):
        for row in names:
            cell = row[index] if index < len(row) else ""
            key = header_key(cell)
            hit = lookup.get(key) or lookup.get(_QUESTION.sub("", key))
            if hit is None and kind in PEOPLE and key.endswith("_timestamp"):
                hit = (SUBMITTED, 3)
            if hit:
                found[index] = hit
                break
    chosen: dict[str, tuple[int, int]] = {}
    for index, (column, rank) in sorted(found.items()):
        if column not in chosen or rank < chosen[column][1]:
            chosen[column] = (index, rank)
    mapping = {index: column for column, (index, _) in chosen.items()}
    label = [
        next((r[i] for r in names if i < len(r) and r[i].strip()), f"column {i + 1}") for i in range(width)
    ]
    ignored = [label[i].strip() for i in range(width) if i not in mapping and label[i].strip()]
    if SUBMITTED in chosen and "registered_on" in chosen:
        ignored.append(label[chosen[SUBMITTED][0]].strip())
        del mapping[chosen[SUBMITTED][0]]
    return mapping, ignored


def _missing(kind: str, header_rows: list[list[str]]) -> list[str]:
    found = set(_map_columns(kind, header_rows)[0].values())
    return [c for c in REQUIRED[kind] if c not in found]


def read(data: bytes, kind: str) -> Sheet:
    """A form export as a `Sheet`; UnusableInput (one sentence) when the file cannot be imported at all."""
    if kind not in KINDS:
        raise UnusableInput(f"There is no {kind!r} import; choose one of {', '.join(KINDS)}.")
    if not data.strip():
        raise UnusableInput("The file is empty.")
    text, encoding = decode(data)
    records = _records(text)
    start = next((i for i, record in enumerate(records) if not _blank(record)), None)
    if start is None:
        raise UnusableInput("The file is empty.")
    qualtrics = len(records) >= start + 3 and any(
        cell.lstrip().startswith('{"ImportId"') for cell in records[start + 2]
    )
    header_rows = records[start : start + (2 if qualtrics else 1)]
    first_data = start + (3 if qualtrics else 1)
    mapping, ignored = _map_columns(kind, header_rows)
    template = f"data/templates/{kind}.csv"
    if not mapping or set(mapping.values()) == {SUBMITTED}:
        raise UnusableInput(
            "The file's first row is not a header this import recognises; "
            f"the columns are listed in {template}."
        )
    missing = _missing(kind, header_rows)
    if missing:
        fits = next((k for k in KINDS if k != kind and not _missing(k, header_rows)), None)
        hint = f" (it looks like a {ENTITY[fits]} file)" if fits else ""
        raise OtherKind(
            f"The file has no {' or '.join(missing)} column, which {kind} imports need{hint}; "
            f"the columns are listed in {template}.",
            fits=fits,
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, record in enumerate(records[first_data:], start=first_data + 1):
        if _blank(record):
            continue
        rows.append((number, {col: record[i] if i < len(record) else "" for i, col in mapping.items()}))
    if len(rows) > MAX_ROWS:
        raise UnusableInput(
            f"The file has more than {MAX_ROWS:,} rows; split it into files of at most {MAX_ROWS:,} rows."
        )
    notices = []
    if ignored:
        shown = ", ".join(f'"{name}"' for name in ignored[:8])
        more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
        plural = "s" if len(ignored) > 1 else ""
        notices.append(f"Ignored {len(ignored)} column{plural} this import does not use: {shown}{more}.")
    if SUBMITTED in mapping.values():
        notices.append("Registration dates come from the form's submission time.")
    layout = (
        "Qualtrics"
        if qualtrics
        else ("Google Forms" if header_key(header_rows[0][0]) == "timestamp" else "csv")
    )
    columns = tuple(c for c in (*TEMPLATES[kind], SUBMITTED) if c in mapping.values())
    return Sheet(
        kind=kind,
        columns=columns,
        rows=rows,
        notices=tuple(notices),
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        layout=layout,
    )


# Values: one parser per template column; each gets a non-empty, trimmed cell and raises ValueError(why)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$", re.IGNORECASE)


def parse_yes_no(cell: str) -> bool:
    value = cell.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f'"{cell}" is not yes or no')


def parse_bipoc(cell: str) -> str:
    value = " ".join(cell.lower().replace("_", " ").split())
    if value in ("prefer not to say", "undisclosed", "prefer not to answer"):
        return "undisclosed"
    try:
        return "yes" if parse_yes_no(cell) else "no"
    except ValueError:
        raise ValueError(f'"{cell}" is not yes, no or prefer not to say') from None


def parse_preference(cell: str) -> str:
    """A code (required, preferred, none) or its words on the form ("Need a BIPOC mentor")."""
    value = cell.lower()
    words = {label.lower(): code for code, label in PREFERENCE_LABELS.items()}
    if value in ("required", "preferred", "none") or value in words:
        return words.get(value, value)
    raise ValueError(f'"{cell}" is not one of required, preferred, none')


def parse_date(cell: str) -> date:
    iso, us = _ISO.match(cell), _US.match(cell)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif us:
        month, day, year = (int(g) for g in us.groups())
    else:
        raise ValueError(f'"{cell}" is not a date (write 2024-03-05 or 3/5/2024)')
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f'"{cell}" is not a real date') from None


def parse_capacity(cell: str) -> int:
    if not re.fullmatch(r"\d+", cell) or not 1 <= int(cell) <= 5:
        raise ValueError(f'"{cell}" is not a whole number from 1 to 5')
    return int(cell)


def parse_minutes(cell: str) -> int:
    if not re.fullmatch(r"\d+", cell) or not 1 <= int(cell) <= 600:
        raise ValueError(f'"{cell}" is not a number of minutes from 1 to 600')
    return int(cell)


def _choice_key(item: str) -> str:
    return " ".join(re.sub(r"[_\-]", " ", item.lower()).split())


_CHOICE_SPLIT = re.compile(r"\s*[;,\n]\s*")


def _words(labels: dict[str, str]) -> dict[str, str]:
    """A choice's words on the form ("Video call") → its code, compared as `_choice_key` compares."""
    return {_choice_key(label): code for code, label in labels.items()}


def choices(allowed: tuple[str, ...], labels: dict[str, str] | None = None) -> Callable[[str], str]:
    """A checkbox answer from `allowed` (or their words, `labels`); bare commas separate too (Qualtrics
    writes "Virtual,Phone")."""
    words = _words(labels or {})

    def parse(cell: str) -> str:
        items, wrong = [], []
        for item in filter(None, _CHOICE_SPLIT.split(cell)):
            key = _choice_key(item)
            key = words.get(key, key)
            (items if key in allowed else wrong).append(key if key in allowed else item)
        if wrong:
            verb = "is" if len(wrong) == 1 else "are"
            raise ValueError(f"{', '.join(f'{w!r}' for w in wrong)} {verb} not one of {', '.join(allowed)}")
        return join_multi(list(dict.fromkeys(items)))

    return parse


def one_of(allowed: tuple[str, ...], labels: dict[str, str] | None = None) -> Callable[[str], str]:
    """One answer from `allowed`, as its code (`other_profession`, "other profession") or its words."""
    words = {_choice_key(code): code for code in allowed} | _words(labels or {})

    def parse(cell: str) -> str:
        key = _choice_key(cell)
        key = words.get(key, key)
        if key not in allowed:
            raise ValueError(f'"{cell}" is not one of {", ".join(allowed)}')
        return key

    return parse


def parse_end_reason(cell: str) -> tuple[str, str]:
    """(reason, note): a name or a label, or `other: <note>`, read as `decide --reason` reads them (a past
    record's other may lack its note)."""
    try:
        reason, note = retention.parse_end_reason(cell, history=True)
    except UnusableInput as exc:
        message = str(exc)
        raise ValueError(message[:1].lower() + message[1:].removesuffix(".")) from None
    return reason.value, note


def parse_email(cell: str) -> str:
    try:
        return check_email(cell)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message[:1].lower() + message[1:]) from None


def multi(cell: str) -> str:
    """A multi-choice answer on one line (an import's line breaks separate its items)."""
    return check_line(join_multi(split_multi(cell)))


def identities(cell: str) -> str:
    """A self-described race/ethnicity on one line: an import's line breaks separate identities, as `;`."""
    return check_line(join_multi(split_identities(cell)))


def line(cell: str) -> str:
    """A one-line answer: a name, a phone number, a school (values.check_line)."""
    return check_line(cell)


def plain(cell: str) -> str:
    """Free text that keeps its line breaks (goals, meeting notes)."""
    return cell


@dataclass(frozen=True)
class Column:
    parse: Callable[[str], Any]
    empty: Any = ""  # the value an empty cell stands for


COLUMNS: dict[str, Column] = {
    "first_name": Column(line),
    "last_name": Column(line),
    "email": Column(parse_email),
    "phone": Column(line),
    "pronouns": Column(line),
    "specialty": Column(line),
    "organization": Column(line),
    "career_stage": Column(line),
    "identifies_bipoc": Column(parse_bipoc, "undisclosed"),
    "race_ethnicity": Column(identities),
    "gender": Column(line),
    "languages": Column(multi),
    "meeting_formats": Column(choices(MEETING_FORMATS, FORMAT_LABELS)),
    "capacity": Column(parse_capacity, None),
    "advising_areas": Column(choices(ADVISING_AREAS)),
    "attests_values": Column(parse_yes_no, None),
    "registered_on": Column(parse_date, None),
    "school": Column(line),
    "class_year": Column(line),
    "major": Column(line),
    "first_generation": Column(parse_yes_no, None),
    "bipoc_mentor_preference": Column(parse_preference, "none"),
    "mentor_gender_preference": Column(line),
    "specialty_interests": Column(multi),
    "goals": Column(plain),
    "mentor_email": Column(parse_email),
    "mentee_email": Column(parse_email),
    "confirmed_on": Column(parse_date, None),
    "ended_on": Column(parse_date, None),
    "outcome": Column(one_of(PAIR_OUTCOMES)),
    "end_reason": Column(parse_end_reason, None),
    "met_on": Column(parse_date, None),
    "format": Column(one_of(MEETING_FORMATS, FORMAT_LABELS), "virtual"),
    "duration_minutes": Column(parse_minutes, None),
    "notes": Column(plain),
    "milestone": Column(one_of(MILESTONE_KINDS, MILESTONE_LABELS)),
    "on": Column(parse_date, None),
    "note": Column(plain),
    SUBMITTED: Column(parse_date, None),
}
_TABLE_FOR = PEOPLE | {"pairs": Match, "meetings": Meeting, "milestones": Milestone}
_DATES_NOT_IN_FUTURE = ("registered_on", "confirmed_on", "ended_on", "met_on", SUBMITTED)


# Columns held shorter than the store's column allows (the store keeps older, longer values).
_SHORTER = {"first_name": NAME_MAX, "last_name": NAME_MAX}


@functools.cache
def max_length(kind: str, column: str) -> int | None:
    """The most characters a column's value may have: the store's length, or a shorter rule of ours."""
    table = _TABLE_FOR[kind].__table__
    if column not in table.c:
        return None
    stored = getattr(table.c[column].type, "length", None)
    return min(stored, _SHORTER[column]) if stored and column in _SHORTER else stored


def clean_cell(cell: str) -> str:
    """Trimmed, line breaks as \\n, and a formula neutralised by our own export (`'=...`) restored."""
    cell = cell.strip()
    if not cell.isprintable():  # line breaks, tabs or control characters: the rare, slower path
        cell = _CONTROL.sub("", cell.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_PREFIXES:
        cell = cell[1:]
    return cell


def parse_row(kind: str, cells: dict[str, str], *, today: date) -> tuple[dict[str, Any], list[str]]:
    """One row's values as the store keeps them, and every reason it cannot be imported ("column: why")."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    required = REQUIRED[kind]
    for column, raw in cells.items():
        cell = clean_cell(raw)
        spec = COLUMNS[column]
        if not cell:
            if column in required:
                errors.append(f"{column}: is required")
            values[column] = spec.empty
            continue
        try:
            value = spec.parse(check_text(cell))
        except ValueError as exc:
            errors.append(f"{column}: {exc}")
            continue
        limit = max_length(kind, column)
        if limit and isinstance(value, str) and len(value) > limit:
            errors.append(f"{column}: is longer than {limit} characters")
            continue
        if column in _DATES_NOT_IN_FUTURE and value > today:
            errors.append(f"{column}: {value.isoformat()} is in the future")
            continue
        values[column] = value
    if kind not in PEOPLE:
        for column in TEMPLATES[kind]:
            if column not in cells:
                values[column] = COLUMNS[column].empty
    submitted = values.pop(SUBMITTED, None)
    if kind in PEOPLE and values.get("registered_on") is None and submitted is not None:
        values["registered_on"] = submitted
    if kind == "pairs":
        errors += _pair_rules(values, today)
    return values, errors


def _pair_rules(values: dict[str, Any], today: date) -> list[str]:
    errors = []
    values["end_reason"], values["end_note"] = values.get("end_reason") or (None, "")
    if len(values["end_note"]) > (limit := max_length("pairs", "end_note")):
        errors.append(f"end_reason: the note is longer than {limit} characters")
    outcome, ended_on, confirmed_on = (
        values.get("outcome"),
        values.get("ended_on"),
        values.get("confirmed_on"),
    )
    if outcome is None:
        return errors
    closed = outcome in (MatchStatus.completed, MatchStatus.ended)
    if closed and ended_on is None:
        errors.append(f"ended_on: is required when the outcome is {outcome}")
    if not closed and ended_on is not None:
        errors.append(f"ended_on: must be empty while the pair is {outcome}")
    if not closed and values.get("end_reason"):
        errors.append(f"end_reason: must be empty while the pair is {outcome}")
    if ended_on and confirmed_on and ended_on < confirmed_on:
        errors.append(f"ended_on: {ended_on.isoformat()} is before confirmed_on")
    if outcome == MatchStatus.completed and not values.get("end_reason"):
        values["end_reason"] = EndReason.completed_year.value
    if outcome == MatchStatus.continued and confirmed_on:
        opens = confirmed_on + timedelta(days=retention.ONE_YEAR_DAYS - retention.DECISION_WINDOW_DAYS)
        if today < opens:
            errors.append(
                f"outcome: a pair can continue from {opens.isoformat()}, 30 days before its one-year mark"
            )
    return errors


def _decided_on(values: dict[str, Any], today: date) -> date | None:
    """When an imported pair made its one-year decision, as `decide` would have recorded it: a completed pair
    when it ended; a continuing one at its one-year mark (today, when that is still ahead)."""
    if values["outcome"] == MatchStatus.completed:
        return values["ended_on"]
    if values["outcome"] == MatchStatus.continued:
        return min(values["confirmed_on"] + timedelta(days=retention.ONE_YEAR_DAYS), today)
    return None


# The plan: what an import would do, row by row
CREATE, UPDATE, UNCHANGED, INVALID = "created", "updated", "unchanged", "invalid"


@dataclass
class RowPlan:
    row: int
    action: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    target_id: int | None = None  # the record this row updates (or, for a meeting, its pair)
    changes: tuple[str, ...] = ()  # the columns an update changes


@dataclass
class ImportPlan:
    sheet: Sheet
    rows: list[RowPlan]
    written: bool = False  # set by the import once its transaction has committed
    batch: str = ""

    @property
    def kind(self) -> str:
        return self.sheet.kind

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def to_write(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)

    def invalid(self) -> list[dict]:
        return [{"row": r.row, "errors": r.errors} for r in self.rows if r.action == INVALID]

    def report(self) -> dict:
        """The import's outcome, in the shape `import --json` prints."""
        return {
            "kind": self.kind,
            "rows": len(self.rows),
            "created": self.count(CREATE),
            "updated": self.count(UPDATE),
            "unchanged": self.count(UNCHANGED),
            "invalid": self.invalid(),
            "written": self.written,
        }

    def preview(self) -> pd.DataFrame:
        """One line per row with what the import does to it (no personal data beyond what the file holds)."""
        cells = dict(self.sheet.rows)  # the file's own text, for a row whose email did not parse
        lines = [
            {
                "row": r.row,
                "action": r.action,
                "who": _label(
                    self.kind, {**cells.get(r.row, {}), **{k: v for k, v in r.values.items() if v}}
                ),
                "details": "; ".join(r.errors) if r.errors else ", ".join(r.changes),
            }
            for r in self.rows
        ]
        return pd.DataFrame(lines, columns=["row", "action", "who", "details"])


def _label(kind: str, values: dict[str, Any]) -> str:
    if kind in PEOPLE:
        name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        return f"{name} <{values['email']}>" if values.get("email") else name
    if kind == "milestones":
        on = values.get("on")
        return f"{values.get('mentee_email') or '?'}: {values.get('milestone') or '?'} {on or ''}".strip()
    mentor, mentee = values.get("mentor_email") or "?", values.get("mentee_email") or "?"
    return f"{mentor} – {mentee}"


def _chunks(items: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_email(session: Session, table, emails: Iterable[str], columns) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for chunk in _chunks(sorted(set(emails))):
        for row in session.execute(sa.select(*columns).where(table.email.in_(chunk))).mappings():
            found[row["email"]] = dict(row)
    return found


def _open_counts(session: Session) -> dict[int, int]:
    statement = (
        sa.select(Match.mentor_id, sa.func.count())
        .where(Match.status.in_(OPEN_STATUS_VALUES))
        .group_by(Match.mentor_id)
    )
    return dict(session.execute(statement).all())


def plan(session: Session, sheet: Sheet, *, today: date) -> ImportPlan:
    """What importing `sheet` into the store would do; reads only, so a dry run is exactly this."""
    parsed = [(number, *parse_row(sheet.kind, cells, today=today)) for number, cells in sheet.rows]
    if sheet.kind == "milestones":
        # Imported when used: that module writes through `services`, whose registrations import this one.
        from mentorship import intake_milestones

        return ImportPlan(sheet=sheet, rows=intake_milestones.plan(session, parsed, today=today))
    planner = (
        _plan_people if sheet.kind in PEOPLE else _plan_pairs if sheet.kind == "pairs" else _plan_meetings
    )
    return ImportPlan(sheet=sheet, rows=planner(session, sheet, parsed))


def _plan_people(session: Session, sheet: Sheet, parsed: list) -> list[RowPlan]:
    table = PEOPLE[sheet.kind]
    existing = _by_email(
        session,
        table,
        (v["email"] for _, v, _ in parsed if v.get("email")),
        [table.id, *_person_columns(table)],
    )
    open_counts = _open_counts(session) if sheet.kind == "mentors" else {}
    seen: dict[str, int] = {}
    out: list[RowPlan] = []
    for number, values, errors in parsed:
        email = values.get("email")
        if email and (earlier := _earlier_row(seen, email, number)):
            errors.append(f"email: the same person is already in row {earlier}")
        current = existing.get(email) if email else None
        if current and values.get("capacity"):
            errors += _capacity_rule(values["capacity"], open_counts.get(current["id"], 0))
        if errors:
            out.append(RowPlan(number, INVALID, values, errors))
            continue
        if current is None:
            out.append(RowPlan(number, CREATE, values))
            continue
        if values.get("registered_on") is None:
            values.pop("registered_on", None)  # an existing person keeps the date they registered
        changes = tuple(c for c, v in values.items() if current[c] != v)
        out.append(RowPlan(number, UPDATE if changes else UNCHANGED, values, [], current["id"], changes))
    return out


def _earlier_row(seen: dict, key, row: int) -> int | None:
    """The row of this file that already had `key` (a person, a pair, a meeting); else remember this one."""
    if key in seen:
        return seen[key]
    seen[key] = row
    return None


def _capacity_rule(capacity: int, open_pairs: int) -> list[str]:
    if capacity < open_pairs:
        return [f"capacity: {capacity} is below the mentor's {open_pairs} open pairs"]
    return []


def _person_columns(table) -> list:
    return [table.__table__.c[c] for c in TEMPLATES[table.__tablename__]]


def _people_ids(session: Session, table, emails: Iterable[str]) -> dict[str, dict]:
    columns = [table.id, table.email] + ([Mentor.capacity] if table is Mentor else [])
    return _by_email(session, table, emails, columns)


def _resolve_people(session: Session, parsed: list) -> tuple[dict[str, dict], dict[str, dict]]:
    mentors = _people_ids(session, Mentor, (v["mentor_email"] for _, v, _ in parsed if v.get("mentor_email")))
    mentees = _people_ids(session, Mentee, (v["mentee_email"] for _, v, _ in parsed if v.get("mentee_email")))
    for _, values, errors in parsed:
        if values.get("mentor_email") and values["mentor_email"] not in mentors:
            errors.append("mentor_email: no mentor with this email is registered")
        if values.get("mentee_email") and values["mentee_email"] not in mentees:
            errors.append("mentee_email: no mentee with this email is registered")
    return mentors, mentees


def _existing_matches(session: Session) -> list[dict]:
    statement = sa.select(
        Match.id,
        Match.mentor_id,
        Match.mentee_id,
        Match.status,
        Match.confirmed_on,
        Match.ended_on,
        Match.end_reason,
        Match.end_note,
    )
    return [dict(row) for row in session.execute(statement).mappings()]


_OPEN = frozenset(OPEN_STATUS_VALUES)


def _plan_pairs(session: Session, sheet: Sheet, parsed: list) -> list[RowPlan]:
    mentors, mentees = _resolve_people(session, parsed)
    matches = _existing_matches(session)
    by_key = {(m["mentor_id"], m["mentee_id"], m["confirmed_on"]): m for m in matches}
    seen: dict[tuple, int] = {}
    out: list[RowPlan] = []
    for number, values, errors in parsed:
        key = None
        if not errors:
            mentor_id, mentee_id = (
                mentors[values["mentor_email"]]["id"],
                mentees[values["mentee_email"]]["id"],
            )
            key = (mentor_id, mentee_id, values["confirmed_on"])
            if earlier := _earlier_row(seen, key, number):
                errors.append(f"confirmed_on: the same pair and date are already in row {earlier}")
        if errors:
            out.append(RowPlan(number, INVALID, values, errors))
            continue
        values |= {"mentor_id": key[0], "mentee_id": key[1]}
        current = by_key.get(key)
        wanted = {
            "status": values["outcome"],
            "ended_on": values["ended_on"],
            "end_reason": values["end_reason"],
            "end_note": values["end_note"],
        }
        if current is None:
            out.append(RowPlan(number, CREATE, values))
            continue
        changes = tuple(c for c, v in wanted.items() if current[c] != v)
        out.append(RowPlan(number, UPDATE if changes else UNCHANGED, values, [], current["id"], changes))
    _check_open_pairs(out, matches, {m["id"]: m["capacity"] for m in mentors.values()})
    return out


def _check_open_pairs(rows: list[RowPlan], matches: list[dict], capacity: dict[int, int]) -> None:
    """The store's rules, applied to the file as a whole: one open pair per mentee, mentors within capacity.

    Rows that close a pair take effect first (as `write` orders them), then open rows in file order; a row
    that would break a rule becomes invalid, exactly as the database would refuse it.
    """
    closing = {r.target_id for r in rows if r.action == UPDATE and r.values["outcome"] not in _OPEN}
    open_now = [m for m in matches if m["status"] in _OPEN and m["id"] not in closing]
    open_ids = {m["id"] for m in open_now}
    mentees_open = {m["mentee_id"] for m in open_now}
    mentor_load = Counter(m["mentor_id"] for m in open_now)
    for r in rows:
        if r.action not in (CREATE, UPDATE) or r.values["outcome"] not in _OPEN or r.target_id in open_ids:
            continue  # closed, or already open (an update of its details, not a new open pair)
        mentor_id, mentee_id = r.values["mentor_id"], r.values["mentee_id"]
        if mentee_id in mentees_open:
            r.action, r.errors = INVALID, [MENTEE_HAS_OPEN_PAIR]
        elif mentor_load[mentor_id] >= capacity[mentor_id]:
            r.action, r.errors = INVALID, [_at_capacity(capacity[mentor_id])]
        else:
            mentees_open.add(mentee_id)
            mentor_load[mentor_id] += 1


MENTEE_HAS_OPEN_PAIR = "outcome: the mentee already has an open pair (a mentee has one at a time)"


def _at_capacity(capacity: int | None) -> str:
    of = f" ({capacity})" if capacity is not None else ""
    return f"outcome: the mentor's capacity{of} is already taken by open pairs"


def _plan_meetings(session: Session, sheet: Sheet, parsed: list) -> list[RowPlan]:
    mentors, mentees = _resolve_people(session, parsed)
    pairs: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for m in sorted(_existing_matches(session), key=lambda m: m["confirmed_on"]):
        pairs[(m["mentor_id"], m["mentee_id"])].append(m)
    existing = {(row[0], row[1]) for row in session.execute(sa.select(Meeting.match_id, Meeting.met_on))}
    seen: dict[tuple, int] = {}
    out: list[RowPlan] = []
    for number, values, errors in parsed:
        match = None
        if not errors:
            group = pairs.get(
                (mentors[values["mentor_email"]]["id"], mentees[values["mentee_email"]]["id"]), []
            )
            match, why = _pair_on(group, values["met_on"])
            if why:
                errors.append(why)
        if not errors:
            key = (match["id"], values["met_on"])
            if earlier := _earlier_row(seen, key, number):
                errors.append(f"met_on: this pair's meeting on this day is already in row {earlier}")
        if errors:
            out.append(RowPlan(number, INVALID, values, errors))
            continue
        action = UNCHANGED if (match["id"], values["met_on"]) in existing else CREATE
        out.append(RowPlan(number, action, values, [], match["id"]))
    return out


def _pair_on(group: list[dict], met_on: date) -> tuple[dict | None, str]:
    """The pair (of these two people) a meeting on `met_on` belongs to, or why there is none."""
    if not group:
        return None, "mentee_email: these two people have never been paired"
    started = [m for m in group if m["confirmed_on"] <= met_on]
    if not started:
        return None, f"met_on: is before the pair was confirmed ({group[0]['confirmed_on'].isoformat()})"
    match = started[-1]
    if match["ended_on"] and met_on > match["ended_on"]:
        return None, f"met_on: is after the pair ended ({match['ended_on'].isoformat()})"
    return match, ""


# Writing the plan, in the caller's transaction
Progress = Callable[[float], None]


def write(session: Session, plan_: ImportPlan, *, today: date, progress: Progress | None = None) -> None:
    """Write the plan's created and updated rows; invalid and unchanged rows are left alone."""
    steps = _Steps(plan_.to_write, progress)
    if plan_.kind == "milestones":
        from mentorship import intake_milestones  # as in `plan`

        intake_milestones.write(session, plan_, steps)
    else:
        writer = {"pairs": _write_pairs, "meetings": _write_meetings}.get(plan_.kind, _write_people)
        writer(session, plan_, today, steps)
    steps.done()


class _Steps:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.progress, self.count = max(total, 1), progress, 0

    def advance(self, n: int) -> None:
        self.count += n
        if self.progress:
            self.progress(min(1.0, self.count / self.total))

    def done(self) -> None:
        if self.progress:
            self.progress(1.0)


def _new_person(kind: str, values: dict[str, Any], today: date, now) -> dict[str, Any]:
    row = {c: COLUMNS[c].empty for c in TEMPLATES[kind]}
    row |= {k: v for k, v in values.items() if k in row}
    row["registered_on"] = row["registered_on"] or today
    return row | {"status": PersonStatus.active.value, "created_at": now, "updated_at": now}


def _write_people(session: Session, plan_: ImportPlan, today: date, steps: _Steps) -> None:
    table, now = PEOPLE[plan_.kind], utcnow()
    created = [_new_person(plan_.kind, r.values, today, now) for r in plan_.rows if r.action == CREATE]
    for chunk in _chunks(created, 1000):
        session.execute(sa.insert(table), chunk)
        steps.advance(len(chunk))
    updates: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for r in plan_.rows:
        if r.action == UPDATE:
            changed = {c: r.values[c] for c in r.changes}
            updates[tuple(sorted(changed))].append({"id": r.target_id, **changed, "updated_at": now})
    for group in updates.values():
        for chunk in _chunks(group, 1000):
            session.execute(sa.update(table), chunk)
            steps.advance(len(chunk))


def _write_pairs(session: Session, plan_: ImportPlan, today: date, steps: _Steps) -> None:
    now = utcnow()
    todo = [r for r in plan_.rows if r.action in (CREATE, UPDATE)]
    # Closing rows first, so a mentor's capacity and a mentee's one open pair are counted as the plan did.
    todo.sort(key=lambda r: r.values["outcome"] in _OPEN)
    for r in todo:
        if r.values["outcome"] in _OPEN:
            # The database has the last word on capacity and open pairs (on PostgreSQL another session may
            # have confirmed a pair since the plan was made): a refused row becomes invalid, not a crash.
            try:
                with session.begin_nested():
                    _write_pair(session, r, now, today)
            except sa.exc.IntegrityError as exc:
                r.action = INVALID
                r.errors = [_at_capacity(None) if "capacity" in str(exc.orig) else MENTEE_HAS_OPEN_PAIR]
        else:
            _write_pair(session, r, now, today)
        steps.advance(1)


def _write_pair(session: Session, r: RowPlan, now, today: date) -> None:
    v = r.values
    fields_ = {
        "status": v["outcome"],
        "ended_on": v["ended_on"],
        "end_reason": v["end_reason"],
        "end_note": v["end_note"],
        "decided_on": _decided_on(v, today),
        "updated_at": now,
    }
    if r.action == UPDATE:
        session.execute(sa.update(Match).where(Match.id == r.target_id).values(**fields_))
    else:
        session.execute(
            sa.insert(Match).values(
                mentor_id=v["mentor_id"],
                mentee_id=v["mentee_id"],
                confirmed_on=v["confirmed_on"],
                source=MatchSource.imported.value,
                confirmed_at=now,
                reasons="[]",
                **fields_,
            )
        )


def _write_meetings(session: Session, plan_: ImportPlan, today: date, steps: _Steps) -> None:
    now = utcnow()
    rows = [
        {
            "match_id": r.target_id,
            "met_on": r.values["met_on"],
            "format": r.values.get("format") or "virtual",
            "duration_minutes": r.values.get("duration_minutes"),
            "notes": r.values.get("notes") or "",
            "source": MeetingSource.imported.value,
            "created_at": now,
        }
        for r in plan_.rows
        if r.action == CREATE
    ]
    for chunk in _chunks(rows, 1000):
        session.execute(sa.insert(Meeting), chunk)
        steps.advance(len(chunk))


# One registration at a time (the page's add and edit forms), through the same rules as an import
class InvalidRegistration(Refused):
    """A registration typed into a form that breaks the import's rules; `errors` as an import reports them."""

    def __init__(self, errors: list[str]) -> None:
        problems = f"{len(errors)} problem{'s' if len(errors) > 1 else ''}"
        super().__init__(
            f"The registration was not saved: {'; '.join(errors)}.", audit=f"invalid: {problems}"
        )
        self.errors = errors


def sheet_of(kind: str, cells: dict[str, str]) -> Sheet:
    """One form's answers as a one-row sheet, so they go through exactly what an imported row does."""
    known = {c: str(v) for c, v in cells.items() if c in TEMPLATES[kind]}
    columns = tuple(c for c in TEMPLATES[kind] if c in known)
    return Sheet(
        kind=kind, columns=columns, rows=[(1, known)], notices=(), encoding="", sha256="", layout="form"
    )


def _person(session: Session, kind: str, person_id_: int) -> dict:
    table = PEOPLE[kind]
    row = (
        session.execute(
            sa.select(table.id, table.status, *_person_columns(table)).where(table.id == person_id_)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise Refused(f"That {ENTITY[kind]} is no longer registered.")
    return dict(row)


def update_person(
    session: Session, kind: str, person_id_: int, cells: dict[str, str], *, today: date
) -> tuple[str, ...]:
    """Edit one registration in the caller's transaction; InvalidRegistration lists every problem."""
    table, current = PEOPLE[kind], _person(session, kind, person_id_)
    values, errors = parse_row(kind, sheet_of(kind, cells).rows[0][1], today=today)
    email = values.get("email")
    if email and email != current["email"]:
        if session.execute(sa.select(table.id).where(table.email == email)).first():
            errors.append(f"email: another {ENTITY[kind]} is already registered with this email")
    if kind == "mentors" and values.get("capacity"):
        errors += _capacity_rule(values["capacity"], _open_counts(session).get(person_id_, 0))
    if errors:
        raise InvalidRegistration(errors)
    if values.get("registered_on") is None:
        values.pop("registered_on", None)
    changes = tuple(c for c, v in values.items() if current[c] != v)
    if changes:
        session.execute(
            sa.update(table)
            .where(table.id == person_id_)
            .values(**{c: values[c] for c in changes}, updated_at=utcnow())
        )
    return changes


def open_pair_count(session: Session, kind: str, person_id_: int) -> int:
    """How many open pairs this mentor or mentee is in (a withdrawal waits until they have ended)."""
    column = Match.mentor_id if kind == "mentors" else Match.mentee_id
    return session.execute(
        sa.select(sa.func.count()).where(column == person_id_, Match.status.in_(_OPEN))
    ).scalar_one()


def set_status(session: Session, kind: str, person_id_: int, status: str) -> str:
    """Set active, paused or withdrawn; returns the previous status."""
    if status not in {s.value for s in PersonStatus}:
        raise Refused("The status must be active, paused or withdrawn.")
    table, current = PEOPLE[kind], _person(session, kind, person_id_)
    if status == PersonStatus.withdrawn:
        if open_pairs := open_pair_count(session, kind, person_id_):
            them = "it" if open_pairs == 1 else "them"
            raise Refused(
                f"This {ENTITY[kind]} still has {open_pairs} open pair{'s' if open_pairs > 1 else ''}; "
                f"end {them} on the Retention page (End a pair) before withdrawing the registration."
            )
    session.execute(sa.update(table).where(table.id == person_id_).values(status=status, updated_at=utcnow()))
    return str(current["status"].value if isinstance(current["status"], enum.Enum) else current["status"])


# Export: the template's columns, UTF-8 with a BOM (Excel opens it), formulas neutralised
def export_cell(value: Any) -> str:
    """A stored value as the import reads it back: yes/no, ISO dates, plain numbers, empty for unknown."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value.value if isinstance(value, enum.Enum) else value)


def to_csv(df: pd.DataFrame) -> bytes:
    """A CSV file Excel opens as UTF-8; every cell text, any formula neutralised with a leading `'`.

    A pair's `end_note` (when the frame still has it: not in a committee's copy) goes into its `end_reason`
    cell as `other: <note>`, the way the import reads it back.
    """
    if "end_note" in df.columns:
        reasons = [
            f"{export_cell(reason)}: {note}" if note else reason
            for reason, note in zip(df["end_reason"], df["end_note"], strict=True)
        ]
        df = df.drop(columns="end_note").assign(end_reason=pd.Series(reasons, index=df.index, dtype=object))
    return spreadsheet_csv(df.astype(object).map(export_cell) if len(df) else df)
