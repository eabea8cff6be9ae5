"""Pairing: who may be paired, how well, and the best pairing of a whole cohort.

Pure: a `Cohort` of pandas frames in, dataclasses out (no database, no streamlit).

- Hard rules decide who may be paired at all; a pair that breaks one is never suggested.
- A pair's score is a sum of weighted components (`settings.MatchWeights`), each explained by one sentence.
  Scores are kept as whole milli-points, so the optimum, its ties and the tests are exact.
- `suggest` finds the assignment that first places the most mentees and then has the largest total score,
  and proves it: `assignment.assign` solves it on the score tables of `_Encoded`, knowing nothing of
  mentors, and returns the dual prices that certify it optimal over every allowed pair.

Why one module above 900 lines: the rules, the score components and the sentences that explain them are read
off one encoding of the cohort (`_Encoded`), and a new component touches all three at once; the solver,
which knows nothing of people, lives apart in `assignment.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from mentorship import assignment
from mentorship.settings import MatchWeights
from mentorship.values import ADVISING_AREAS, split_identities, split_multi

# Columns the engine reads (the loader in queries.py provides them; extra columns are ignored).
MENTOR_COLUMNS = (
    "mentor_id",
    "status",
    "attests_values",
    "capacity",
    "open_matches",
    "identifies_bipoc",
    "gender",
    "languages",
    "meeting_formats",
    "specialty",
    "advising_areas",
    "race_ethnicity",
)
MENTEE_COLUMNS = (
    "mentee_id",
    "status",
    "has_open_match",
    "identifies_bipoc",
    "bipoc_mentor_preference",
    "mentor_gender_preference",
    "languages",
    "meeting_formats",
    "specialty_interests",
    "race_ethnicity",
    "registered_on",
)
EXCLUDED_COLUMNS = ("mentor_id", "mentee_id", "why")
REJECTED, PAIRED_BEFORE = "rejected", "paired before"

MILLI = 1000  # score points are stored and optimised as whole milli-points
ADVISING_WORDS = {"application": "the application", "interviews": "interviews", "career": "career goals"}
WAITING_FULL_DAYS = 365
_DISALLOWED = float(-(2**24))  # far below any score, and exact in float32 with any score added


@dataclass(frozen=True)
class Component:
    key: str  # the MatchWeights field
    label: str
    help: str
    sensitive: bool  # its reason reveals an individual demographic (race/ethnicity, gender, language)


COMPONENTS = (
    Component(
        "bipoc_concordance",
        "BIPOC mentor for a student who asked for one",
        "The student asked for a BIPOC mentor (preferred or required) and the mentor identifies as BIPOC.",
        True,
    ),
    Component(
        "shared_specialty",
        "Shared specialty interest",
        "The mentor's specialty is one the student is interested in.",
        False,
    ),
    Component(
        "shared_language",
        "Shared language other than English",
        "Both speak a language other than English.",
        True,
    ),
    Component(
        "mentor_gender",
        "Mentor gender the student asked for",
        "The student asked for a mentor of a given gender, and the mentor is.",
        True,
    ),
    Component(
        "shared_background",
        "Shared race/ethnicity",
        "A BIPOC student and the mentor name the same race or ethnicity.",
        True,
    ),
    Component(
        "advising_areas",
        "Mentor's advising areas",
        "In full when the mentor advises on the application, interviews and career goals; in part otherwise.",
        False,
    ),
    Component(
        "waiting_time",
        "Time waiting",
        "Grows with the days since the student registered, in full after a year: older registrations first.",
        False,
    ),
)
COMPONENT_BY_KEY = {c.key: c for c in COMPONENTS}

OBJECTIVE = (
    "First, place as many waiting students as mentor places and the rules allow. Among the pairings that "
    "place that many, choose the one with the largest total score: the sum, over the pairs, of the points "
    "below. A student who asked for a BIPOC mentor is paired only within the rules (required: a BIPOC mentor "
    "or none), and the BIPOC points make such pairs count most."
)


# Inputs and outputs
@dataclass(frozen=True)
class Cohort:
    """Everyone the engine considers, as plain rows (see MENTOR_COLUMNS, MENTEE_COLUMNS, EXCLUDED_COLUMNS)."""

    mentors: pd.DataFrame
    mentees: pd.DataFrame
    excluded: pd.DataFrame  # pairs never to suggest: rejected by the leader, or paired before and ended
    today: date


@dataclass(frozen=True, slots=True)
class Reason:
    component: str  # a COMPONENTS key
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    mentor_id: int
    mentee_id: int
    score: float
    reasons: tuple[Reason, ...]

    @property
    def sentences(self) -> list[str]:
        return [r.text for r in self.reasons]


@dataclass(frozen=True, slots=True)
class Unplaced:
    mentee_id: int
    code: str
    reason: str  # for the leader
    public_reason: str  # for the committee: says nothing about the student's preferences or identity


@dataclass(frozen=True)
class RecruitmentGap:
    """The mentor places that recruiting would add so everyone is matched and every BIPOC request met."""

    unmatched: int  # waiting students the suggestions leave without a mentor
    bipoc_requests_unmet: int  # students who asked for a BIPOC mentor and are not suggested one
    places_needed: int  # one per student in either group
    bipoc_places_needed: int  # of those places, how many need a BIPOC-identifying mentor
    by_format: dict[str, int]  # of those students, how many can meet in each format
    only_format: dict[str, int]  # ... and how many meet in that format only
    by_language: dict[str, int]  # ... and how many speak each language other than English

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> pd.DataFrame:
        """Which kinds of mentor place the students still needing one could use."""
        rows = [("BIPOC-identifying mentor", "asked for one", self.bipoc_places_needed)]
        rows += [(f"meets {fmt}", "can meet this way", n) for fmt, n in self.by_format.items()]
        rows += [(f"meets {fmt}", "meet only this way", n) for fmt, n in self.only_format.items()]
        rows += [(f"speaks {lang}", "speak it too", n) for lang, n in self.by_language.items()]
        return pd.DataFrame([r for r in rows if r[2]], columns=["A mentor who", "Students who", "Students"])

    def sentences(self) -> list[str]:
        if not self.places_needed:
            return ["Every waiting student is matched, and every request for a BIPOC mentor is met."]
        out = [
            f"{_count(self.places_needed, 'more mentor place')} would match every waiting student and give "
            f"every student who asked for a BIPOC mentor one: {self.unmatched} for unmatched students, "
            f"{self.places_needed - self.unmatched} for students who asked for a BIPOC mentor and are "
            "suggested someone else."
        ]
        if self.bipoc_places_needed:
            out.append(f"{self.bipoc_places_needed} of these places need a BIPOC-identifying mentor.")
        if self.only_format:
            parts = [f"{n} chose only {fmt}" for fmt, n in self.only_format.items()]
            out.append("Meeting formats: of these students, " + _join(parts) + ".")
        if self.by_language:
            top = list(self.by_language.items())[:5]
            out.append(
                "Languages: a mentor who speaks "
                + _join([f"{lang} ({n})" for lang, n in top], "or")
                + " would share a language with them."
            )
        return out


@dataclass(frozen=True)
class SolveReport:
    waiting_mentees: int
    available_mentors: int
    places: int
    allowed_pairs: int
    shortlisted_pairs: int
    solves: int  # assignment solves on the shortlist
    proven_optimal: bool


@dataclass(frozen=True)
class Suggestions:
    pairs: tuple[Suggestion, ...]
    unmatched: tuple[Unplaced, ...]
    gap: RecruitmentGap
    report: SolveReport
    total_points: float = field(default=0.0)


@dataclass(frozen=True)
class PairAssessment:
    """A hand-picked pair: what blocks it (hard rules), what falls short (soft), and its score."""

    blockers: tuple[str, ...]
    warnings: tuple[str, ...]
    score: float | None
    reasons: tuple[Reason, ...]
    codes: tuple[str, ...] = ()  # one per blocker, for the audit log (which holds no personal data)


# Normalising the registration cells
_GENDERS = {
    "woman": "woman",
    "women": "woman",
    "female": "woman",
    "f": "woman",
    "man": "man",
    "men": "man",
    "male": "man",
    "m": "man",
    "nonbinary": "nonbinary",
    "non-binary": "nonbinary",
    "non binary": "nonbinary",
}
_NO_PREFERENCE = {"", "none", "no preference", "any", "either", "no", "n/a"}


@lru_cache(maxsize=65_536)
def _norm(token: str) -> str:
    return " ".join(token.replace("-", " ").replace("_", " ").lower().split())


def _normalised(items: Iterable[str], drop: tuple[str, ...] = ()) -> frozenset[str]:
    return frozenset(t for t in (_norm(i) for i in items) if t and t not in drop)


@lru_cache(maxsize=65_536)
def _token_set(cell: str, drop: tuple[str, ...] = ()) -> frozenset[str]:
    """A multi-choice cell's items (`values.split_multi`), normalised."""
    return _normalised(split_multi(cell), drop)


