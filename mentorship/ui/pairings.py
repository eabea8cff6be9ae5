"""The Pairings page's panels: cached suggestions, the leader's actions, the weights editor.

Names and emails are people's own text: they go into tables, widgets and escaped toasts, never raw markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial

import pandas as pd
import streamlit as st

from mentorship import formatting, links, matching, queries, services, settings
from mentorship.ui import kept
from mentorship.ui.core import PageContext, read, run_write

TABLE_KEY = "pairings-table"
ONE_KEY = "pairings-one"
CONFIRM_KEY = "pairings-confirm"
REJECT_KEY = "pairings-reject"
INTRODUCTIONS_KEY = "pairings-introductions"
UNDO_KEY = "pairings-undo"
SHOWN = ["score", "mentor", "mentee", "reasons", "mentor_email", "mentee_email"]
RECENT = [
    "confirmed_on",
    "mentor",
    "mentee",
    "score",
    "source",
    "status",
    "reasons",
    "mentor_email",
    "mentee_email",
]
COLUMNS = {
    "score": st.column_config.NumberColumn("Score", format="%.2f", help="Points: the weights' sum."),
    "mentor": "Mentor",
    "mentee": "Mentee",
    "reasons": st.column_config.TextColumn("Why", width="large"),
    "mentor_email": "Mentor email",
    "mentee_email": "Mentee email",
    "waiting_since": st.column_config.DateColumn("Waiting since"),
    "reason": st.column_config.TextColumn("Why unmatched", width="large"),
    "confirmed_on": st.column_config.DateColumn("Confirmed"),
    "source": "How",
    "status": "Status",
}
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~:$])")


def _md(text: str) -> str:
    """People's text made inert for the markdown that toasts render."""
    return _MARKDOWN.sub(r"\\\1", text)


def suggestions(ctx: PageContext) -> queries.PairingView:
    """Solved again only when what the suggestions depend on (the weights included), the day or the viewer's
    role change; kept where no client can clear it."""
    version = read(ctx, queries.pairing_version)
    role = ctx.user.role.value
    question = (str(ctx.engine.url), "pairing suggestions", ctx.today, role)
    solve = partial(read, ctx.engine, queries.pairing_view, ctx.today, role)
    with st.spinner("Finding the best pairing for everyone waiting…", show_time=True):
        return kept.reads.get(question, version, solve)


@dataclass(frozen=True)
class Picked:
    """A pair the leader acts on, with what its toasts and its introduction need."""

    mentor_id: int
    mentee_id: int
    mentor: str  # full names
    mentee: str
    mentor_first: str  # first names as registered ("Eh Moo")
    mentee_first: str
    mentor_email: str
    mentee_email: str

    @property
    def label(self) -> str:
        return formatting.pair_label(self.mentor, self.mentee)

    @property
    def ids(self) -> dict[str, int]:
        """The pair as the services name it."""
        return {"mentor_id": self.mentor_id, "mentee_id": self.mentee_id}

    def introduction(self) -> str:
        return links.introduction(
            to=[self.mentor_email, self.mentee_email],
            mentor_first=self.mentor_first,
            mentee_first=self.mentee_first,
            mentor_name=self.mentor,
            mentee_name=self.mentee,
        )


def _chosen(pairs: pd.DataFrame, positions: list[int]) -> list[Picked]:
    return [
        Picked(
            int(r.mentor_id),
            int(r.mentee_id),
            r.mentor,
            r.mentee,
            r.mentor_first_name,
            r.mentee_first_name,
            r.mentor_email,
            r.mentee_email,
        )
        for r in pairs.iloc[positions].itertuples()
    ]


# The leader's actions (callbacks: they run before the page draws again). `run_write` says a refusal in
# its one sentence; the toasts below are escaped because they carry people's names.
def _introduce(pair: Picked) -> None:
    """Keep the introduction draft of a new pair on the page (the five most recent)."""
    drafts = st.session_state.setdefault(INTRODUCTIONS_KEY, [])
    drafts.insert(0, (pair.label, pair.introduction()))
    del drafts[5:]


def _paired(pair: Picked, done: services.Confirmed, *, how: str = "Confirmed") -> str:
    if done.already:
        return f"Already confirmed: {_md(pair.label)}."
    _introduce(pair)
    return "  \n".join([f"{how}: {_md(pair.label)}.", *(_md(w) for w in done.warnings)])


def _confirm(ctx: PageContext, pair: Picked, *, by_hand: bool = False) -> None:
    run_write(
        partial(
            services.confirm_pair, ctx.engine, actor=ctx.user, today=ctx.today, by_hand=by_hand, **pair.ids
        ),
        partial(_paired, pair, how="Paired by hand" if by_hand else "Confirmed"),
    )


