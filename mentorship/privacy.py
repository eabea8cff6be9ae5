"""What each role may see: the one layer that masks, withholds and suppresses small cells.

Every read that feeds a page or a CLI command (`queries.*_view`) passes what it returns through here, and
nothing else in the package compares roles, except the services' own permission checks. The leader sees
everything; committee members get masked contacts, no individual demographics or free text, no pair
scores, no figure resting on fewer than 5 pairs, and figures on sensitive attributes as of a release point
(`snapshot`), never live.

Hiding a column in the browser is not enough (hidden columns still reach it): frames are cut down here,
on the server, before any page builds a table from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from mentorship import clock
from mentorship.matching import COMPONENT_BY_KEY, Reason, RecruitmentGap, reason_component
from mentorship.models import Role
from mentorship.retention import CURVE_COLUMNS, ONE_YEAR_DAYS, GroupFigures, Requests

# Individual demographics and free text: never sent to a committee page or export. Languages and
# first-generation status are here too: "speaks Somali" says as much about a person as their ethnicity.
SENSITIVE_COLUMNS = frozenset(
    {
        "languages",
        "first_generation",
        "race_ethnicity",
        "gender",
        "pronouns",
        "identifies_bipoc",
        "bipoc_mentor_preference",
        "mentor_gender_preference",
        "goals",
        "notes",
        "note",
        "end_note",
    }
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The downloads a committee account may make: the registrations, as the Registrations page shows them.
# The pair and meeting histories are the leader's: a pair's dates, outcome and end reason, or its
# meetings, joined with the names on the registrations tell why a named student's pair ended, and counted
# they give back every figure the Retention page withholds ("fewer than 5": a cohort, a usual format, a
# reason). A mentee's milestones are individual facts (who matriculated where).
COMMITTEE_EXPORTS = ("mentors", "mentees")
HISTORY_IS_THE_LEADERS = (
    "The pair, meeting and milestone histories are for the program leader; the Retention and Outcomes pages "
    "show what they add up to."
)


def may_export(kind: str, role: Role | str) -> bool:
    return Role(role) == Role.leader or kind in COMMITTEE_EXPORTS


def sees_everything(role: Role | str) -> bool:
    """The leader sees every figure, contact and reason; every other role sees what this module leaves."""
    return Role(role) == Role.leader


def mask_email(email: str) -> str:
    """`jane.doe@umn.edu` → `j***@umn.edu`."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """`612-555-1234` → `***-***-1234`: the last four digits only."""
    digits = re.sub(r"\D", "", phone or "")
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else ("***" if phone else "")


def _is_contact(column: str, kind: str) -> bool:
    return column == kind or column.endswith(f"_{kind}")


def viewer_frame(frame: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """The frame as `role` may see it: unchanged for the leader; masked and cut for the committee."""
    if sees_everything(role):
        return frame
    out = frame.drop(columns=[c for c in frame.columns if c in SENSITIVE_COLUMNS])
    for column in out.columns:
        if _is_contact(column, "email"):
            out[column] = out[column].map(mask_email)
        elif _is_contact(column, "phone"):
            out[column] = out[column].map(mask_phone)
    return out


def leader_only(frame: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """Accounts and the audit trail: the whole frame for the leader, no rows for anyone else."""
    return frame if sees_everything(role) else frame.iloc[:0]


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix `'` to any text cell a spreadsheet would run as a formula (for CSV exports)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def spreadsheet_csv(frame: pd.DataFrame) -> bytes:
    """A CSV file Excel opens as UTF-8 (byte-order mark, CRLF), with every formula neutralised."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --- Pairing ---