@lru_cache(maxsize=65_536)
def _identity_set(cell: str) -> frozenset[str]:
    """A self-described race/ethnicity's identities (`values.split_identities`), normalised."""
    return _normalised(split_identities(cell))


def _cell(value) -> str:
    """A frame cell as text ('' when missing)."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _gender(value) -> str:
    text = _norm(_cell(value))
    return "" if text in _NO_PREFERENCE else _GENDERS.get(text, text)


def _advising(cell: str) -> frozenset[str]:
    found = set()
    for token in _token_set(cell):
        for area in ADVISING_AREAS:
            if token.startswith(area[:6]):
                found.add(area)
    return frozenset(found)


def _truthy(series: pd.Series) -> np.ndarray:
    return series.fillna(False).astype(bool).to_numpy()


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def _lower(series: pd.Series) -> np.ndarray:
    return _text(series).str.strip().str.lower().to_numpy()


def _factor_sets(series: pd.Series, parse) -> tuple[np.ndarray, list]:
    """Parse each distinct cell once: (code per row, parsed value per code)."""
    codes, uniques = pd.factorize(_text(series), sort=True)
    return codes.astype(np.int64), [parse(u) for u in uniques]


def _display(series: pd.Series, split: Callable[[str], list[str]] = split_multi) -> dict[str, str]:
    """Normalised token -> how people wrote it (the first spelling in id order)."""
    shown: dict[str, str] = {}
    for cell in pd.unique(_text(series)):
        for item in split(cell):
            shown.setdefault(_norm(item), item)
    return shown


def _overlap(left: list[frozenset], right: list[frozenset]) -> np.ndarray:
    """Whether each left set meets each right set, as a (len(left), len(right)) bool table."""
    vocab = sorted(set().union(*left, *right)) if (left or right) else []
    index = {t: k for k, t in enumerate(vocab)}
    a = np.zeros((len(left), len(vocab)), dtype=np.float32)
    b = np.zeros((len(right), len(vocab)), dtype=np.float32)
    for row, items in enumerate(left):
        a[row, [index[t] for t in items]] = 1
    for row, items in enumerate(right):
        b[row, [index[t] for t in items]] = 1
    return (a @ b.T) > 0


# Hard rules on one side
def available_mentors(mentors: pd.DataFrame) -> np.ndarray:
    """Active, attested the program's values, and capacity left."""
    left = mentors["capacity"].fillna(0).to_numpy() - mentors["open_matches"].fillna(0).to_numpy()
    return (_lower(mentors["status"]) == "active") & _truthy(mentors["attests_values"]) & (left > 0)