def _reject(ctx: PageContext, pair: Picked) -> None:
    rejected = run_write(
        partial(services.reject_pair, ctx.engine, actor=ctx.user, **pair.ids),
        f"Rejected: {_md(pair.label)}. It will not be suggested again.",
    )
    if rejected:
        st.session_state[UNDO_KEY] = (pair.mentor_id, pair.mentee_id, pair.label)


def _undo(ctx: PageContext) -> None:
    mentor_id, mentee_id, label = st.session_state.pop(UNDO_KEY)
    run_write(
        partial(
            services.undo_rejection, ctx.engine, actor=ctx.user, mentor_id=mentor_id, mentee_id=mentee_id
        ),
        f"Rejection undone: {_md(label)} may be suggested again.",
    )


def _on_chosen(action: Callable[[PageContext, Picked], None], ctx: PageContext, pairs: pd.DataFrame) -> None:
    """Run `action` on the pair in the picker as the button was pressed."""
    positions = {key: i for i, key in enumerate(_pair_keys(pairs))}
    chosen = positions.get(st.session_state.get(ONE_KEY))
    if chosen is None:  # the picker's pair left the list meanwhile: nothing is done on a guess
        st.toast("That pair is no longer suggested. Choose one again.", icon=":material/info:")
        return
    (pair,) = _chosen(pairs, [chosen])
    action(ctx, pair)


# Panels
def _picked_row(keys: list[tuple[int, int]]) -> None:
    """A row chosen in the table becomes the pair in the picker, where it is confirmed or rejected."""
    rows = st.session_state[TABLE_KEY].selection.rows
    if rows and rows[0] < len(keys):
        st.session_state[ONE_KEY] = keys[rows[0]]


def _pair_keys(pairs: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(r.mentor_id), int(r.mentee_id)) for r in pairs.itertuples()]


def suggestion_table(ctx: PageContext, pairs: pd.DataFrame) -> None:
    """The suggestions, best first; the leader chooses a row to act on it below."""
    shown = pairs.assign(reasons=pairs["reasons"].map(" · ".join))
    columns = [c for c in SHOWN if c in shown]
    if not ctx.user.is_leader:
        st.caption(
            "Listed by mentee. Scores are for the leader: with the weights, a score would tell the reasons "
            "that concern people's identity, which this list leaves out."
        )
        st.dataframe(shown[columns], column_config=COLUMNS, hide_index=True, width="stretch")
        return
    st.caption("Choose a pair in the table or in the list under it, then confirm or reject it.")
    st.dataframe(
        shown[columns],
        column_config=COLUMNS,
        hide_index=True,
        width="stretch",
        key=TABLE_KEY,
        on_select=partial(_picked_row, _pair_keys(pairs)),
        selection_mode="single-row",
    )


def score_label(score: float) -> str:
    """What the picker says of a pair's score, so that a bare number is never left to explain itself."""
    return f"score {score:.2f} points"


def one_pair(ctx: PageContext, pairs: pd.DataFrame) -> None:
    """The one way to confirm or reject a suggested pair: choose it, read why it is suggested, act."""
    keys = _pair_keys(pairs)
    labels = formatting.pair_labels(
        pairs.reset_index(drop=True), key="Index", detail=lambda r: score_label(r.score)
    )
    # Options are the pairs themselves, not their places in the list: a place stays valid once its pair is
    # confirmed, so the browser kept showing the confirmed pair while the buttons acted on the next one.
    # A confirmed (or rejected) pair's option is gone: Streamlit resets the picker and tells the browser.
    positions = {key: i for i, key in enumerate(keys)}
    chosen = st.selectbox("Suggested pair", keys, format_func=lambda p: labels[positions[p]], key=ONE_KEY)
    row = pairs.iloc[positions[chosen]]
    with st.container(border=True):
        st.markdown(
            f"**Why this pair** ({score_label(row['score'])}: the sum of the points of each reason that "
            "applies; the Weights tab sets them)"
        )
        for reason in row["reasons"]:
            st.text(f"• {reason}")  # people's own words can be in a reason: plain text, never markdown
    # The buttons act on the pair the picker shows when one is pressed (the browser sends the two together),
    # not on the pair it showed when the page was last drawn: a leader who chooses a pair and presses
    # Confirm before the page has caught up confirms the pair chosen, never the one before it.
    left, right = st.columns(2)
    left.button(
        "Confirm",
        type="primary",
        icon=":material/check:",
        on_click=_on_chosen,
        args=(_confirm, ctx, pairs),
        key=CONFIRM_KEY,
        width="stretch",
    )
    right.button(
        "Reject",
        icon=":material/close:",
        on_click=_on_chosen,
        args=(_reject, ctx, pairs),
        key=REJECT_KEY,
        width="stretch",
    )