def reasons_for_role(reasons: Iterable[Reason | str], role: Role | str) -> list[str]:
    """The reason sentences a viewer may read.

    Committee members see no individual demographics: reasons that reveal someone's race/ethnicity,
    gender or languages ("Both speak Somali" says as much as an ethnicity) are left out for them, as is
    any sentence the engine does not recognise (stored reasons may come from elsewhere). The leader sees
    every reason.
    """
    everything = sees_everything(role)
    shown = []
    for reason in reasons:
        text = reason.text if isinstance(reason, Reason) else str(reason)
        if everything:
            shown.append(text)
            continue
        key = reason.component if isinstance(reason, Reason) else reason_component(text)
        if key is not None and not COMPONENT_BY_KEY[key].sensitive:
            shown.append(text)
    return shown


def sees_scores(role: Role | str) -> bool:
    """Only the leader sees pair scores.

    A score adds up every component, the sensitive ones too: with the weights (which everyone may read)
    it gives away the reasons `reasons_for_role` withholds (8 points or more: the student asked for a
    BIPOC mentor and this one identifies as BIPOC). A score counted from the other components only
    would not match the order pairs were chosen in nor the leader's figure for the same pair, and the
    committee already reads those components as reasons: so the committee gets no score at all, and
    no list in score order either (the order would tell the same story).
    """
    return sees_everything(role)


