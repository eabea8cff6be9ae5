"""Surveys on the dashboard: the public survey page (one person's one moment), the leader's view of a pair's
surveys and links on the Cadence page, and the wording editor on the Messages page.

Answers, names and the leader's wording are text: they go into `st.text`, widgets and tables, and widget
labels are escaped (labels render markdown), never raw markdown or HTML.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from mentorship import clock, formatting, links, queries, services
from mentorship import surveys as rules
from mentorship.errors import Refused, UnusableInput
from mentorship.ui.core import PageContext, client_address, read, run_write

_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~:$])")


def _md(text: str) -> str:
    """Text made inert for the markdown that widget labels render."""
    return _MARKDOWN.sub(r"\\\1", text)


# The public page
OUTCOME = "survey-outcome"


def _field(key: str) -> str:
    return f"survey-{key}"


def _save(engine: Engine, token: str, survey: queries.SurveyPage) -> None:
    state = st.session_state
    questions = rules.questions_for(survey.moment, survey.role, ended=survey.ended)
    answers: dict[str, Any] = {q.key: state.get(_field(q.key)) for q in questions}
    if survey.moment in rules.CONTACT_MOMENTS:
        answers[rules.CONTACT_ME] = bool(state.get(_field(rules.CONTACT_ME)))
    try:
        receipt = services.submit_survey(
            engine,
            token=token,
            answers=answers,
            now=clock.now(),
            today=clock.today(),
            address=client_address(),
            version=survey.version,
        )
    except (Refused, UnusableInput) as exc:
        state[OUTCOME] = ("warning", str(exc))
        return
    message = rules.SAVED.format(closes=formatting.moment(receipt.closes_at))
    if receipt.concern_raised:
        message += " The program leader will reach out to you."
    state[OUTCOME] = ("success", message)


def _index(options: list, saved: dict | None, key: str) -> int | None:
    """The saved answer's place among the options ("Prefer not to say" for one left unanswered); none before
    the first answers."""
    if saved is None:
        return None
    value = saved.get(key)
    return options.index(value) if value in options else options.index(rules.PREFER_NOT)


def survey_page(engine: Engine, token: str) -> None:
    """The page a survey link opens: that person's questions, their own saved answers, nothing else."""
    survey = read(engine, queries.survey_page, token, clock.now())
    if survey is None:  # unknown, replaced or closed: one sentence, and nothing else
        st.info(rules.CLOSED, icon=":material/link_off:")
        return
    words = survey.wording
    st.title(f"{rules.MOMENT_LABELS[survey.moment]}: your mentorship")
    st.text(f"Hi {survey.first_name}! {words['intro']}")
    st.caption(rules.PRIVACY_NOTE)
    if survey.answers is not None:
        st.text(
            "You answered already; change anything below and save again, until "
            f"{formatting.moment(survey.closes_at)}."
        )
    with st.form("survey", border=False, enter_to_submit=False):
        for q in rules.questions_for(survey.moment, survey.role, ended=survey.ended):
            label = _md(words[q.key])
            if q.kind == rules.TEXT:
                saved = (survey.answers or {}).get(q.key) or ""
                st.text_area(label, value=saved, max_chars=rules.MAX_TEXT, key=_field(q.key))
                continue
            scale = rules.SCALES[q.kind]
            options = [*scale, rules.PREFER_NOT]
            st.radio(
                label,
                options,
                index=_index(options, survey.answers, q.key),
                format_func=lambda value, scale=scale: scale.get(value, str(value)),
                horizontal=True,
                key=_field(q.key),
            )
        if survey.moment in rules.CONTACT_MOMENTS:
            st.checkbox(_md(words[rules.CONTACT_ME]), value=survey.contact_me, key=_field(rules.CONTACT_ME))
        st.form_submit_button("Save my answers", type="primary", on_click=_save, args=(engine, token, survey))
    if OUTCOME in st.session_state:
        kind, message = st.session_state[OUTCOME]
        (st.success if kind == "success" else st.warning)(message)


# The leader's view of a pair's surveys (Cadence → Pairs, under the chosen pair)
FRESH_SURVEY_LINK = "cadence-fresh-survey-link"  # (pair, role, moment, token): shown once