def after_actions(ctx: PageContext) -> None:
    """Introduction drafts for the pairs just confirmed, and undoing the last rejection."""
    for label, url in st.session_state.get(INTRODUCTIONS_KEY, []):
        st.link_button(f"Email the introduction: {_md(label)}", url, icon=":material/mail:")
    if UNDO_KEY in st.session_state:
        st.button(
            f"Undo the rejection of {_md(st.session_state[UNDO_KEY][2])}",
            icon=":material/undo:",
            on_click=_undo,
            args=(ctx,),
            key="undo-reject",
        )


def by_hand(ctx: PageContext, view: queries.PairingView) -> None:
    """Any active mentor for a waiting mentee: hard rules block, soft shortfalls warn."""
    if view.mentees.empty or view.mentors.empty:
        st.caption("Pairing by hand needs a waiting mentee and an active mentor.")
        return
    mentees = {
        int(r.mentee_id): f"{r.first_name} {r.last_name} ({r.email})" for r in view.mentees.itertuples()
    }
    mentors = {
        int(r.mentor_id): f"{r.first_name} {r.last_name} ({r.email})" for r in view.mentors.itertuples()
    }
    mentee_id = st.selectbox("Mentee", list(mentees), format_func=mentees.__getitem__, key="hand-mentee")
    mentor_id = st.selectbox("Mentor", list(mentors), format_func=mentors.__getitem__, key="hand-mentor")
    check = read(ctx, queries.pair_check, ctx.today, mentor_id, mentee_id)
    for blocker in check.blockers:
        st.error(_md(blocker), icon=":material/block:")
    for warning in check.warnings:
        st.warning(_md(warning), icon=":material/warning:")
    if check.score is not None:
        st.metric("Score", f"{check.score:.2f}")
        for reason in check.reasons:
            st.text(reason.text)
    mentor, mentee = (
        view.mentors.set_index("mentor_id").loc[mentor_id],
        view.mentees.set_index("mentee_id").loc[mentee_id],
    )
    chosen = Picked(
        mentor_id,
        mentee_id,
        f"{mentor.first_name} {mentor.last_name}",
        f"{mentee.first_name} {mentee.last_name}",
        mentor.first_name,
        mentee.first_name,
        mentor.email,
        mentee.email,
    )
    st.button(
        "Pair them",
        type="primary",
        icon=":material/link:",
        disabled=bool(check.blockers),
        on_click=_confirm,
        args=(ctx, chosen),
        kwargs={"by_hand": True},
        key="pair-by-hand",
    )


def weights_editor(ctx: PageContext) -> None:
    current = read(ctx, queries.match_weights)
    if not ctx.user.is_leader:
        st.dataframe(
            pd.DataFrame(
                {
                    "Component": [c.label for c in matching.COMPONENTS],
                    "Points": [getattr(current, c.key) for c in matching.COMPONENTS],
                    "Meaning": [c.help for c in matching.COMPONENTS],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        return
    with st.form("weights"):
        columns = st.columns(2)
        for i, component in enumerate(matching.COMPONENTS):
            columns[i % 2].number_input(
                component.label,
                min_value=0.0,
                max_value=settings.MAX_WEIGHT,
                step=0.5,
                value=float(getattr(current, component.key)),
                help=component.help,
                key=f"weight-{component.key}",
            )
        st.form_submit_button("Save the weights", type="primary", on_click=_save_weights, args=(ctx,))
    st.button(
        "Reset to the defaults",
        icon=":material/restart_alt:",
        on_click=_set_weights,
        args=(ctx, settings.MatchWeights(), "The weights are back to their defaults."),
        key="weights-reset",
        disabled=current == settings.MatchWeights(),
    )


def _save_weights(ctx: PageContext) -> None:
    chosen = {f.name: st.session_state[f"weight-{f.name}"] for f in fields(settings.MatchWeights)}
    _set_weights(
        ctx, replace(settings.MatchWeights(), **chosen), "Weights saved; the suggestions are solved again."
    )


def _set_weights(ctx: PageContext, weights: settings.MatchWeights, done: str) -> None:
    if run_write(partial(services.set_match_weights, ctx.engine, actor=ctx.user, weights=weights), done):
        for component in matching.COMPONENTS:
            st.session_state.pop(f"weight-{component.key}", None)


def recent(ctx: PageContext) -> None:
    shown = read(ctx, queries.recent_pairs_view, ctx.user.role)
    if shown.empty:
        st.caption("No pair has been confirmed here yet.")
        return
    shown["reasons"] = shown["reasons"].map(" · ".join)
    columns = [c for c in RECENT if c in shown]
    st.dataframe(shown[columns], column_config=COLUMNS, hide_index=True, width="stretch")
