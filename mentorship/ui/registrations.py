"""The Registrations page's widgets: filters, the table, the add/edit forms, status, import and export.

Rules and table-building live in `mentorship.registrations` and `mentorship.intake`; writes go through
`mentorship.services` (which checks the role again). Widgets have stable keys: `<kind>-<what>[-<id>]`.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from mentorship import clock, formatting, intake, privacy, registrations, services, values, web
from mentorship.errors import Refused, UnusableInput
from mentorship.formatting import plural
from mentorship.models import PersonStatus
from mentorship.ui import milestones
from mentorship.ui.core import PageContext

STATUSES = [s.value for s in PersonStatus]
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "pronouns": "Pronouns",
    "specialty": "Specialty",
    "organization": "Organization",
    "career_stage": "Career stage",
    "identifies_bipoc": "Identifies as BIPOC",
    "race_ethnicity": "Race/ethnicity",
    "gender": "Gender",
    "languages": "Languages",
    "meeting_formats": "Meeting formats",
    "capacity": "Capacity (mentees)",
    "advising_areas": "Can advise on",
    "attests_values": "Attests the program's values",
    "registered_on": "Registered on",
    "school": "School",
    "class_year": "Class year",
    "major": "Major",
    "first_generation": "First-generation student",
    "bipoc_mentor_preference": "BIPOC mentor",
    "mentor_gender_preference": "Mentor gender preference",
    "specialty_interests": "Specialty interests",
    "goals": "Goals",
}
# What an answer left empty is kept as (the import's empty cell): nobody is made to answer.
UNANSWERED = {
    "identifies_bipoc": "Not answered: kept as Prefer not to say.",
    "bipoc_mentor_preference": "Not answered: kept as No preference.",
}
COLUMN_CONFIG = {
    "name": st.column_config.TextColumn("Name"),
    "email": st.column_config.TextColumn("Email"),
    "phone": st.column_config.TextColumn("Phone"),
    "status": st.column_config.TextColumn("Status"),
    # a coloured label, drawn by the browser (a pandas Styler would cost ~0.7 s for 5,000 mentors)
    "eligibility": st.column_config.MultiselectColumn(
        "Eligibility",
        help="Mentors must attest the program's values before they can be paired.",
        options=["eligible", registrations.NOT_YET_ELIGIBLE],
        color=["#e6f4ea", "#fdecea"],
    ),
    "pairing": st.column_config.TextColumn("Pairing", help="matched: an open pair; waiting: active, no pair"),
    "open_pairs": st.column_config.NumberColumn("Open pairs", format="%d"),
    "capacity": st.column_config.NumberColumn("Capacity", format="%d"),
    "days_waiting": st.column_config.NumberColumn("Days waiting", format="%d"),
    "specialty": st.column_config.TextColumn("Specialty"),
    "organization": st.column_config.TextColumn("Organization"),
    "career_stage": st.column_config.TextColumn("Career stage"),
    "school": st.column_config.TextColumn("School"),
    "class_year": st.column_config.TextColumn("Class"),
    "major": st.column_config.TextColumn("Major"),
    "first_generation": st.column_config.CheckboxColumn("First-gen"),
    "meeting_formats": st.column_config.ListColumn("Meeting formats"),
    "advising_areas": st.column_config.ListColumn("Advises on"),
    "languages": st.column_config.ListColumn("Languages"),
    "specialty_interests": st.column_config.ListColumn("Interests"),
    "identifies_bipoc": st.column_config.TextColumn("BIPOC"),
    "bipoc_mentor_preference": st.column_config.TextColumn("BIPOC mentor"),
    "race_ethnicity": st.column_config.TextColumn("Race/ethnicity"),
    "gender": st.column_config.TextColumn("Gender"),
    "mentor_gender_preference": st.column_config.TextColumn("Mentor gender"),
    "pronouns": st.column_config.TextColumn("Pronouns"),
    "goals": st.column_config.TextColumn("Goals", width="large"),
    "registered_on": st.column_config.DateColumn("Registered", format="YYYY-MM-DD"),
}


# Only the open tab is drawn, and Streamlit forgets the state of a widget it does not draw: these keys (the
# filters, the pickers, the add and edit forms' fields, the import's kind) are saved again on every run.
_KEPT = re.compile(
    r"(mentors|mentees)-(search|status|formats|pairing|preference|attested|pick|status-\d+"
    r"|(add|edit-\d+)-[a-z_]+)|import-kind|milestone-\d+-(kind|on|school|note|remove-pick)"
)


def keep_choices() -> None:
    """Switching tabs loses no filter, no picked person and no half-typed form."""
    for key in list(st.session_state):
        if isinstance(key, str) and _KEPT.fullmatch(key) and not key.endswith("-errors"):
            st.session_state[key] = st.session_state[key]


# Browsing
def filters(kind: str, people: pd.DataFrame) -> registrations.Filters:
    """The search box and filters above a table; only columns the viewer can see are offered."""
    search, status, formats = st.columns([4, 2, 2])
    text = search.text_input("Search", key=f"{kind}-search", placeholder="Name, email, specialty, school…")
    statuses = status.multiselect("Status", STATUSES, key=f"{kind}-status")
    wanted = formats.multiselect(
        "Meeting format",
        values.MEETING_FORMATS,
        format_func=formatting.FORMAT_LABELS.get,
        key=f"{kind}-formats",
    )
    pairing, last, _ = st.columns([2, 3, 3])
    paired = pairing.segmented_control("Pairing", ["waiting", "matched"], key=f"{kind}-pairing")
    preferences, attested = (), None
    if "bipoc_mentor_preference" in people:
        preferences = last.segmented_control(
            "BIPOC mentor",
            ["required", "preferred", "none"],
            format_func=formatting.PREFERENCE_LABELS.get,
            selection_mode="multi",
            key=f"{kind}-preference",
        )
    if "attests_values" in people:
        choice = last.segmented_control(
            "Values", ["attested", registrations.NOT_YET_ELIGIBLE], key=f"{kind}-attested"
        )
        attested = None if choice is None else choice == "attested"
    return registrations.Filters(
        text, tuple(statuses), tuple(preferences), tuple(wanted), paired or "", attested
    )


def people_table(kind: str, rows: pd.DataFrame, total: int) -> None:
    """The table's rows (`registrations.table` of the filtered people) and how many are shown of all."""
    st.caption(registrations.counts_caption(len(rows), total, kind))
    st.dataframe(rows, hide_index=True, column_config=COLUMN_CONFIG, width="stretch", key=f"{kind}-table")