def pairs_for_role(pairs: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """Suggested or confirmed pairs (columns `reasons` and `score`) as `role` may read them: the
    reasons cut by `reasons_for_role`, no score unless `sees_scores`, contacts as `viewer_frame` leaves
    them."""
    out = pairs.assign(reasons=[reasons_for_role(r, role) for r in pairs["reasons"]])
    return viewer_frame(out if sees_scores(role) else out.drop(columns=["score"]), role)


def suggested_pairs(pairs: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """`matching.pairs_frame` as `role` may read it (`pairs_for_role`). The leader's has the scores, best
    first; the committee's has none and lists the pairs by mentee and mentor."""
    out = pairs_for_role(pairs, role)
    if sees_scores(role):
        return out
    return out.sort_values(["mentee", "mentor", "mentee_id", "mentor_id"], ignore_index=True)


def unmatched(frame: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """`matching.unmatched_frame` as `role` may read it: the leader reads why in full, the committee the
    same words whether or not a student requires a BIPOC mentor (`Unplaced.public_reason`)."""
    reason = frame["reason"] if sees_everything(role) else frame["public_reason"]
    return viewer_frame(frame.drop(columns="public_reason").assign(reason=reason), role)


@dataclass(frozen=True)
class GapView:
    """The recruitment gap as one viewer may read it (`gap_for_role`)."""

    figures: dict[str, int]
    sentences: list[str]
    table: pd.DataFrame  # which kinds of mentor place; empty for the committee
    detail: RecruitmentGap | None = None  # the whole gap (`suggest --json`): the leader only


def gap_for_role(gap: RecruitmentGap, role: Role | str) -> GapView:
    """The leader reads the whole gap; the committee the places the unmatched students need, nothing of
    which kind, and nothing of the BIPOC-mentor requests.

    Beside the named unmatched students, a count of places needing a BIPOC-identifying mentor, a meeting
    format or a language points at someone ("speaks Somali (1)" next to the one student left unmatched).
    So does the part of the gap for students suggested a mentor who does not identify as BIPOC although
    they asked for one: beside the named suggestions, it moves by one when a named student registers or
    is suggested another mentor (the same leak as a live "requests met", see the release points below).
    """
    if sees_everything(role):
        figures = {
            "More mentor places needed": gap.places_needed,
            "Of them BIPOC-identifying": gap.bipoc_places_needed,
            "Unmatched students": gap.unmatched,
        }
        return GapView(figures, gap.sentences(), gap.table(), gap)
    figures = {"More mentor places needed": gap.unmatched}
    places = f"{gap.unmatched} more mentor place{'' if gap.unmatched == 1 else 's'}"
    sentences = [
        f"{places} would match every waiting student."
        if gap.unmatched
        else "Every waiting student is matched.",
        "How many more places would give every student who asked for a BIPOC mentor one, and which kinds "
        "of mentor (BIPOC-identifying, a meeting format, a language) would close the gap, is for the leader: "
        "with few students waiting, it would point at the students themselves.",
    ]
    return GapView(figures, sentences, pd.DataFrame())


# --- Retention ---
MIN_GROUP_PAIRS = 5
FEWER_THAN_5 = "fewer than 5"

# What the committee may see
# A figure on fewer than 5 pairs reads "fewer than 5". That alone is not enough where the viewer also sees
# the total and the other groups: a lone hidden count is the total minus the rest (99 pairs, 59 and 39 shown:
# the hidden group has 1). So, in each breakdown, the next-smallest group is withheld as well, and the next,
# until the sum of the hidden counts (which the viewer can still work out) pins none of them to one value.
# Everything resting on a withheld group reads "withheld": its pairs, rates, median and curve (a group's rates
# and curve give its counts away: the pairs that reached a year are the completion rate times its base).
WITHHELD = "withheld"
UNBOUNDED = float("inf")

Range = tuple[float, float]  # what the viewer knows of a hidden count: it lies in low..high
Cell = tuple[
    str | None, Range | None
]  # (what a count reads as instead, None when shown; its range if hidden)


def hidden(pairs: int, role: Role | str) -> bool:
    """A figure resting on fewer than 5 pairs is hidden from the committee (it could point at a person)."""
    return not sees_everything(role) and pairs < MIN_GROUP_PAIRS


def for_role(value, pairs: int, role: Role | str):
    """The value, or "fewer than 5" when the viewer may not see a figure resting on `pairs`."""
    return FEWER_THAN_5 if hidden(pairs, role) else value


def overall_mask(overall: GroupFigures, role: Role | str) -> GroupMask:
    """The headline figures as `role` may see them: each resting on fewer than 5 pairs reads "fewer than 5"
    (its median with the pairs). Nothing is shown beside them to subtract from, so nothing is withheld."""
    counts = (overall.pairs, overall.one_year_completion.pairs, overall.continuation.pairs)
    return GroupMask(*(for_role(None, n, role) for n in counts))


def pinned(counts: list[int], ranges: list[Range]) -> bool:
    """Whether the sum of these hidden counts, with the range known of each, gives any one of them away."""
    total = sum(counts)
    for i, (low, high) in enumerate(ranges):
        others = ranges[:i] + ranges[i + 1 :]
        least = max(low, total - sum(h for _, h in others))
        most = min(high, total - sum(lo for lo, _ in others))
        if least >= most:
            return True
    return False


def _gives_away(counts: list[int], cells: list[Cell]) -> bool:
    held = [i for i, (label, _) in enumerate(cells) if label is not None]
    return bool(held) and pinned([counts[i] for i in held], [cells[i][1] for i in held])


def mask_counts(counts: list[int], total: int, role: Role | str) -> list[str | None]:
    """What each count of a breakdown (closed pairs by end reason) reads as for `role`: None where shown,
    "fewer than 5", or "withheld" (the smallest of the others, until the hidden ones cannot be worked out)."""
    if sees_everything(role):
        return [None] * len(counts)
    cells: list[Cell] = [
        (FEWER_THAN_5, (1, MIN_GROUP_PAIRS - 1)) if n < MIN_GROUP_PAIRS else (None, None) for n in counts
    ]
    while not hidden(total, role) and _gives_away(counts, cells):
        shown = [i for i, (label, _) in enumerate(cells) if label is None]
        if not shown:
            break
        cells[min(shown, key=counts.__getitem__)] = (WITHHELD, (MIN_GROUP_PAIRS, UNBOUNDED))
    return [label for label, _ in cells]


def mask_breakdown(counts: list[int], role: Role | str) -> list[str | None]:
    """`mask_counts` for a breakdown whose total is shown beside it (the year's report), where a count of 0
    is shown as it is: it points at nobody, and taken for a hidden 1 to 4 it would make the rule withhold
    every other count."""
    nonzero = [n for n in counts if n]
    labels = iter(mask_counts(nonzero, sum(nonzero), role))
    return [next(labels) if n else None for n in counts]


def count_for_role(n: int, role: Role | str) -> str:
    """A count as `role` may read it: the number (0 included: it points at nobody), or "fewer than 5"."""
    return FEWER_THAN_5 if 0 < n and hidden(n, role) else str(n)


@dataclass(frozen=True)
class GroupMask:
    """What a viewer may see of one group: None where a figure is shown, else what it reads instead."""

    pairs: str | None = None  # also the group's median and curve
    one_year_completion: str | None = None
    continuation: str | None = None


def _group_cells(g: GroupFigures, withheld: bool) -> list[Cell]:
    """The group's pairs, completion base and continuation base as the committee sees them."""
    if withheld:
        return [
            (WITHHELD, (MIN_GROUP_PAIRS, UNBOUNDED)),
            (WITHHELD, (0, UNBOUNDED)),
            (WITHHELD, (0, UNBOUNDED)),
        ]
    if g.pairs < MIN_GROUP_PAIRS:
        small = (FEWER_THAN_5, (0, MIN_GROUP_PAIRS - 1))
        return [(FEWER_THAN_5, (1, MIN_GROUP_PAIRS - 1)), small, small]
    cells: list[Cell] = [(None, None)]
    bound = (
        g.pairs
    )  # a pair confirmed a year ago is one of the group's; one that reached a year, one of those
    for rate in (g.one_year_completion, g.continuation):
        if rate.pairs < MIN_GROUP_PAIRS:
            bound = min(MIN_GROUP_PAIRS - 1, bound)
            cells.append((FEWER_THAN_5, (0, bound)))
        else:
            bound = rate.pairs
            cells.append((None, None))
    return cells


def group_masks(groups: list[GroupFigures], overall: GroupFigures, role: Role | str) -> list[GroupMask]:
    """What `role` may see of each group of a breakdown (cohort, concordance, format) of `overall`.

    The groups' pairs, and each rate's base, add up to the overall figures at the top of the page; while any
    of those sums gives a hidden count away, the smallest group still shown is withheld whole.
    """
    if sees_everything(role):
        return [GroupMask() for _ in groups]
    totals = [overall.pairs, overall.one_year_completion.pairs, overall.continuation.pairs]
    counts = [[g.pairs, g.one_year_completion.pairs, g.continuation.pairs] for g in groups]
    withheld: set[int] = set()
    while True:
        cells = [_group_cells(g, i in withheld) for i, g in enumerate(groups)]
        given_away = [
            c
            for c, total in enumerate(totals)
            if not hidden(total, role) and _gives_away([n[c] for n in counts], [cell[c] for cell in cells])
        ]
        shown = [i for i, cell in enumerate(cells) if cell[0][0] is None]
        if not given_away or not shown:
            break
        c = given_away[0]  # withhold the group with the smallest count shown in that column
        withheld.add(min(shown, key=lambda i: (cells[i][c][0] is not None, counts[i][c], counts[i][0])))
    return [GroupMask(*(label for label, _ in cell)) for cell in cells]


def visible_curves(groups: list[GroupFigures], masks: list[GroupMask] | None = None) -> pd.DataFrame:
    """The survival curves of the groups whose pairs are shown (`masks`, default all), long form."""
    masks = masks or [GroupMask()] * len(groups)
    parts = [
        g.curve.assign(group=g.group)
        for g, m in zip(groups, masks, strict=True)
        if m.pairs is None and len(g.curve)
    ]
    if not parts:
        return pd.DataFrame(columns=["group", *CURVE_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["group", *CURVE_COLUMNS]]


def visible_reasons(reasons: pd.DataFrame, role: Role | str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Why pairs ended, as `role` may see it: the rows shown, the reasons of fewer than 5 pairs, the withheld.

    The total of closed pairs is known (the pairs ever confirmed less the Overview's active pairs), so the
    reasons are masked together (`mask_counts`).
    """
    counts = [int(n) for n in reasons["pairs"]]
    labels = mask_counts(counts, sum(counts), role)
    shown = reasons[[label is None for label in labels]].reset_index(drop=True)
    few = [r for r, label in zip(reasons["reason"], labels, strict=True) if label == FEWER_THAN_5]
    withheld = [r for r, label in zip(reasons["reason"], labels, strict=True) if label == WITHHELD]
    return shown, few, withheld


def visible_counts(
    counts: pd.DataFrame, role: Role | str, *, label: str, count: str
) -> tuple[pd.DataFrame, list]:
    """Split rows of counts into those the viewer may see and the labels of those hidden (fewer than 5).

    For counts with no total shown beside them (mentee outcomes by cohort and stage), where subtraction
    gives nothing away.
    """
    mask = np.array([hidden(int(n), role) for n in counts[count]], dtype=bool)
    return counts[~mask].reset_index(drop=True), list(counts.loc[mask, label])


def sees_outbox(role: Role | str) -> bool:
    """The outbox holds contacts and whole messages: the leader's alone, never a committee member's."""
    return sees_everything(role)


def sees_survey_answers(role: Role | str) -> bool:
    """One person's survey answers (and whose they are): the leader's alone; the committee sees aggregates."""
    return sees_everything(role)


# --- Cadence ---
def sees_nudges(role: Role | str) -> bool:
    """The pairs to nudge (a contact list) and the pairs' requests to be contacted (concerns, with their
    notes) are the leader's: the leader is the one who reaches out."""
    return sees_everything(role)


# --- Sensitive figures: the committee's stand still between release points ---
# A committee member sees each pair appear (Pairings, Cadence) and leave (Cadence) by name. A figure on a
# sensitive attribute (race and BIPOC preference, gender, end reasons, and what is counted from them) that
# moved on the day a named pair did would tell that pair's attribute: "Schedules" 10 → 11 as a pair leaves
# Cadence. So the committee reads those figures as of a release point, never live:
# - the release points are month ends: the end of the first closed month by which, since the previous
#   release point (or since the first pair), every kind of event that moves the family's figures has
#   happened either not at all or at least 5 times, and some kind has;
# - the events are dated by what the committee sees anyway (a pair confirmed, ended, reaching its one-year
#   mark, deciding to continue), so when a release comes says nothing of anyone's attributes, and counting
#   each kind apart means a change shown is always spread over 5 or more events of the kind that moves it;
#   a confirmation or an end counts from the day it was recorded if that is later (`seen_by`);
# - the figures are computed from the pairs as they stood at the end of that day (`retention.as_of`), and
#   the small-cell rules above apply on top.
# Stateless and deterministic: every viewer, every server, computes the same day from the store's dates.
# Not also rounded to base 5: with releases of 5 or more events a lone event no longer shows, and rounding a
# small program's counts would misstate its rates ("13 of 14" would read "15 of 15", every request met)
# while a count crossing a multiple of 5 would still move with one event.
# The leader's figures stay live.
MIN_CONTRIBUTIONS = 5
NOT_RELEASED = "not shown yet"
# The kinds of event that move each family of sensitive figures the committee reads (`pair_events`).
SENSITIVE_FAMILIES = {
    "requests": ("confirmed", "ended"),  # Overview: BIPOC-mentor requests met (in open pairs)
    "reasons": ("ended",),  # Retention: why pairs ended
    "concordance": ("confirmed", "ended", "one_year", "continued"),  # Retention: by BIPOC-mentor request
}
_FAMILY_WORDS = {
    "feedback": "survey responses",
    "requests": "pairs confirmed or ended",
    "reasons": "pairs ended",
    "concordance": "pairs confirmed, ended, reaching their one-year mark or deciding to continue",
    "outcomes": ("milestones recorded, pairs confirmed, pairs ended and pairs reaching their one-year mark"),
}

_SENSITIVE_LEAD = "Figures on people's identity and on why pairs end"
_FAMILY_LEADS = {
    "feedback": "The survey figures",
    "outcomes": "The outcomes (registrations, pairs and milestones as they stood that day)",
}
_FAMILY_ONE = {"feedback": "person's answers", "outcomes": "student"}


def seen_by(pairs: pd.DataFrame, today: date, role: Role | str) -> pd.DataFrame:
    """The pairs' history (`queries.pair_history`) as `role` counts it: unchanged for the leader; for anyone
    else with `confirmed_seen` and `ended_seen`, the days a confirmation and an end could first have been
    seen: the later of the day it took effect and the day it was recorded (`confirmed_at`; `updated_at`,
    an ended pair's last write being its end), never after today. An end recorded today as of a past day,
    or a history imported today, so waits for the next release point instead of changing an old one."""
    if sees_everything(role):
        return pairs
    last = pd.Timestamp(today)

    def recorded(column: str) -> pd.Series:
        return clock.days_of(pairs[column]).clip(upper=last)

    confirmed, ended = pd.to_datetime(pairs["confirmed_on"]), pd.to_datetime(pairs["ended_on"])
    return pairs.assign(
        confirmed_seen=np.maximum(confirmed, recorded("confirmed_at").fillna(confirmed)),
        ended_seen=ended.where(ended.isna(), np.maximum(ended, recorded("updated_at").fillna(ended))),
    )


def pair_events(pairs: pd.DataFrame) -> dict[str, pd.Series]:
    """The dated events of the pairs' history (`confirmed_on`, `ended_on`, `decided_on`; `confirmed_seen`
    and `ended_seen` instead when given, `seen_by`), by kind: each pair's confirmation and one-year mark,
    its end, and a decision to continue (a decision to complete or end is the end itself)."""
    confirmed = pd.to_datetime(pairs["confirmed_seen" if "confirmed_seen" in pairs else "confirmed_on"])
    ended = pd.to_datetime(pairs["ended_seen" if "ended_seen" in pairs else "ended_on"])
    decided = pd.to_datetime(pairs["decided_on"])
    return {
        "confirmed": confirmed,
        "ended": ended.dropna(),
        "one_year": pd.to_datetime(pairs["confirmed_on"]) + pd.Timedelta(days=ONE_YEAR_DAYS),
        "continued": decided[decided.notna() & (decided != pd.to_datetime(pairs["ended_on"]))],
    }


def last_closed_month_end(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def release_point(kinds: Iterable[pd.Series], today: date) -> date | None:
    """The latest release point on or before the end of the last closed month (see above): a month end by
    which every kind of event in `kinds` (dates) has happened 0 or at least 5 times since the previous one,
    some kind at least once. None before the first."""
    closed = pd.Timestamp(last_closed_month_end(today))
    counted = []
    for kind in kinds:
        dated = isinstance(kind, pd.Series) and pd.api.types.is_datetime64_any_dtype(kind)
        days = pd.to_datetime(kind if dated else pd.Series(kind, dtype=object)).dropna()
        days = days[days <= closed]
        counted.append((days.dt.year * 12 + days.dt.month - 1).value_counts())  # months since year 0
    table = pd.DataFrame(dict(enumerate(counted))).fillna(0).sort_index()
    released, since = None, np.zeros(table.shape[1], dtype=np.int64)
    for month, counts in zip(table.index, table.to_numpy(np.int64), strict=True):
        since += counts
        if since.any() and ((since == 0) | (since >= MIN_CONTRIBUTIONS)).all():
            following = int(month) + 1  # the first of the next month, less a day
            released = date(following // 12, following % 12 + 1, 1) - timedelta(days=1)
            since = np.zeros_like(since)
    return released


@dataclass(frozen=True)
class Snapshot:
    """As of when a viewer reads one family of sensitive figures (`snapshot`)."""

    family: str
    day: date | None  # None: no release point yet, nothing of the family is shown
    live: bool = False  # the leader's: as of today

    def caption(self) -> str | None:
        """What the committee is told beside the figures; nothing for the leader."""
        if self.live:
            return None
        rule = (
            f"{_FAMILY_LEADS.get(self.family, _SENSITIVE_LEAD)} move only at the end of a month by which at "
            f"least {MIN_CONTRIBUTIONS} more {_FAMILY_WORDS[self.family]} (of each kind that happened) have "
            f"accumulated, so that none of them follows one {_FAMILY_ONE.get(self.family, 'pair')} you can "
            "name."
        )
        if self.day is None:
            return f"Not shown yet. {rule}"
        return f"As of {self.day:%-d %B %Y}. {rule}"


def snapshot(pairs: pd.DataFrame, family: str, today: date, role: Role | str) -> Snapshot:
    """As of when `role` reads `family`'s figures: today for the leader, the latest release point (computed
    from the dates in `pairs`, as `seen_by` the role, see above) for anyone else."""
    if sees_everything(role):
        return Snapshot(family, today, live=True)
    events = pair_events(pairs)
    return Snapshot(family, release_point([events[k] for k in SENSITIVE_FAMILIES[family]], today))


def requests_for_role(requests: Requests, role: Role | str) -> str | None:
    """What "BIPOC-mentor requests met" reads instead for `role`, or None when it is shown: "fewer than 5"
    on fewer than 5 requests, and the unmet ones not counted when fewer than 5 (one student who asked and
    did not get a BIPOC mentor, among pairs the committee can name)."""
    if hidden(requests.asked, role):
        return FEWER_THAN_5
    unmet = requests.asked - requests.met
    if 0 < unmet and hidden(unmet, role):
        return f"{requests.asked} asked, {FEWER_THAN_5} not met"
    return None


# --- Feedback: what mentors and mentees answer in the surveys ---
# The committee reads aggregates only: no free text and no single response (`sees_survey_answers`: the
# leader's alone, with the responses needing attention); no figure on fewer than 5 responses; a comparison
# between groups only where every group has 5 or more (`feedback.compare`, for every viewer). And the
# figures stand still between release points, as the figures on sensitive attributes do: a committee
# member can know that a named mentee answered yesterday (she said so; her pair's mid-year mark was last
# week), and a live share that moved overnight would tell her answer. The events are the responses, by
# moment and by role (a response counts from the day it was last changed), so every change shown is spread
# over 5 or more responses of the kind that moved it. What this does not stop: a response changed after a
# release point leaves the figures as of that point (it counts from its new day), so the figures then move
# by one response until the next release.
FEEDBACK_MOMENTS = ("start", "mid", "year")
FEEDBACK_ROLES = ("mentor", "mentee")


def feedback_snapshot(responses: pd.DataFrame, today: date, role: Role | str) -> Snapshot:
    """As of when `role` reads the survey figures: today for the leader; for anyone else the latest month
    end by which, since the previous one, the responses (`moment`, `role`, `submitted_on`: the day each was
    last changed) of each moment and role number 0 or at least 5, some at least 1 (`release_point`)."""
    if sees_everything(role):
        return Snapshot("feedback", today, live=True)
    days = pd.to_datetime(responses["submitted_on"]) if len(responses) else pd.Series(dtype="datetime64[ns]")
    kinds = [
        days[(responses["moment"] == moment) & (responses["role"] == who)] if len(responses) else days
        for moment in FEEDBACK_MOMENTS
        for who in FEEDBACK_ROLES
    ]
    return Snapshot("feedback", release_point(kinds, today))


def visible_shares(shares: pd.DataFrame, role: Role | str) -> tuple[pd.DataFrame, list[str]]:
    """The statements' shares (`feedback.SHARE_COLUMNS`, one group each) the viewer may see, and the
    questions of fewer than 5 responses (named, not counted, for the committee)."""
    return visible_counts(shares, role, label="question", count="responses")


def visible_rates(rates: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """Response rates (`feedback.response_rates`) as `role` may see them: for the committee a moment and role
    with fewer than 5 responses has no `answered` nor `rate` (None) and `note` "fewer than 5"."""
    out = rates.astype({"answered": object, "rate": object}).assign(note=None)
    small = np.array([hidden(int(n), role) for n in rates["answered"]], dtype=bool)
    out.loc[small, ["answered", "rate"]] = None
    out.loc[small, "note"] = FEWER_THAN_5
    return out


def hidden_recommendation(responses: int, role: Role | str) -> bool:
    """The recommendation score on fewer than 5 answers is hidden from the committee."""
    return hidden(responses, role)


# --- Outcomes: each mentee's path to medical school (`milestones`) ---
# A milestone is personal (a committee member may know that a named student was accepted yesterday: she said
# so), and so are the comparisons' groups (a student's BIPOC-mentor request and her mentor's identity). The
# committee reads the whole Outcomes page as of one release point (`outcomes_snapshot`): the registrations,
# pairs and milestones as they stood at the end of that day. The events it waits for, each kind apart:
# - the milestones, by the day each was recorded (not the day it happened: a step recorded today as of last
#   year waits for the next release instead of changing an old one), all kinds of milestone together: each
#   release spreads the change over 5 or more recorded steps, so the step of one student a member can name
#   is among at least 4 others. (One kind of event per milestone kind held the page back for years: a
#   single "chose another health profession" waited for four more before anything else was shown.)
# - the pairs confirmed, ended and reaching their one-year mark (as `seen_by` the committee), which move who
#   was paired and mentored a year, and the concordance comparison's groups.
# Registrations are not waited for: a new registration adds one registered mentee of no known status to its
# year, which the Registrations page shows the committee by name anyway. What this does not stop: a
# milestone removed, or a mentee erased, takes their steps out of the figures as of every release point.
# On top: no count on fewer than 5 (with the smallest other year withheld where the "All years" row would
# give a hidden one back, `mask_counts`), and, for every viewer, a comparison group's share only on 5 or
# more mentees of known status (a share on 3 students is noise, and points at people).
OUTCOME_PAIR_EVENTS = ("confirmed", "ended", "one_year")
MIN_COMPARED_MENTEES = 5
ALL_YEARS = "All years"


def outcomes_snapshot(
    milestones: pd.DataFrame, pairs: pd.DataFrame, today: date, role: Role | str
) -> Snapshot:
    """As of when `role` reads the outcomes: today for the leader; for anyone else the latest release point
    (`release_point`) over the milestones (`recorded_at`) by the day recorded, all kinds of milestone as one
    kind of event, and the pairs' confirmations, ends and one-year marks (`pairs` as for `seen_by`)."""
    if sees_everything(role):
        return Snapshot("outcomes", today, live=True)
    recorded = clock.days_of(milestones["recorded_at"])  # the program's day each was recorded
    events = pair_events(seen_by(pairs, today, role))
    return Snapshot("outcomes", release_point([recorded, *(events[k] for k in OUTCOME_PAIR_EVENTS)], today))


def visible_cohorts(cohorts: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """The funnel by registration year (`milestones.cohorts`) with an "All years" row last, as `role` may
    read it: `year` as text, and each count as an int, or "fewer than 5" / "withheld" for the committee.
    Each column is masked with the "All years" figure as its total (`mask_counts`): a year's hidden count is
    not the total less the years shown."""
    columns = [c for c in cohorts.columns if c != "year"]
    total = {c: int(cohorts[c].sum()) for c in columns}
    rows = {"year": [str(int(y)) for y in cohorts["year"]] + [ALL_YEARS]}
    for column in columns:
        counts = [int(n) for n in cohorts[column]]
        labels = mask_counts(counts, total[column], role)
        rows[column] = [n if label is None else label for n, label in zip(counts, labels, strict=True)]
        rows[column].append(for_role(total[column], total[column], role))
    return pd.DataFrame(rows, columns=["year", *columns]).astype(object)


def visible_comparisons(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparisons' rows (`milestones.COMPARISON_COLUMNS`) whose group has at least 5 mentees of known
    status, for every viewer, and the (comparison, group) pairs left out."""
    enough = (table["known"] >= MIN_COMPARED_MENTEES).to_numpy()
    few = table.loc[~enough, ["comparison", "group"]].drop_duplicates(ignore_index=True)
    return table[enough].reset_index(drop=True), few
