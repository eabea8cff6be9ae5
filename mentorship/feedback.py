"""What mentors and mentees say in the surveys, counted: pure functions of plain frames (no store, no
streamlit).

`answers` has one row per answered statement: `role` (mentor, mentee), `moment` (start, mid, year), `question`
(a key of `surveys`), `value` (a number; "prefer not to say" is no row, or a missing value, which is dropped),
`cohort` (the year the pair started), `concordance` (`retention.concordance`'s words), `rhythm`
(`RHYTHM_ON_TRACK`, `RHYTHM_BEHIND`, or missing for a pair not yet meeting) and `submitted_on`.
`sent` counts the surveys sent per `moment` and `role` (`invited`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from mentorship import surveys

MOMENTS = surveys.MOMENTS
ROLES = surveys.ROLES
SCALE_KINDS = (surveys.AGREE, surveys.USEFUL, surveys.VALUE)  # the statements: agreeing is 4–5
RECOMMEND = "recommend"  # 0–10: the recommendation score
ROLE_LABELS = {"mentor": "Mentors", "mentee": "Mentees"}
AGREE_FROM = 4  # 4 or 5 on the 1–5 scale: agreeing
MIN_GROUP = 5  # a comparison is shown only when every group compared has at least this many responses
Z95 = 1.959963984540054
RHYTHM_ON_TRACK = "On track"
RHYTHM_BEHIND = "Due or overdue"
RHYTHM_ORDER = [RHYTHM_ON_TRACK, RHYTHM_BEHIND]
# the breakdowns of each statement: the column of `answers` (half_year is made from submitted_on), the tab
BREAKDOWNS = {
    "role": "By role",
    "cohort": "By the year pairs started",
    "half_year": "Over time (half-years)",
    "concordance": "By BIPOC-mentor request",
    "rhythm": "By meeting rhythm",
}
ASSOCIATIONS = (
    "These comparisons are associations, not causes: groups differ in more than the thing compared, and "
    "those who answer may differ from those who do not."
)
SHARE_COLUMNS = ["question", "group", "responses", "agreeing", "share", "low", "high"]


def wilson(agreeing: int, responses: int) -> tuple[float, float]:
    """The 95% Wilson score interval for `agreeing` of `responses` (statsmodels' `proportion_confint`)."""
    if responses == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(agreeing, responses, alpha=0.05, method="wilson")
    return (float(low), float(high))


def half_year(days: pd.Series) -> pd.Series:
    """ "2025 H1" (January–June) or "2025 H2" for each date; the labels sort in time order."""
    stamps = pd.to_datetime(days)
    return stamps.dt.year.astype(str) + np.where(stamps.dt.month <= 6, " H1", " H2")


def rhythm(status: pd.Series) -> pd.Series:
    """A pair's meeting rhythm from its cadence status: on track, due or overdue, or missing (new, not yet
    met: no rhythm to speak of)."""
    words = {"on_track": RHYTHM_ON_TRACK, "due": RHYTHM_BEHIND, "overdue": RHYTHM_BEHIND}
    return pd.Series([words.get(s) for s in status], index=status.index, dtype=object)


# The statements answered on a 1–5 scale (agreeing: 4–5), in the order the page lists them
STATEMENTS = [q.key for moment in MOMENTS for q in surveys.QUESTIONS[moment] if q.kind in SCALE_KINDS]
ANSWER_COLUMNS = ["role", "moment", "question", "value", "cohort", "concordance", "rhythm", "submitted_on"]
_COUNTED = {*STATEMENTS, RECOMMEND}


def answer_rows(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per answered statement (and recommendation) of `responses` (`answers` a dict per response,
    with `role`, `moment`, `cohort`, `concordance`, `rhythm`, `submitted_on`), with `half_year`; free text
    is not carried."""
    at, keys, values = [], [], []
    for i, answers in enumerate(responses["answers"]):
        for key, value in answers.items():
            if key in _COUNTED and isinstance(value, int | float) and not isinstance(value, bool):
                at.append(i)
                keys.append(key)
                values.append(value)
    columns = ["role", "moment", "cohort", "concordance", "rhythm", "submitted_on"]
    out = responses[columns].iloc[at].reset_index(drop=True)
    out.insert(2, "question", pd.Categorical(keys, categories=sorted(_COUNTED)))
    out.insert(3, "value", pd.Series(values, dtype="float64"))
    out["half_year"] = half_year(out["submitted_on"]) if len(out) else pd.Series(dtype=object)
    return out


# The yes/no questions (getting started: met, agreed how often; one year: intends to continue): share "yes"
YES_QUESTIONS = [
    q.key
    for moment in MOMENTS
    for q in surveys.QUESTIONS[moment]
    if q.kind in (surveys.YES_NO, surveys.YES_NO_UNSURE)
]


def yes_shares(responses: pd.DataFrame) -> pd.DataFrame:
    """Each yes/no question's share answering "yes" (of those who answered it; "not sure" counts as not
    yes) with its 95% Wilson interval: `SHARE_COLUMNS`, `agreeing` holding the yeses."""
    pairs = [
        (key, answers[key] == "yes")
        for answers in responses["answers"]
        for key in YES_QUESTIONS
        if answers.get(key) is not None
    ]
    rows = pd.DataFrame(pairs, columns=["question", "yes"])
    out = []
    for question in YES_QUESTIONS:
        mine = rows.loc[rows["question"] == question, "yes"]
        if len(mine):
            n, k = len(mine), int(mine.sum())
            out.append([question, "All", n, k, k / n, *wilson(k, n)])
    return pd.DataFrame(out, columns=SHARE_COLUMNS)


def _listed(responses: pd.DataFrame, wanted: pd.Series | np.ndarray) -> pd.DataFrame:
    """The rows of `responses` where `wanted`, with the columns the leader's lists show."""
    rows = responses[np.asarray(wanted, dtype=bool)]
    return rows.assign(submitted_on=[d.date() for d in rows["changed_on"]])


def needing_attention(responses: pd.DataFrame, today: date, days: int) -> pd.DataFrame:
    """The responses of the last `days` days that ask the leader to reach out (a 1–2 on respect or safety,
    or "contact me"), newest first: `submitted_on`, `mentor`, `mentee`, `role`, `moment` (words) and `what`
    (`surveys.concern_note`: what was answered, never the free text)."""
    recent = responses["changed_on"] >= pd.Timestamp(today) - pd.Timedelta(days=days)
    concern = [
        surveys.raises_concern(a, c) if r else False
        for a, c, r in zip(responses["answers"], responses["contact_me"], recent, strict=True)
    ]
    rows = _listed(responses, concern)
    out = rows[["submitted_on", "mentor", "mentee", "role"]].assign(
        moment=[surveys.MOMENT_LABELS[m] for m in rows["moment"]],
        what=[
            surveys.concern_note(m, r, a, c)
            for m, r, a, c in zip(
                rows["moment"], rows["role"], rows["answers"], rows["contact_me"], strict=True
            )
        ],
    )
    return out.sort_values("submitted_on", ascending=False, kind="stable", ignore_index=True)


def why_ended(responses: pd.DataFrame) -> pd.DataFrame:
    """The answers to "why did it end", newest first, as typed (plain text: never rendered as HTML)."""
    rows = _listed(responses, [bool(a.get("why_ended")) for a in responses["answers"]])
    out = rows[["submitted_on", "mentor", "mentee", "role"]].assign(
        why=[a["why_ended"] for a in rows["answers"]]
    )
    return out.sort_values("submitted_on", ascending=False, kind="stable", ignore_index=True)


def shares(answers: pd.DataFrame, questions: list[str], by: str | None = None) -> pd.DataFrame:
    """Each question's share agreeing (4–5) with its 95% Wilson interval, overall (`group` "All") or per
    group of column `by`; `SHARE_COLUMNS`, questions in the order given, groups in sorted order."""
    rows = answers[answers["value"].notna() & answers["question"].isin(questions)]
    if by == "half_year" and by not in rows:
        rows = rows.assign(half_year=half_year(rows["submitted_on"]))
    if by is not None:
        rows = rows[rows[by].notna()]
    if rows.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    keys = ["question"] if by is None else ["question", by]
    counted = (
        rows.assign(agree=rows["value"] >= AGREE_FROM, question=rows["question"].astype(str))
        .groupby(keys, sort=True)["agree"]
        .agg(responses="size", agreeing="sum")
        .reset_index()
    )
    counted["group"] = "All" if by is None else counted[by]
    counted["order"] = counted["question"].map({q: i for i, q in enumerate(questions)})
    counted = counted.sort_values("order", kind="stable")
    out = []
    for question, group, n, k in zip(
        counted["question"], counted["group"], counted["responses"], counted["agreeing"], strict=True
    ):
        low, high = wilson(int(k), int(n))
        out.append([question, group, int(n), int(k), k / n, low, high])
    return pd.DataFrame(out, columns=SHARE_COLUMNS)


@dataclass(frozen=True)
class Comparison:
    """One breakdown of the statements: the rows of the questions whose every group has at least 5
    responses (and there are two groups or more), and the questions left out for having a smaller group."""

    by: str
    title: str
    table: pd.DataFrame  # SHARE_COLUMNS
    too_few: list[str]  # questions with some group under MIN_GROUP


def compare(answers: pd.DataFrame, questions: list[str], by: str, order: list | None = None) -> Comparison:
    """`shares` by `by`, kept only for questions where EVERY group has at least `MIN_GROUP` responses."""
    table = shares(answers, questions, by)
    kept, too_few = [], []
    for question in questions:
        part = table[table["question"] == question]
        if len(part) < 2:
            continue  # one group: nothing to compare
        (kept if (part["responses"] >= MIN_GROUP).all() else too_few).append(question)
    table = table[table["question"].isin(kept)]
    rank = {g: i for i, g in enumerate(order or [])}
    table = table.assign(
        _q=table["question"].map({q: i for i, q in enumerate(questions)}),
        _g=[rank.get(g, len(rank)) for g in table["group"]],
    ).sort_values(["_q", "_g", "group"], kind="stable")
    return Comparison(by, BREAKDOWNS[by], table.reset_index(drop=True)[SHARE_COLUMNS], too_few)


def comparisons(
    answers: pd.DataFrame, questions: list[str], concordance_order: list[str]
) -> list[Comparison]:
    """Every breakdown of `BREAKDOWNS`, in its order."""
    orders = {"concordance": concordance_order, "rhythm": RHYTHM_ORDER, "role": list(ROLES)}
    return [compare(answers, questions, by, orders.get(by)) for by in BREAKDOWNS]


def response_rates(sent: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Per moment and role with surveys sent (`sent`: `moment`, `role`, `invited`): the surveys sent, those
    answered (the rows of `responses` with that `moment` and `role`) and the rate, in moment then role
    order."""
    columns = ["moment", "role", "invited", "answered", "rate"]
    if sent.empty:
        return pd.DataFrame(columns=columns)
    answered = responses.groupby(["moment", "role"]).size().rename("answered").reset_index()
    out = sent.merge(answered, on=["moment", "role"], how="left")
    out["invited"] = out["invited"].astype("int64")
    out["answered"] = out["answered"].fillna(0).astype("int64")
    out["rate"] = out["answered"] / out["invited"]
    key = out["moment"].map({m: i for i, m in enumerate(MOMENTS)}) * 10 + out["role"].map(
        {r: i for i, r in enumerate(ROLES)}
    )
    return out.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)[columns]


@dataclass(frozen=True)
class Recommendation:
    """The recommendation score: the share answering 9–10 less the share answering 0–6, from −1 to 1."""

    responses: int
    promoters: int  # 9–10
    detractors: int  # 0–6
    score: float | None
    low: float | None
    high: float | None


def recommendation(scores: pd.Series) -> Recommendation:
    """The score with its 95% interval, by the adjusted Wald method for a difference of two multinomial
    proportions: 3/4 of a response is added to each of the three categories (9–10, 7–8, 0–6), so
    n' = n + 3, p' = (k + 3/4)/n' for promoters and detractors, and the interval is
    (p'₊ − p'₋) ± 1.96·√((p'₊ + p'₋ − (p'₊ − p'₋)²)/n'). The variance is that of the difference of two
    proportions of one multinomial sample, Var(p₊ − p₋) = (p₊ + p₋ − (p₊ − p₋)²)/n; the adjustment
    keeps the interval honest at small n and at the extremes (all 10s), where the plain Wald interval has
    width 0. See Rocks, B. (2016), "Interval Estimation for the 'Net Promoter Score'", The American
    Statistician 70(4):365–372, and Sauro & Lewis, Quantifying the User Experience (2nd ed., 2016).
    The point estimate is the plain difference; the interval is clipped to [−1, 1]."""
    values = pd.to_numeric(scores, errors="coerce").dropna()
    n = len(values)
    promoters, detractors = int((values >= 9).sum()), int((values <= 6).sum())
    if n == 0:
        return Recommendation(0, 0, 0, None, None, None)
    adjusted = n + 3
    plus, minus = (promoters + 0.75) / adjusted, (detractors + 0.75) / adjusted
    centre = plus - minus
    half = Z95 * math.sqrt((plus + minus - centre**2) / adjusted)
    return Recommendation(
        n,
        promoters,
        detractors,
        (promoters - detractors) / n,
        max(-1.0, centre - half),
        min(1.0, centre + half),
    )