# Adding and editing one registration (the leader)
def _save(ctx: PageContext, kind: str, prefix: str, person_id: int | None) -> None:
    answers = {c: st.session_state.get(f"{prefix}-{c}") for c in intake.TEMPLATES[kind]}
    cells = registrations.form_cells(kind, answers)
    try:
        if person_id is None:
            services.add_registration(ctx.engine, actor=ctx.user, kind=kind, cells=cells, today=ctx.today)
            message = f"The {intake.ENTITY[kind]} is registered."
            for column in intake.TEMPLATES[kind]:
                st.session_state.pop(f"{prefix}-{column}", None)  # an empty form for the next one
        else:
            changed = services.update_registration(
                ctx.engine, actor=ctx.user, kind=kind, person_id=person_id, cells=cells, today=ctx.today
            )
            message = f"Saved: {', '.join(LABELS[c] for c in changed)}." if changed else "Nothing changed."
    except intake.InvalidRegistration as exc:
        st.session_state[f"{prefix}-errors"] = exc.errors
        return
    except Refused as exc:
        st.session_state[f"{prefix}-errors"] = [f"registration: {exc}"]
        return
    st.session_state.pop(f"{prefix}-errors", None)
    st.toast(message, icon=":material/check_circle:")


def registration_form(ctx: PageContext, kind: str, person: pd.Series | None = None) -> None:
    """Every template column as a form field; saving runs the same validation as an imported row."""
    person_id = None if person is None else int(person.name)
    prefix = f"{kind}-add" if person_id is None else f"{kind}-edit-{person_id}"
    values = registrations.form_defaults(person, kind)
    with st.form(prefix, border=False):
        columns = st.columns(3)
        for i, column in enumerate(intake.TEMPLATES[kind]):
            field(columns[i % 3], kind, column, values[column], f"{prefix}-{column}", ctx.today)
        label = "Add registration" if person_id is None else "Save changes"
        st.form_submit_button(label, type="primary", on_click=_save, args=(ctx, kind, prefix, person_id))
    errors = st.session_state.get(f"{prefix}-errors")
    if errors:
        st.error("The registration was not saved; nothing was changed.", icon=":material/error:")
        st.dataframe(registrations.error_rows(errors), hide_index=True, width="stretch")