def waiting_mentees(mentees: pd.DataFrame) -> np.ndarray:
    """Active and without an open match."""
    return (_lower(mentees["status"]) == "active") & ~_truthy(mentees["has_open_match"])


# Encoding: everything the score needs, as arrays
_CACHE_CELLS = 16_000_000  # profile tables expanded to one row per profile and one column per mentor


@dataclass
class _Encoded:
    """A pair's score is pair[a[i], b[j]] + specialty[s[i], t[j]] + waited[i], in milli-points.

    a and b are profile codes (meeting formats, the BIPOC rule and preference, languages, background,
    gender, advising areas) and s and t the specialty interests and specialty: people with the same
    profile score alike, so the tables stay small. _DISALLOWED in `pair` marks a broken hard rule.
    """

    mentor_ids: np.ndarray
    mentee_ids: np.ndarray
    capacity_left: np.ndarray
    a: np.ndarray
    b: np.ndarray
    pair: np.ndarray
    s: np.ndarray
    t: np.ndarray
    specialty: np.ndarray
    waited: np.ndarray
    excluded_rows: np.ndarray
    excluded_cols: np.ndarray
    detail: dict  # per-person values the reasons and the gap need
    _pair_rows: np.ndarray | None = None
    _specialty_ranges: list = field(default_factory=list)

    def __post_init__(self) -> None:
        m = len(self.mentor_ids)
        if self.pair.shape[0] * m <= _CACHE_CELLS:
            self._pair_rows = np.ascontiguousarray(self.pair[:, self.b])
        # mentors come sorted by specialty: a row's specialty points are constant over each range
        bounds = np.flatnonzero(np.r_[True, self.t[1:] != self.t[:-1], True]) if m else np.zeros(1, int)
        self._specialty_ranges = [
            (int(self.t[lo]), lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        ]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.mentee_ids), len(self.mentor_ids)

    def score_rows(self, rows: np.ndarray, *, waiting: bool = True) -> np.ndarray:
        """Scores of these mentees (positions, ascending) with every mentor (float32; negative = not
        allowed)."""
        a, s = self.a[rows], self.s[rows]
        if self._pair_rows is not None:
            block = np.take(self._pair_rows, a, axis=0)
        else:
            block = self.pair[a][:, self.b]
        for code, lo, hi in self._specialty_ranges:
            block[:, lo:hi] += self.specialty[s, code][:, None]
        if waiting:
            block += self.waited[rows, None]
        hit = np.isin(self.excluded_rows, rows)
        block[np.searchsorted(rows, self.excluded_rows[hit]), self.excluded_cols[hit]] = _DISALLOWED
        return block

    def best_reduced(self, price: np.ndarray) -> np.ndarray:
        """Per mentee: the most by which an allowed mentor's score (without the waiting time) exceeds
        that mentor's `price`; -inf when no mentor is allowed.

        The same as the largest of `score_rows(...) - price` over allowed mentors, worked out per
        profile instead of per mentee: a pair code's best mentor in each specialty range, then each
        mentee's best range (profile codes x mentors, instead of mentees x mentors). Mentees with an
        excluded pair get their own rows. Whole numbers throughout: as exact as the per-mentee form.
        """
        starts = [lo for _, lo, _ in self._specialty_ranges]
        codes = [code for code, _, _ in self._specialty_ranges]
        per_range = np.maximum.reduceat(assignment.reduced(self._by_mentor(), price), starts, axis=1)
        best = (per_range[self.a] + self.specialty[self.s][:, codes]).max(axis=1)
        if len(self.excluded_rows):
            rows = np.unique(self.excluded_rows)
            best[rows] = assignment.reduced(self.score_rows(rows, waiting=False), price).max(axis=1)
        return best

    def score_cols(self, cols: np.ndarray, *, waiting: bool = True) -> np.ndarray:
        """Scores of these mentors (positions) with every mentee: the transpose of score_rows."""
        block = self.pair.T[self.b[cols]][:, self.a]
        block += self.specialty.T[self.t[cols]][:, self.s]
        if waiting:
            block += self.waited[None, :]
        place = np.full(len(self.mentor_ids), -1)
        place[cols] = np.arange(len(cols))
        hit = place[self.excluded_cols] >= 0
        block[place[self.excluded_cols[hit]], self.excluded_rows[hit]] = _DISALLOWED
        return block

    def column_groups(self) -> np.ndarray:
        """A code per mentor: mentors with the same profile and specialty score alike with every mentee
        (a mentor with an excluded pair has a code of its own)."""
        if not len(self.mentor_ids):
            return np.zeros(0, np.int64)
        groups = np.unique(np.stack([self.b, self.t], axis=1), axis=0, return_inverse=True)[1].reshape(-1)
        alone = np.unique(self.excluded_cols)
        groups[alone] = groups.max() + 1 + np.arange(len(alone))
        return groups

    def pair_scores(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Scores of the pairs (rows[k], cols[k]) without the waiting time (arrays of one shape, or
        broadcast to one; float32, negative = not allowed)."""
        rows, cols = np.broadcast_arrays(rows, cols)
        block = self.pair[self.a[rows], self.b[cols]] + self.specialty[self.s[rows], self.t[cols]]
        if len(self.excluded_rows):
            m = len(self.mentor_ids)
            excluded = np.isin(rows * m + cols, self.excluded_rows * m + self.excluded_cols)
            block[excluded] = _DISALLOWED
        return block

    def allowed_pairs(self) -> int:
        """How many pairs no hard rule forbids: per pair code, then less the excluded ones."""
        pair = self._by_mentor()
        per_code = np.count_nonzero(pair >= 0, axis=1)
        excluded = self.pair[self.a[self.excluded_rows], self.b[self.excluded_cols]] >= 0
        return int(np.bincount(self.a, minlength=len(pair)) @ per_code) - int(excluded.sum())

    def score_pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """`pair_scores` with the waiting time (float64)."""
        return self.pair_scores(rows, cols).astype(np.float64) + self.waited[rows]

    def _by_mentor(self) -> np.ndarray:
        """The pair table with one column per mentor (pair code x mentor), kept when it is small enough."""
        return self._pair_rows if self._pair_rows is not None else self.pair[:, self.b]


def _milli(weight: float) -> int:
    return int(round(float(weight) * MILLI))


def _codes(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct combination of the columns: (code per row, columns per code)."""
    if not len(columns[0]):
        return np.zeros(0, np.int64), np.zeros((len(columns), 0), np.int64)
    uniq, code = np.unique(np.stack(columns, axis=1).astype(np.int64), axis=0, return_inverse=True)
    return code.reshape(-1), uniq.T


def _encode(
    mentors: pd.DataFrame, mentees: pd.DataFrame, excluded: pd.DataFrame, weights: MatchWeights, today: date
) -> _Encoded:
    specialty_order = np.argsort(
        pd.factorize(_text(mentors["specialty"]).map(_norm), sort=True)[0], kind="stable"
    )
    mentors = mentors.iloc[specialty_order].reset_index(drop=True)
    mentees = mentees.reset_index(drop=True)
    m, n = len(mentors), len(mentees)
    w = {f.name: _milli(getattr(weights, f.name)) for f in fields(MatchWeights)}

    # each side's cells, parsed once per distinct value
    mentor_bipoc = _lower(mentors["identifies_bipoc"]) == "yes"
    specialty_codes, specialties = _factor_sets(_text(mentors["specialty"]).map(_norm), lambda s: s)
    mentor_gender_codes, mentor_genders = _factor_sets(mentors["gender"], _gender)
    advising_codes, advising = _factor_sets(mentors["advising_areas"], _advising)
    fb, fb_sets = _factor_sets(mentors["meeting_formats"], _token_set)
    lb, lb_sets = _factor_sets(mentors["languages"], lambda c: _token_set(c, drop=("english",)))
    bb, bb_sets = _factor_sets(mentors["race_ethnicity"], _identity_set)

    preference = _lower(mentees["bipoc_mentor_preference"])
    required = preference == "required"
    prefers = required | (preference == "preferred")
    mentee_bipoc = _lower(mentees["identifies_bipoc"]) == "yes"
    interest_codes, interests = _factor_sets(mentees["specialty_interests"], _token_set)
    wanted_codes, wanted = _factor_sets(mentees["mentor_gender_preference"], _gender)
    fa, fa_sets = _factor_sets(mentees["meeting_formats"], _token_set)
    la, la_sets = _factor_sets(mentees["languages"], lambda c: _token_set(c, drop=("english",)))
    ba, ba_sets = _factor_sets(mentees["race_ethnicity"], _identity_set)
    registered = pd.to_datetime(mentees["registered_on"]).dt.date.to_numpy() if n else np.array([])
    days = np.array([max(0, (today - d).days) for d in registered], dtype=np.int64)

    # profiles, and the points of every mentee profile with every mentor profile
    a, ka = _codes(fa, required, prefers, mentee_bipoc, la, ba, wanted_codes)
    b, kb = _codes(fb, mentor_bipoc, lb, bb, mentor_gender_codes, advising_codes)
    fa_, req_, pref_, mb_, la_, ba_, wg_ = (k[:, None] for k in ka)
    fb_, bip_, lb_, bb_, mg_, adv_ = (k[None, :] for k in kb)
    same_gender = np.array([[bool(g) and g == h for h in mentor_genders] for g in wanted], dtype=bool)
    advising_points = np.rint(
        w["advising_areas"] * np.array([len(x) for x in advising]) / len(ADVISING_AREAS)
    )
    allowed = _overlap(fa_sets, fb_sets)[fa_, fb_] & ((req_ == 0) | (bip_ == 1))
    points = (
        w["bipoc_concordance"] * (pref_ & bip_)
        + w["shared_language"] * _overlap(la_sets, lb_sets)[la_, lb_]
        + w["shared_background"] * (_overlap(ba_sets, bb_sets)[ba_, bb_] & (mb_ == 1))
        + w["mentor_gender"] * (same_gender[wg_, mg_] if len(wanted) and len(mentor_genders) else 0)
        + (advising_points[adv_] if len(advising) else 0)
    )
    pair = np.where(allowed, points, _DISALLOWED).astype(np.float32).reshape(ka.shape[1], kb.shape[1])
    shares = np.array([[bool(sp) and sp in wants for sp in specialties] for wants in interests], dtype=bool)
    specialty_table = (
        (w["shared_specialty"] * shares).astype(np.float32).reshape(len(interests), len(specialties))
    )
    waited = np.rint(w["waiting_time"] * np.minimum(days, WAITING_FULL_DAYS) / WAITING_FULL_DAYS)

    # excluded pairs, in row order
    mentor_pos = pd.Series(np.arange(m), index=mentors["mentor_id"].to_numpy())
    mentee_pos = pd.Series(np.arange(n), index=mentees["mentee_id"].to_numpy())
    ex_cols = mentor_pos.reindex(excluded["mentor_id"].to_numpy()).to_numpy()
    ex_rows = mentee_pos.reindex(excluded["mentee_id"].to_numpy()).to_numpy()
    keep = ~(np.isnan(ex_rows) | np.isnan(ex_cols)) if len(excluded) else np.zeros(0, bool)
    order = np.lexsort((ex_cols[keep], ex_rows[keep])) if len(excluded) else np.zeros(0, np.int64)
    left = mentors["capacity"].fillna(0).to_numpy(np.int64) - mentors["open_matches"].fillna(0).to_numpy(
        np.int64
    )

    return _Encoded(
        mentor_ids=mentors["mentor_id"].to_numpy(np.int64),
        mentee_ids=mentees["mentee_id"].to_numpy(np.int64),
        capacity_left=np.maximum(left, 0),
        a=a,
        b=b,
        pair=pair,
        s=interest_codes,
        t=specialty_codes,
        specialty=specialty_table,
        waited=waited.astype(np.float32),
        excluded_rows=ex_rows[keep][order].astype(np.int64),
        excluded_cols=ex_cols[keep][order].astype(np.int64),
        detail={
            "weights": w,
            "mentor_bipoc": mentor_bipoc,
            "mentee_bipoc": mentee_bipoc,
            "required": required,
            "prefers": prefers,
            "specialty": (specialty_codes, specialties),
            "interests": (interest_codes, interests),
            "mentor_gender": (mentor_gender_codes, mentor_genders),
            "wanted_gender": (wanted_codes, wanted),
            "advising": (advising_codes, advising),
            "registered": registered,
            "days": days,
            "formats": (fa, fa_sets, fb, fb_sets),
            "languages": (la, la_sets, lb, lb_sets),
            "background": (ba, ba_sets, bb, bb_sets),
            "display": {
                "language": {**_display(mentors["languages"]), **_display(mentees["languages"])},
                "background": {
                    **_display(mentors["race_ethnicity"], split_identities),
                    **_display(mentees["race_ethnicity"], split_identities),
                },
                "format": {**_display(mentors["meeting_formats"]), **_display(mentees["meeting_formats"])},
            },
        },
    )


# Reasons
def _join(words: Sequence[str], conjunction: str = "and") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _shared(left: frozenset, right: frozenset, shown: dict[str, str]) -> list[str]:
    return [shown.get(t, t) for t in sorted(left & right)]


def _reasons(enc: _Encoded, rows: np.ndarray, cols: np.ndarray) -> list[tuple[Reason, ...]]:
    d, w = enc.detail, enc.detail["weights"]
    s_codes, specialties = d["specialty"]
    i_codes, interests = d["interests"]
    mg_codes, mentor_genders = d["mentor_gender"]
    wg_codes, wanted = d["wanted_gender"]
    adv_codes, advising = d["advising"]
    la, la_sets, lb, lb_sets = d["languages"]
    ba, ba_sets, bb, bb_sets = d["background"]
    shown = d["display"]
    # Many pairs share their cells: each reason is one object, shared by every pair it applies to (fewer
    # objects for the garbage collector to walk), and each shared language or identity is worded once.
    made: dict[tuple, Reason | None] = {}

    def reason(component: str, text: str) -> Reason:
        key = (component, text)
        if key not in made:
            made[key] = Reason(component, text)
        return made[key]

    def shared(component: str, sets: tuple, x: int, y: int) -> Reason | None:
        key = (component, x, y)
        if key not in made:
            left, right, shown_as, wording = sets
            words = _shared(left[x], right[y], shown[shown_as])
            made[key] = Reason(component, wording.format(_join(words))) if words else None
        return made[key]

    languages = (la_sets, lb_sets, "language", "Both speak {}")
    backgrounds = (ba_sets, bb_sets, "background", "Both identify as {}")
    advises = [
        Reason("advising_areas", f"Advises on {_join(areas)}") if w["advising_areas"] and areas else None
        for areas in ([ADVISING_WORDS[a] for a in ADVISING_AREAS if a in found] for found in advising)
    ]
    prefers, required, mentor_bipoc, mentee_bipoc, days = (
        d[k].tolist() for k in ("prefers", "required", "mentor_bipoc", "mentee_bipoc", "days")
    )
    s_codes, i_codes, mg_codes, wg_codes, adv_codes, la, lb, ba, bb = (
        np.asarray(x).tolist() for x in (s_codes, i_codes, mg_codes, wg_codes, adv_codes, la, lb, ba, bb)
    )
    out = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        found: list[Reason | None] = []
        if w["bipoc_concordance"] and prefers[i] and mentor_bipoc[j]:
            who = "Both identify as BIPOC" if mentee_bipoc[i] else "The mentor identifies as BIPOC"
            asked = "requires a BIPOC mentor" if required[i] else "asked for a BIPOC mentor"
            found.append(reason("bipoc_concordance", f"{who} — the student {asked}"))
        specialty = specialties[s_codes[j]]
        if w["shared_specialty"] and specialty and specialty in interests[i_codes[i]]:
            found.append(reason("shared_specialty", f"Shared interest: {specialty}"))
        if w["shared_language"]:
            found.append(shared("shared_language", languages, la[i], lb[j]))
        asked_gender = wanted[wg_codes[i]]
        if w["mentor_gender"] and asked_gender and asked_gender == mentor_genders[mg_codes[j]]:
            found.append(reason("mentor_gender", f"The student asked for a mentor who is a {asked_gender}"))
        if w["shared_background"] and mentee_bipoc[i]:
            found.append(shared("shared_background", backgrounds, ba[i], bb[j]))
        found.append(advises[adv_codes[j]])
        if w["waiting_time"] and days[i] > 0:
            found.append(reason("waiting_time", f"Waiting since {d['registered'][i].isoformat()}"))
        out.append(tuple(r for r in found if r is not None))
    return out


_REASON_PATTERNS = (
    ("bipoc_concordance", re.compile(r"^(Both identify as BIPOC|The mentor identifies as BIPOC)\b")),
    ("shared_background", re.compile(r"^Both identify as ")),
    ("mentor_gender", re.compile(r"^The student asked for a mentor who is ")),
    ("shared_specialty", re.compile(r"^Shared interest: ")),
    ("shared_language", re.compile(r"^Both speak ")),
    ("advising_areas", re.compile(r"^Advises on ")),
    ("waiting_time", re.compile(r"^Waiting since \d{4}-\d{2}-\d{2}$")),
)


def reason_component(text: str) -> str | None:
    """The component a stored reason sentence came from, or None when it is not one of ours."""
    for key, pattern in _REASON_PATTERNS:
        if pattern.match(text):
            return key
    return None


# The optimal assignment
def _assign(enc: _Encoded, shortlist: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, SolveReport]:
    """The optimal assignment of the waiting mentees (rows) to the mentors (columns), proven over every
    allowed pair (`assignment.assign`)."""
    n, m = enc.shape
    scores = assignment.Scores(
        shape=enc.shape,
        rows=lambda rows: enc.score_rows(rows, waiting=False),
        cols=lambda cols: enc.score_cols(cols, waiting=False),
        bonus=enc.waited,
        pairs=enc.pair_scores,
        allowed=enc.allowed_pairs(),
        best_reduced=enc.best_reduced,
        column_groups=enc.column_groups(),
    )
    found = assignment.assign(scores, enc.capacity_left, shortlist=shortlist)
    places = int(enc.capacity_left.sum())
    report = SolveReport(
        n, m, places, found.allowed_pairs, found.shortlisted_pairs, found.solves, found.proven
    )
    return found.rows, found.cols, found.points, report


# Unmatched mentees and the recruitment gap
# The committee's words for why a student is unmatched. Which mentors could take a student depends on
# whether the student requires a BIPOC mentor, so neither the wording nor a count of those mentors
# may differ with it: beside a named student either would tell the requirement.
NO_FITTING_PLACE = "No mentor with a place left fits this student's meeting formats and requests."
NEEDED_ELSEWHERE = (
    "Every mentor with a place who could take this student is needed for other students in the best pairing."
)


def _unplaced(
    enc: _Encoded, pool: pd.DataFrame, unmatched_rows: np.ndarray, eligible_mentor_rows: np.ndarray
) -> list[Unplaced]:
    """Why each unmatched mentee is left without a mentor, most basic cause first."""
    d = enc.detail
    fa, fa_sets, _, _ = d["formats"]
    pool_formats_codes, pool_formats = _factor_sets(pool["meeting_formats"], _token_set)
    meets = _overlap(fa_sets, pool_formats)  # mentee format cell x pool format cell
    pool_bipoc = _lower(pool["identifies_bipoc"]) == "yes"
    has_place = np.zeros(len(pool), bool)
    has_place[eligible_mentor_rows] = True

    def counts(mask: np.ndarray) -> np.ndarray:
        per_cell = np.bincount(pool_formats_codes[mask], minlength=len(pool_formats))
        return meets.astype(np.int64) @ per_cell

    any_format, bipoc_format = counts(np.ones(len(pool), bool)), counts(pool_bipoc)
    place_format, bipoc_place = counts(has_place), counts(has_place & pool_bipoc)
    excluded_by_row = Counter()
    if len(enc.excluded_rows):
        # exclusions that remove an otherwise allowed pair with a mentor who has a place
        ok = enc.pair[enc.a[enc.excluded_rows], enc.b[enc.excluded_cols]] >= 0
        excluded_by_row = Counter(enc.excluded_rows[ok].tolist())
    shown = d["display"]["format"]
    out = []
    for i in unmatched_rows.tolist():
        cell, required = fa[i], bool(d["required"][i])
        formats = _join([shown.get(t, t) for t in sorted(fa_sets[cell])], "or") or "no format"
        bipoc = "BIPOC " if required else ""
        candidates = (bipoc_place if required else place_format)[cell]
        mentee_id = int(enc.mentee_ids[i])
        if not fa_sets[cell]:
            out.append(
                Unplaced(
                    mentee_id,
                    "no_format",
                    "The student chose no meeting format.",
                    "The student chose no meeting format.",
                )
            )
        elif any_format[cell] == 0:
            text = f"No active mentor meets {formats}, the way this student can meet."
            out.append(Unplaced(mentee_id, "format", text, NO_FITTING_PLACE))
        elif required and bipoc_format[cell] == 0:
            out.append(
                Unplaced(
                    mentee_id,
                    "bipoc_format",
                    f"The student requires a BIPOC mentor, and no active BIPOC mentor meets {formats}.",
                    NO_FITTING_PLACE,
                )
            )
        elif candidates == 0:
            out.append(
                Unplaced(
                    mentee_id,
                    "bipoc_capacity" if required else "capacity",
                    f"Every active {bipoc}mentor who meets {formats} is at capacity.",
                    NO_FITTING_PLACE,
                )
            )
        elif candidates <= excluded_by_row.get(i, 0):
            text = (
                f"Every {bipoc}mentor with a place who meets {formats} was rejected for this student "
                "or paired with them before."
            )
            out.append(
                Unplaced(
                    mentee_id,
                    "excluded",
                    text,
                    "Every mentor with a place who fits was rejected for this student or paired with them "
                    "before.",
                )
            )
        else:
            k = int(candidates - excluded_by_row.get(i, 0))
            text = (
                f"The {_count(k, bipoc + 'mentor')} with a place who could take this student "
                f"{'is' if k == 1 else 'are'} needed for other students in the best pairing."
            )
            out.append(
                Unplaced(
                    mentee_id,
                    "bipoc_needed_elsewhere" if required else "needed_elsewhere",
                    text,
                    NEEDED_ELSEWHERE,
                )
            )
    return out


def _gap(enc: _Encoded, matched_rows: np.ndarray, matched_cols: np.ndarray) -> RecruitmentGap:
    d = enc.detail
    n, _ = enc.shape
    unmatched = np.ones(n, bool)
    unmatched[matched_rows] = False
    unmet = d["prefers"].copy()
    unmet[matched_rows[d["mentor_bipoc"][matched_cols]]] = False
    needing = unmatched | unmet
    fa, fa_sets, _, _ = d["formats"]
    la, la_sets, _, _ = d["languages"]
    shown = d["display"]
    by_format: Counter = Counter()
    only_format: Counter = Counter()
    for cell, count in Counter(fa[needing].tolist()).items():
        for token in fa_sets[cell]:
            by_format[shown["format"].get(token, token)] += count
        if len(fa_sets[cell]) == 1:
            (token,) = fa_sets[cell]
            only_format[shown["format"].get(token, token)] += count
    by_language: Counter = Counter()
    for cell, count in Counter(la[needing].tolist()).items():
        for token in la_sets[cell]:
            by_language[shown["language"].get(token, token)] += count
    return RecruitmentGap(
        unmatched=int(unmatched.sum()),
        bipoc_requests_unmet=int(unmet.sum()),
        places_needed=int(needing.sum()),
        bipoc_places_needed=int(unmet.sum()),
        by_format=dict(sorted(by_format.items(), key=lambda kv: (-kv[1], kv[0]))),
        only_format=dict(sorted(only_format.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_language=dict(sorted(by_language.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# The entry points
def suggest(cohort: Cohort, weights: MatchWeights, *, shortlist: int = assignment.SHORTLIST) -> Suggestions:
    """The optimal pairing of every waiting mentee with the available mentors, explained."""
    _check_columns(cohort)
    mentors = cohort.mentors.reset_index(drop=True)
    pool_mask = (_lower(mentors["status"]) == "active") & _truthy(mentors["attests_values"])
    pool = mentors[pool_mask].reset_index(drop=True)
    available = available_mentors(pool)
    mentees = cohort.mentees[waiting_mentees(cohort.mentees)].reset_index(drop=True)
    enc = _encode(pool[available], mentees, cohort.excluded, weights, cohort.today)
    rows, cols, points, report = _assign(enc, shortlist)
    order = np.lexsort((enc.mentor_ids[cols], -points))  # best first; ties in mentor, then mentee order
    rows, cols, points = rows[order], cols[order], points[order]
    reasons = _reasons(enc, rows, cols)
    pairs = tuple(
        Suggestion(int(enc.mentor_ids[j]), int(enc.mentee_ids[i]), round(p / MILLI, 3), why)
        for i, j, p, why in zip(rows.tolist(), cols.tolist(), points.tolist(), reasons, strict=True)
    )
    unmatched = np.setdiff1d(np.arange(enc.shape[0]), rows)
    return Suggestions(
        pairs=pairs,
        unmatched=tuple(_unplaced(enc, pool, unmatched, np.flatnonzero(available))),
        gap=_gap(enc, rows, cols),
        report=report,
        total_points=round(float(points.sum()) / MILLI, 3),
    )


def pairs_frame(cohort: Cohort, result: Suggestions) -> pd.DataFrame:
    """The suggestions as a table, best first: who (names, first names, emails), the score, and why
    (`Reason`s). What a viewer may read of it is `privacy.suggested_pairs`."""
    mentors = cohort.mentors.set_index("mentor_id")
    mentees = cohort.mentees.set_index("mentee_id")
    mentor_ids = [p.mentor_id for p in result.pairs]
    mentee_ids = [p.mentee_id for p in result.pairs]
    return pd.DataFrame(
        {
            "mentor_id": mentor_ids,
            "mentee_id": mentee_ids,
            "score": [p.score for p in result.pairs],
            "mentor": _names(mentors, mentor_ids),
            "mentor_first_name": _column(mentors, "first_name", mentor_ids),
            "mentor_email": _column(mentors, "email", mentor_ids),
            "mentee": _names(mentees, mentee_ids),
            "mentee_first_name": _column(mentees, "first_name", mentee_ids),
            "mentee_email": _column(mentees, "email", mentee_ids),
            "reasons": [p.reasons for p in result.pairs],
        }
    )


def unmatched_frame(cohort: Cohort, result: Suggestions) -> pd.DataFrame:
    """The mentees left without a mentor, longest waiting first, with why: `reason` in the leader's words,
    `public_reason` in the committee's (`privacy.unmatched` keeps the one a viewer may read)."""
    mentees = cohort.mentees.set_index("mentee_id")
    ids = [u.mentee_id for u in result.unmatched]
    return pd.DataFrame(
        {
            "mentee_id": ids,
            "mentee": _names(mentees, ids),
            "mentee_email": _column(mentees, "email", ids),
            "waiting_since": mentees["registered_on"].reindex(ids).to_list(),
            "reason": [u.reason for u in result.unmatched],
            "public_reason": [u.public_reason for u in result.unmatched],
        }
    )


def _column(people: pd.DataFrame, column: str, ids: list[int]) -> list[str]:
    return people[column].reindex(ids).fillna("").to_list() if column in people else [""] * len(ids)


def _names(people: pd.DataFrame, ids: list[int]) -> list[str]:
    if "first_name" not in people:
        return [""] * len(ids)
    found = people.reindex(ids)
    return (found["first_name"].fillna("") + " " + found["last_name"].fillna("")).str.strip().to_list()


def _check_columns(cohort: Cohort) -> None:
    for name, frame, wanted in (
        ("mentors", cohort.mentors, MENTOR_COLUMNS),
        ("mentees", cohort.mentees, MENTEE_COLUMNS),
        ("excluded", cohort.excluded, EXCLUDED_COLUMNS),
    ):
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise ValueError(f"The {name} frame lacks {', '.join(missing)}.")


def score_matrix(
    cohort: Cohort, weights: MatchWeights
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The dense score matrix of the waiting mentees (rows) and available mentors (columns).

    Returns (scores in points with NaN where a hard rule forbids the pair, mentee ids, mentor ids,
    places left per mentor). For tests and benchmarks that compare against exact dense solvers.
    """
    pool = cohort.mentors[available_mentors(cohort.mentors)]
    mentees = cohort.mentees[waiting_mentees(cohort.mentees)]
    enc = _encode(pool, mentees, cohort.excluded, weights, cohort.today)
    n, m = enc.shape
    dense = enc.score_rows(np.arange(n)).astype(np.float64) if n and m else np.zeros((n, m))
    dense[dense < 0] = np.nan
    return dense / MILLI, enc.mentee_ids, enc.mentor_ids, enc.capacity_left


def assess_pair(cohort: Cohort, mentor_id: int, mentee_id: int, weights: MatchWeights) -> PairAssessment:
    """Every hard rule a hand-picked pair breaks, its soft shortfalls, and (when allowed) its score."""
    mentor_rows = cohort.mentors[cohort.mentors["mentor_id"] == mentor_id]
    mentee_rows = cohort.mentees[cohort.mentees["mentee_id"] == mentee_id]
    if mentor_rows.empty or mentee_rows.empty:
        raise ValueError("The pair's mentor and mentee must both be in the cohort.")
    mentor, mentee = mentor_rows.iloc[0], mentee_rows.iloc[0]
    excluded = cohort.excluded[
        (cohort.excluded["mentor_id"] == mentor_id) & (cohort.excluded["mentee_id"] == mentee_id)
    ]
    blockers: list[tuple[str, str]] = []
    status = str(mentor["status"]).lower()
    if status != "active":
        blockers.append(("mentor not active", f"The mentor's registration is {status}, not active."))
    if not bool(mentor["attests_values"]):
        blockers.append(
            (
                "mentor has not attested the values",
                "The mentor has not attested the program's values of anti-racism and cultural humility.",
            )
        )
    taken, capacity = int(mentor["open_matches"] or 0), int(mentor["capacity"] or 0)
    if taken >= capacity:
        blockers.append(
            ("mentor at capacity", f"The mentor is at capacity ({taken} of {capacity} places taken).")
        )
    status = str(mentee["status"]).lower()
    if status != "active":
        blockers.append(("mentee not active", f"The mentee's registration is {status}, not active."))
    if bool(mentee["has_open_match"]):
        blockers.append(("mentee has an open match", "The mentee already has an open match."))
    mentor_formats, mentee_formats = (
        _token_set(_cell(mentor["meeting_formats"])),
        _token_set(_cell(mentee["meeting_formats"])),
    )
    if not mentor_formats & mentee_formats:
        meets = [_join(sorted(f), "or") or "in no format" for f in (mentor_formats, mentee_formats)]
        blockers.append(
            (
                "no shared meeting format",
                f"They share no meeting format (the mentor meets {meets[0]}, the mentee {meets[1]}).",
            )
        )
    preference = str(mentee["bipoc_mentor_preference"]).lower()
    mentor_bipoc = str(mentor["identifies_bipoc"]).lower() == "yes"
    if preference == "required" and not mentor_bipoc:
        blockers.append(
            (
                "BIPOC mentor required",
                "The mentee requires a BIPOC mentor, and this mentor does not identify as BIPOC.",
            )
        )
    whys = set(excluded["why"].astype(str))
    if REJECTED in whys:
        blockers.append(("rejected", "The leader rejected this pair; undo the rejection to pair them."))
    if PAIRED_BEFORE in whys:
        blockers.append(("paired before", "They were paired before, and that match ended."))

    warnings: list[str] = []
    if preference == "preferred" and not mentor_bipoc:
        warnings.append("The mentee would prefer a BIPOC mentor, and this mentor does not identify as BIPOC.")
    asked = _gender(mentee["mentor_gender_preference"])
    if asked and asked != _gender(mentor["gender"]):
        warnings.append(f"The mentee asked for a mentor who is a {asked}.")
    interests = _token_set(_cell(mentee["specialty_interests"]))
    if interests and _norm(_cell(mentor["specialty"])) not in interests:
        warnings.append("The mentor's specialty is not one of the mentee's interests.")
    spoken = _token_set(_cell(mentee["languages"]), drop=("english",))
    if spoken and not spoken & _token_set(_cell(mentor["languages"]), drop=("english",)):
        warnings.append("They share no language besides English.")

    if blockers:
        return PairAssessment(
            tuple(b[1] for b in blockers), tuple(warnings), None, (), tuple(b[0] for b in blockers)
        )
    enc = _encode(mentor_rows.iloc[:1], mentee_rows.iloc[:1], excluded.iloc[:0], weights, cohort.today)
    points = enc.score_pairs(np.zeros(1, np.int64), np.zeros(1, np.int64))
    (reasons,) = _reasons(enc, np.zeros(1, np.int64), np.zeros(1, np.int64))
    return PairAssessment((), tuple(warnings), round(float(points[0]) / MILLI, 3), reasons)