def _issue(ctx: PageContext, match_id: int) -> None:
    role = st.session_state.get("survey-link-role")
    moment = st.session_state.get("survey-link-moment")

    def act() -> str:
        token = services.issue_survey_link(
            ctx.engine, actor=ctx.user, match_id=match_id, role=role, moment=moment, now=clock.now()
        )
        st.session_state[FRESH_SURVEY_LINK] = (match_id, role, moment, token)
        return token

    run_write(act, "Survey link ready.")


def _answers_table(answers: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Question": rules.answer_label(key), "Answer": rules.answer_text(key, value)}
            for key, value in answers.items()
            if not (key == rules.CONTACT_ME and not value)
        ]
    )


def pair_surveys(ctx: PageContext, pair: pd.Series) -> None:
    """Each person's surveys of the chosen pair (the leader only): sent, closing, answered, and the answers;
    and a person's survey link to copy where no mail goes."""
    match_id = int(pair["match_id"])
    rows = read(ctx, queries.pair_surveys, match_id, ctx.user.role)
    st.markdown("**Surveys**")
    if rows.empty:
        st.caption("No survey has been sent to this pair yet.")
    for row in rows.itertuples():
        person = pair["mentor"] if row.role == "mentor" else pair["mentee"]
        title = f"{rules.MOMENT_LABELS[row.moment]} · the {row.role}, {person}"
        if row.answers is None:
            state = (
                f"sent {clock.day_of(row.sent_at)}, open until {formatting.moment(row.closes_at)}, "
                "not answered"
                if pd.notna(row.sent_at)
                else "not sent yet"
            )
            st.text(f"{title}: {state}")
            continue
        with st.expander(f"{title}: answered {clock.day_of(row.updated_at)}"):
            st.dataframe(_answers_table(row.answers), hide_index=True, width="stretch")
    fresh = st.session_state.get(FRESH_SURVEY_LINK)
    if fresh and fresh[0] == match_id:
        _, role, moment, token = fresh
        st.text(f"{rules.MOMENT_LABELS[moment]} survey link for the {role}:")
        st.code(links.survey_url(token), language=None)
        st.caption(
            "Copy it now and send it to that person only: the dashboard keeps only a fingerprint of it. "
            "It replaces their earlier link for this survey."
        )
    else:
        live = rows[rows["closes_at"].notna() & rows["linked"].astype(bool)] if not rows.empty else rows
        for row in live.itertuples():
            if row.closes_at > clock.now():
                st.caption(
                    f"{rules.MOMENT_LABELS[row.moment]}, the {row.role}: a live link until "
                    f"{formatting.moment(row.closes_at)}."
                )
    with st.popover("Make a survey link", icon=":material/add_link:"):
        st.radio(
            "For", rules.ROLES, format_func=lambda r: f"the {r}", horizontal=True, key="survey-link-role"
        )
        st.radio(
            "Survey",
            rules.MOMENTS,
            format_func=rules.MOMENT_LABELS.get,
            horizontal=True,
            key="survey-link-moment",
        )
        st.button("Make the link", key="survey-link-make", on_click=_issue, args=(ctx, match_id))


# The leader's wording editor (Messages → Surveys)
def _save_wording(ctx: PageContext, moment: str) -> None:
    words = {
        key: st.session_state.get(f"wording-{moment}-{key}", "") for key in rules.DEFAULT_QUESTIONS[moment]
    }
    run_write(
        lambda: services.save_survey_wording(ctx.engine, actor=ctx.user, moment=moment, words=words),
        lambda version: f"Saved as version {version}: new answers use it; earlier answers keep theirs.",
    )


def wording_editor(ctx: PageContext) -> None:
    st.caption(
        "Each survey goes to each person of a pair separately. Turn a survey on or off with its message "
        "kind under Schedule; reword its questions here. A reworded survey is a new version: answers keep "
        "the version they answered."
    )
    moment = st.radio(
        "Survey", rules.MOMENTS, format_func=rules.MOMENT_LABELS.get, horizontal=True, key="wording-moment"
    )
    version, words = read(ctx, queries.survey_wording, moment)
    st.caption(f"Version {version}.")
    with st.form(f"wording-{moment}", border=True):
        for key in rules.DEFAULT_QUESTIONS[moment]:
            label = "Introduction" if key == "intro" else rules.answer_label(key)
            st.text_area(label, value=words[key], max_chars=rules.MAX_WORDING, key=f"wording-{moment}-{key}")
        st.form_submit_button("Save the wording", on_click=_save_wording, args=(ctx, moment))