def field(container, kind: str, column: str, value, key: str, today: date) -> None:
    """One template column as a widget; a text field takes as many characters as the store keeps, so what
    can be typed is what can be imported (the leader's forms and the public registration forms alike)."""
    label = LABELS[column] + (" *" if column in intake.REQUIRED[kind] else "")
    if column in ("meeting_formats", "advising_areas"):
        options = values.MEETING_FORMATS if column == "meeting_formats" else values.ADVISING_AREAS
        words = partial(formatting.choice_label, column)
        container.multiselect(label, options, default=value, key=key, format_func=words)
    elif column == "capacity":
        container.number_input(label, min_value=1, max_value=5, step=1, value=value, key=key)
    elif column == "attests_values":
        container.checkbox(label, value=value, key=key)
    elif column == "registered_on":
        container.date_input(label, value=value, max_value=today, key=key, help="Empty: today")
    elif column in ("identifies_bipoc", "bipoc_mentor_preference"):
        # in words, and unanswered until the person picks one (`UNANSWERED` says what that means)
        options = list(formatting.CHOICE_LABELS[column])
        container.selectbox(
            label,
            options,
            index=None if value is None else options.index(value),
            format_func=formatting.CHOICE_LABELS[column].get,
            placeholder="Choose an answer",
            help=UNANSWERED[column],
            key=key,
        )
    elif column == "first_generation":
        options = ["", "yes", "no"]
        container.selectbox(label, options, index=options.index(value), key=key)
    elif column == "goals":
        container.text_area(label, value=value, key=key, max_chars=intake.max_length(kind, column))
    else:
        help_text = "Separate with ;" if column in registrations.MULTI_COLUMNS else None
        container.text_input(
            label, value=value, key=key, help=help_text, max_chars=intake.max_length(kind, column)
        )


def _set_status(ctx: PageContext, kind: str, person_id: int) -> None:
    status = st.session_state.get(f"{kind}-status-{person_id}")
    try:
        services.set_registration_status(
            ctx.engine, actor=ctx.user, kind=kind, person_id=person_id, status=status
        )
    except Refused as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    st.toast(f"Status set to {status}.", icon=":material/check_circle:")


def manage(ctx: PageContext, kind: str, shown: pd.DataFrame) -> None:
    """Pick one registration (from the filtered table) to edit or to set its status; or add a new one."""
    entity = intake.ENTITY[kind]
    with st.expander(f"Add a {entity}", icon=":material/person_add:"):
        registration_form(ctx, kind)
    if shown.empty:
        return
    with st.expander(f"Edit a {entity} or set a status", icon=":material/edit:"):
        labels = shown["first_name"] + " " + shown["last_name"] + " <" + shown["email"] + ">"
        names = dict(zip(shown.index, labels, strict=True))
        person_id = st.selectbox(entity.title(), list(names), format_func=names.get, key=f"{kind}-pick")
        person = shown.loc[person_id]
        status, button = st.columns([3, 1], vertical_alignment="bottom")
        current = STATUSES.index(person["status"])
        status.segmented_control(
            "Status", STATUSES, default=STATUSES[current], key=f"{kind}-status-{person_id}"
        )
        button.button(
            "Set status",
            key=f"{kind}-set-status-{person_id}",
            on_click=_set_status,
            args=(ctx, kind, person_id),
        )
        registration_form(ctx, kind, person)
        if kind == "mentees":
            st.divider()
            milestones.panel(ctx, person_id)


