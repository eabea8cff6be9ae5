"""Pairings: the optimal suggestions with their reasons; confirm, reject or pair by hand; the gap."""

import streamlit as st

from mentorship import matching
from mentorship.formatting import plural
from mentorship.ui import page_setup
from mentorship.ui import pairings as panels

ctx = page_setup("pairings")
leader = ctx.user.is_leader
st.title("Pairings")
st.caption(
    "The best pairing of everyone waiting (the Weights tab says what 'best' means), with the reasons "
    "for each pair. Nothing is paired until the leader confirms it."
)

view = panels.suggestions(ctx)
report = view.report
for column, (label, value, help_text) in zip(
    st.columns(4),
    [
        ("Suggested pairs", len(view.pairs), "Pairs in the best pairing of everyone waiting."),
        ("Students waiting", report.waiting_mentees, "Active mentees without an open match."),
        ("Mentor places", report.places, "Places left with active mentors who attested the values."),
        ("Left unmatched", len(view.unmatched), "Waiting students the best pairing cannot place."),
    ],
    strict=True,
):
    column.metric(label, value, help=help_text, border=True)
if report.proven_optimal and report.allowed_pairs:
    st.caption(
        f"Proven optimal: checked against all {plural(report.allowed_pairs, 'pair')} the rules allow "
        f"({plural(report.solves, 'solve')})."
    )

tabs = st.tabs(
    [
        "Suggestions",
        f"Unmatched ({len(view.unmatched)})",
        "Recruitment gap",
        *(["Pair by hand"] if leader else []),
        "Weights",
        "Recently confirmed",
    ]
)
with tabs[0]:
    if leader:
        panels.after_actions(ctx)
    if view.pairs.empty:
        st.info("There is nothing to suggest: no waiting student can be placed now.", icon=":material/info:")
    else:
        panels.suggestion_table(ctx, view.pairs)
        if leader:
            panels.one_pair(ctx, view.pairs)

with tabs[1]:
    if view.unmatched.empty:
        st.success("Every waiting student has a suggested mentor.", icon=":material/check_circle:")
    else:
        st.dataframe(
            view.unmatched[["mentee", "waiting_since", "reason", "mentee_email"]],
            column_config=panels.COLUMNS,
            hide_index=True,
            width="stretch",
        )

with tabs[2]:
    gap = view.gap
    for column, (label, value) in zip(st.columns(3), gap.figures.items(), strict=False):
        column.metric(label, value, border=True)
    for sentence in gap.sentences:
        st.text(sentence)
    if not gap.table.empty:
        st.dataframe(gap.table, hide_index=True, width="stretch")

if leader:
    with tabs[3]:
        panels.by_hand(ctx, view)

with tabs[-2]:
    st.markdown(f"**The objective.** {matching.OBJECTIVE}")
    st.caption("Each component adds its points to a pair's score when it applies; 0 turns it off.")
    panels.weights_editor(ctx)

with tabs[-1]:
    panels.recent(ctx)
