"""Plain-text formatting shared by the pages and the CLI (no streamlit here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from mentorship import clock, milestones, retention
from mentorship.privacy import GroupMask

if TYPE_CHECKING:  # queries builds on registrations, which words its counts with `plural` from here
    from mentorship.queries import ProgramSummary


# How a stored code reads to a person: the same words on every page, form and mail. The store, the CSV
# import and the export keep the codes (the import also reads these words).
FORMAT_LABELS = {"virtual": "Video call", "phone": "Phone", "in person": "In person"}
BIPOC_LABELS = {"yes": "Yes", "no": "No", "undisclosed": "Prefer not to say"}
PREFERENCE_LABELS = {
    "none": "No preference",
    "preferred": "Prefer a BIPOC mentor",
    "required": "Need a BIPOC mentor",
}
CHOICE_LABELS = {
    "meeting_formats": FORMAT_LABELS,
    "format": FORMAT_LABELS,
    "identifies_bipoc": BIPOC_LABELS,
    "bipoc_mentor_preference": PREFERENCE_LABELS,
}


def choice_label(column: str, code: Any) -> Any:
    """The words for one stored code of `column` (anything else as it is)."""
    return CHOICE_LABELS.get(column, {}).get(code, code)


def choice_labels(column: str, value: Any) -> Any:
    """`choice_label` over a list of codes, a `; `-separated cell of them, or a single code."""
    if isinstance(value, list | tuple):
        return [choice_label(column, v) for v in value]
    if isinstance(value, str) and "; " in value:
        return "; ".join(choice_label(column, v) for v in value.split("; "))
    return choice_label(column, value)


def labelled(frame: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """A copy of `frame` with every choice column (named `prefix` + column) in words."""
    out = frame.copy()
    for column in CHOICE_LABELS:
        if prefix + column in out:
            out[prefix + column] = out[prefix + column].map(lambda v, c=column: choice_labels(c, v))
    return out


def plural(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 invalid row", "2 invalid rows", "0 invalid rows" (`plural` when adding an s is wrong)."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def share(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def days(n: int | None) -> str:
    return "–" if n is None else plural(n, "day")


def moments(instants: pd.Series, *, seconds: bool = False) -> pd.Series:
    """Instants (aware, naive UTC, or the driver's ISO text) as a person reads them: in the program's zone,
    naming it for each instant ("2026-12-07 19:30 CST", "2026-07-07 20:30 CDT"); missing ones stay missing."""
    local = pd.to_datetime(instants, utc=True, format="ISO8601").dt.tz_convert(clock.zone())
    return local.dt.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z").where(local.notna())


def with_moments(frame: pd.DataFrame, *columns: str, seconds: bool = False) -> pd.DataFrame:
    """A copy of `frame` with each of `columns` (instants) as `moments` writes them."""
    return frame.assign(**{column: moments(frame[column], seconds=seconds) for column in columns})


def moment(instant, *, seconds: bool = False) -> str:
    """One instant as `moments` writes it."""
    return moments(pd.Series([instant]), seconds=seconds).iloc[0]


def last_met(day) -> str:
    """A pair's last meeting as the Cadence table says it: "2026-10-02", or "never"."""
    return "never" if day is None or pd.isna(day) else pd.Timestamp(day).date().isoformat()


def pair_label(mentor: str, mentee: str) -> str:
    """How every page names a pair: "Mentor & Mentee" (full names)."""
    return f"{mentor} & {mentee}"


def pair_labels(
    pairs: pd.DataFrame, *, key: str = "match_id", detail: Callable[[Any], str] | None = None
) -> dict[int, str]:
    """`key` → "Mentor & Mentee" (with " (detail)" when given one), for a picker over a frame of pairs
    with `mentor` and `mentee` columns. `key="Index"` keys by the frame's index."""
    return {
        int(getattr(row, key)): pair_label(row.mentor, row.mentee) + (f" ({detail(row)})" if detail else "")
        for row in pairs.itertuples()
    }


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str


def overview_kpis(s: ProgramSummary, *, requests_hidden: str | None = None) -> list[Kpi]:
    """The Overview's metrics, in reading order; `requests_hidden` is what the BIPOC-mentor requests met
    read instead (`privacy.requests_for_role`)."""
    used = None if not s.capacity_total else s.capacity_used / s.capacity_total
    return [
        Kpi(
            "Mentors registered",
            str(s.mentors),
            f"{s.active_mentors} are active and have attested the program's values.",
        ),
        Kpi("Mentees registered", str(s.mentees), "Every registration, whatever its status."),
        Kpi(
            "Mentees waiting",
            str(s.waiting_mentees),
            "Active mentees without a mentor. "
            f"Median wait {days(s.waiting_median_days)}, longest {days(s.waiting_longest_days)}.",
        ),
        Kpi("Active pairs", str(s.active_pairs), "Confirmed pairs that have not ended."),
        Kpi(
            "Mentor capacity used",
            percent(used),
            f"{share(s.capacity_used, s.capacity_total)} places with active, attested mentors.",
        ),
        Kpi(
            "BIPOC-mentor requests met",
            requests_hidden or share(s.bipoc_preference_met, s.bipoc_preference_requests),
            "Mentees in active pairs who asked for a BIPOC mentor (required or preferred), "
            "and how many of them have one.",
        ),
        Kpi(
            f"No meeting in over {s.overdue_after_days} days",
            str(s.overdue_pairs),
            f"Active pairs with more than {s.overdue_after_days} days since their last meeting, or since "
            "confirmation if they have never met — so it counts both the Cadence page's 'Overdue' pairs "
            "and its 'Not yet met' pairs confirmed that long ago.",
        ),
        Kpi(
            "One-year completion",
            percent(s.one_year_completion_rate),
            f"Of {s.one_year_eligible_pairs} pairs confirmed at least a year ago, "
            "the share that lasted a year.",
        ),
    ]


# --- Retention ---
def months(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} months"


def pairs(n: int) -> str:
    return plural(n, "pair")


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    behind: str  # the pairs the figure rests on
    help: str


def _guarded(value: str, n: int, hide: str | None) -> tuple[str, str]:
    """(value, pairs behind it), or what `privacy` says both read instead ("fewer than 5")."""
    return (hide, f"{hide} pairs") if hide else (value, pairs(n))


def retention_figures(o: retention.GroupFigures, mask: GroupMask | None = None) -> list[Figure]:
    """The Retention page's headline figures, each with the number of pairs behind it; `mask`
    (`privacy.overall_mask`) says which read "fewer than 5" instead."""
    mask = mask or GroupMask()
    n_value, n_behind = _guarded(str(o.pairs), o.pairs, mask.pairs)
    done, done_behind = _guarded(
        percent(o.one_year_completion.value), o.one_year_completion.pairs, mask.one_year_completion
    )
    went_on, went_on_behind = _guarded(percent(o.continuation.value), o.continuation.pairs, mask.continuation)
    median, median_behind = _guarded(months(o.median_months), o.pairs, mask.pairs)
    return [
        Figure("Pairs", n_value, "ever confirmed", "Every pair ever confirmed, open or closed."),
        Figure(
            "One-year completion",
            done,
            f"of {done_behind} confirmed at least a year ago",
            "Of pairs confirmed at least 365 days ago, the share whose mentorship lasted 365 days.",
        ),
        Figure(
            "Continuation",
            went_on,
            f"of {went_on_behind} that reached a year",
            "Of pairs that lasted 365 days, the share that decided to continue past their first year.",
        ),
        Figure(
            "Median duration",
            median,
            f"over {median_behind}",
            "When the Kaplan–Meier estimate of pairs still going first falls to one half "
            "(open pairs count for as long as they have lasted so far).",
        ),
    ]


def retention_groups(
    groups: list[retention.GroupFigures], title: str, masks: list[GroupMask] | None = None
) -> pd.DataFrame:
    """One row per group, as text; a figure `masks` hides reads "fewer than 5" or "withheld" instead."""
    rows = []
    for g, mask in zip(groups, masks or [GroupMask()] * len(groups), strict=True):
        row = {title: g.group, "Pairs": mask.pairs or str(g.pairs)}
        for label, rate, hide in (
            ("One-year completion", g.one_year_completion, mask.one_year_completion),
            ("Continuation", g.continuation, mask.continuation),
        ):
            row[label] = hide or (f"{percent(rate.value)} of {rate.pairs}" if rate.pairs else percent(None))
        row["Median duration"] = mask.pairs or months(g.median_months)
        rows.append(row)
    return pd.DataFrame(
        rows, columns=[title, "Pairs", "One-year completion", "Continuation", "Median duration"]
    )


DECISION_LABELS = {"continue": "Continue", "complete": "Complete the year", "end": "End"}
DUE_COLUMNS = [
    "mentor",
    "mentor_email",
    "mentee",
    "mentee_email",
    "confirmed_on",
    "one_year_on",
    "days_to_mark",
]
DUE_COLUMN_CONFIG = {
    "mentor": "Mentor",
    "mentor_email": "Mentor's email",
    "mentee": "Mentee",
    "mentee_email": "Mentee's email",
    "confirmed_on": "Confirmed",
    "one_year_on": "One-year mark",
    "days_to_mark": "Days to the mark",
}


def decision_recorded(result) -> str:
    """What the page's toast and the CLI say once a decision is recorded (`services.DecisionResult`)."""
    if result.decision == "continue":
        return "Recorded: the pair continues past its first year."
    ended = "completed its year" if result.decision == "complete" else "ended"
    return f"Recorded: the pair {ended}; its mentor's place is free and its check-in link is closed."


def due_pair_labels(due: pd.DataFrame) -> dict[int, str]:
    """`match_id` → "Mentor & Mentee (one-year mark 2026-11-05)", for the leader's decision form."""
    return pair_labels(due, detail=lambda row: f"one-year mark {row.one_year_on}")


# --- Feedback ---
FEEDBACK_ROLE_LABELS = {"mentor": "Mentors", "mentee": "Mentees"}


def _survey_words():
    from mentorship import surveys  # pure words; imported here so formatting loads nothing more at start

    return surveys


def interval(low: float | None, high: float | None) -> str:
    return "–" if low is None or pd.isna(low) else f"{low:.0%}–{high:.0%}"


def feedback_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Response rates as the page shows them: survey, who, sent, answered, rate (words where withheld)."""
    words = _survey_words()
    return pd.DataFrame(
        {
            "Survey": [words.MOMENT_LABELS[m] for m in rates["moment"]],
            "Who": [FEEDBACK_ROLE_LABELS[r] for r in rates["role"]],
            "Sent": [int(n) for n in rates["invited"]],
            "Answered": [r.note if r.note else str(int(r.answered)) for r in rates.itertuples()],
            "Response rate": [r.note if r.note else percent(r.rate) for r in rates.itertuples()],
        }
    )


def group_label(by: str, group) -> str:
    return FEEDBACK_ROLE_LABELS.get(group, str(group)) if by == "role" else str(group)


def feedback_shares(table: pd.DataFrame, by: str | None = None, *, yes: bool = False) -> pd.DataFrame:
    """Shares agreeing as the page shows them: the statement, its group (when compared), the responses,
    how many agree, the share and its 95% interval; `yes`: the yes/no questions' share answering yes."""
    words = _survey_words()
    out = {("Question" if yes else "Statement"): [words.answer_label(q) for q in table["question"]]}
    if by is not None:
        out["Group"] = [group_label(by, g) for g in table["group"]]
    out |= {
        "Responses": [int(n) for n in table["responses"]],
        ("Yes" if yes else "Agree (4–5)"): [int(n) for n in table["agreeing"]],
        ("Share yes" if yes else "Share agreeing"): [percent(s) for s in table["share"]],
        "95% interval": [interval(lo, hi) for lo, hi in zip(table["low"], table["high"], strict=True)],
    }
    return pd.DataFrame(out)


def agreement_rows(table: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """What an agreement chart draws (`charts.agreement`): shares to a tenth of a percent (finer than a chart
    shows, so one answer changed among thousands usually leaves a chart as it was), each statement and group
    in words."""
    words = _survey_words()
    return table.round({"share": 3, "low": 3, "high": 3}).assign(
        label=[words.answer_label(q) for q in table["question"]],
        group_label=[group_label(by, g) for g in table["group"]] if by else "All",
    )[["label", "group_label", "share", "low", "high", "responses"]]


def answer_labels(keys: list[str]) -> str:
    """ "Have met, Agreed how often to meet": questions named in words."""
    return ", ".join(_survey_words().answer_label(k) for k in keys)


def recommendation_text(rec) -> str:
    """ "+30 (95% interval −19 to +65), 10 answers": the score in points, from −100 to +100."""
    return (
        f"{rec.score * 100:+.0f} (95% interval {rec.low * 100:+.0f} to {rec.high * 100:+.0f}), "
        f"{plural(rec.responses, 'answer')}"
    )


def feedback_lines(view) -> list[str]:
    """The `feedback` command's text: the committee's figures, as the page shows them."""
    if view.empty:
        return ["No survey has been sent yet."]
    lines = [view.as_of.caption() or "Live figures."]
    if view.as_of.day is None:
        return lines
    lines += ["", "Response rates", feedback_rates(view.rates).to_string(index=False)]
    if len(view.statements):
        lines += ["", "Share agreeing", feedback_shares(view.statements).to_string(index=False)]
    if view.recommendation is not None:
        lines += ["", f"Recommendation score: {recommendation_text(view.recommendation)}"]
    return lines


FEEDBACK_LIST_HEADERS = {
    "submitted_on": "Answered on",
    "mentor": "Mentor",
    "mentee": "Mentee",
    "role": "Who answered",
    "moment": "Survey",
    "what": "What they answered",
    "why": "In their words",
}


def feedback_list(frame: pd.DataFrame) -> pd.DataFrame:
    """The leader's lists of responses (needing attention, why pairs ended) with readable headers."""
    return frame.assign(role=[r.capitalize() for r in frame["role"]]).rename(columns=FEEDBACK_LIST_HEADERS)


# --- Outcomes ---
OUTCOME_COLUMNS = {"year": "Registration year", **milestones.STAGE_LABELS, "unknown": "No known status"}
OUTCOME_LABELS = {"applied": "Applied", "accepted": "Accepted"}


def outcome_cohorts(cohorts: pd.DataFrame) -> pd.DataFrame:
    """The funnel by registration year as the page shows it: readable columns, every cell as text (a count,
    or the words that stand for a hidden one)."""
    return pd.DataFrame(
        {
            label: [f"{v:,}" if isinstance(v, int) else str(v) for v in cohorts[key]]
            for key, label in OUTCOME_COLUMNS.items()
        }
    )


def outcome_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """The comparisons as the page shows them: the comparison (`milestones.COMPARISONS`), group, outcome,
    mentees of known status, how many reached the outcome, the share and its 95% interval."""
    return pd.DataFrame(
        {
            "Comparison": [milestones.COMPARISONS[c] for c in table["comparison"]],
            "Group": list(table["group"]),
            "Outcome": [OUTCOME_LABELS[o] for o in table["outcome"]],
            "Mentees of known status": [int(n) for n in table["known"]],
            "Reached it": [int(n) for n in table["reached"]],
            "Share": [percent(None if pd.isna(s) else s) for s in table["share"]],
            "95% interval": [interval(lo, hi) for lo, hi in zip(table["low"], table["high"], strict=True)],
        }
    )