# Import and export
def import_panel(ctx: PageContext) -> None:
    """Upload → preview (the dry run) → "Import N rows" → progress → toast."""
    done = st.session_state.pop("import-done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
        st.toast(done, icon=":material/upload_file:")
    st.caption(
        "Import in this order: mentors, mentees, pairs, meetings, milestones (a pair names registered "
        "people, a meeting belongs to a pair, a milestone to a registered mentee). Google Forms and "
        "Qualtrics exports are read as they are; otherwise start from a template:"
    )
    for column, template in zip(st.columns(len(intake.KINDS)), intake.KINDS, strict=True):
        column.download_button(
            f"{template.capitalize()} template",
            data=intake.template_csv(template),
            file_name=f"{template}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"template-{template}",
        )
    kind = st.selectbox("The file holds", intake.KINDS, key="import-kind", format_func=str.capitalize)
    round_ = st.session_state.setdefault("import-round", 0)
    uploaded = st.file_uploader(
        "CSV file",
        type=["csv", "txt"],
        key=f"import-file-{round_}",
        max_upload_size=intake.MAX_BYTES // 2**20,  # the widget says the limit the import applies
        help=f"At most {intake.MAX_BYTES // 2**20} MB and {intake.MAX_ROWS:,} rows.",
    )
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        plan = services.import_registrations(
            ctx.engine, actor=ctx.user, kind=kind, data=data, dry_run=True, today=ctx.today
        )
    except UnusableInput as exc:
        st.error(str(exc), icon=":material/error:")
        if isinstance(exc, intake.OtherKind) and exc.fits:
            st.button(
                f"Import it as {exc.fits} instead",
                icon=":material/swap_horiz:",
                type="primary",
                on_click=st.session_state.__setitem__,
                args=("import-kind", exc.fits),
                key="import-as-fitting-kind",
            )
        return
    report = plan.report()
    figures = {
        "Rows": report["rows"],
        "New": report["created"],
        "Updated": report["updated"],
        "Unchanged": report["unchanged"],
        "Invalid": len(report["invalid"]),
    }
    for column, (label, value) in zip(st.columns(len(figures)), figures.items(), strict=True):
        column.metric(label, value)
    for notice in plan.sheet.notices:
        st.text(notice)  # plain text: a notice can quote the file's own header cells
    if report["invalid"]:
        st.markdown("**Invalid rows** (not imported; fix them in the file and import it again)")
        st.dataframe(registrations.invalid_rows(plan), hide_index=True, width="stretch")
    changes = registrations.changes(plan)
    if not changes.empty:
        st.markdown("**What the import will create or update**")
        st.dataframe(changes, hide_index=True, width="stretch")
    with st.form("import-confirm", border=False):
        submitted = st.form_submit_button(
            f"Import {plural(plan.to_write, 'row')}",
            type="primary",
            disabled=plan.to_write == 0,
            icon=":material/upload:",
        )
    if submitted:
        bar = st.progress(0.0, text="Importing…")
        try:
            result = services.import_registrations(
                ctx.engine,
                actor=ctx.user,
                kind=kind,
                data=data,
                today=ctx.today,
                progress=lambda f: bar.progress(f),
            )
        except (Refused, UnusableInput) as exc:
            st.error(str(exc), icon=":material/error:")
            return
        final = result.report()
        st.session_state["import-done"] = (
            f"Imported {kind}: {final['created']} created, {final['updated']} updated, "
            f"{final['unchanged']} unchanged, {plural(len(final['invalid']), 'invalid row')} not imported."
        )
        st.session_state["import-round"] = round_ + 1  # a fresh uploader
        st.rerun()


def export_buttons(ctx: PageContext) -> None:
    masked = (
        ""
        if privacy.sees_everything(ctx.user.role)
        else " Contacts are masked and individual demographics left out; the pair, meeting and milestone "
        "histories are the leader's."
    )
    st.caption(f"CSV in the import templates' columns (UTF-8, opens in Excel).{masked}")
    kinds = [kind for kind in intake.KINDS if privacy.may_export(kind, ctx.user.role)]
    # Each file is made by the server's own route when this signed-in browser asks (never a /media
    # address that anyone holding it could fetch).
    for column, kind in zip(st.columns(len(intake.KINDS)), kinds, strict=False):
        column.link_button(f"{kind.capitalize()} CSV", web.export_url(kind), icon=":material/download:")


# Registrations sent through the program's public forms (the leader reviews them)
def _decide(ctx: PageContext, signup_id: int, accept: bool) -> None:
    state = st.session_state
    state.pop("new-errors", None)
    try:
        if accept:
            services.accept_registration(
                ctx.engine, actor=ctx.user, signup_id=signup_id, now=clock.now(), today=ctx.today
            )
        else:
            services.decline_registration(ctx.engine, actor=ctx.user, signup_id=signup_id, now=clock.now())
    except intake.InvalidRegistration as exc:
        state["new-errors"] = exc.errors
        return
    except Refused as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    st.toast(
        "Accepted: the registration is written." if accept else "Declined.", icon=":material/check_circle:"
    )


def new_panel(ctx: PageContext, new: pd.DataFrame) -> None:
    """The registrations that wait for review (their link, or the leader): accept or decline one."""
    forms = st.segmented_control("Form", ["mentor", "mentee"], key="new-form")
    shown = new[new["form"] == forms] if forms else new
    if shown.empty:
        st.info("No registration waits for review.", icon=":material/inbox:")
        return
    st.caption(
        f"{len(shown)} waiting for review. A pending registration is never suggested for pairing; "
        '"update" means its email was registered meanwhile: it cannot be accepted (decline it; the person '
        "updates their own details through their personal link)."
    )
    st.dataframe(
        formatting.with_moments(formatting.labelled(shown), "sent_at"),
        hide_index=True,
        width="stretch",
        column_config={"sent_at": "Sent"},
        key="new-table",
    )
    if not ctx.user.is_leader:
        return
    labels = {i: f"{r['name']} <{r['email']}> ({r['form']}, {r['change']})" for i, r in shown.iterrows()}
    picked = st.selectbox("Registration", list(labels), format_func=labels.get, key="new-pick")
    accept, decline, _ = st.columns([1, 1, 4])
    accept.button(
        "Accept", type="primary", key=f"new-accept-{picked}", on_click=_decide, args=(ctx, picked, True)
    )
    decline.button("Decline", key=f"new-decline-{picked}", on_click=_decide, args=(ctx, picked, False))
    if errors := st.session_state.get("new-errors"):
        st.error(
            "The registration cannot be accepted as it is; nothing was changed.", icon=":material/error:"
        )
        st.dataframe(registrations.error_rows(errors), hide_index=True, width="stretch")


def outdated_attestations(rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    with st.expander(
        f"Mentors who attested an earlier values statement ({len(rows)})", icon=":material/history:"
    ):
        st.dataframe(
            rows.assign(attested_at=clock.days_of(rows["attested_at"])),
            hide_index=True,
            width="stretch",
            column_config={
                "name": "Name",
                "attested_version": st.column_config.NumberColumn("Version attested", format="%d"),
                "attested_at": st.column_config.DateColumn("Attested", format="YYYY-MM-DD"),
            },
        )
