"""Messages (leader only): the outbox, its schedule and templates, and who asked for no more reminders."""

import streamlit as st

from mentorship import queries
from mentorship.ui import cached_read, page_setup
from mentorship.ui import survey as surveys
from mentorship.ui.messages import account_panel, optouts_panel, outbox_panel, schedule_panel, templates_panel

ctx = page_setup("messages")
st.title("Messages")
smtp = account_panel(ctx)
messages = cached_read(ctx, queries.outbox_messages, ctx.user.role)

outbox_tab, schedule_tab, templates_tab, surveys_tab, optouts_tab = st.tabs(
    ["Outbox", "Schedule", "Templates", "Surveys", "Opted out"], key="messages-tab", on_change="rerun"
)
if outbox_tab.open:
    with outbox_tab:
        outbox_panel(ctx, messages, smtp)
if schedule_tab.open:
    with schedule_tab:
        schedule_panel(ctx)
if templates_tab.open:
    with templates_tab:
        templates_panel(ctx, cached_read(ctx, queries.cadence_pairs, ctx.today), smtp)
if surveys_tab.open:
    with surveys_tab:
        surveys.wording_editor(ctx)
if optouts_tab.open:
    with optouts_tab:
        optouts_panel(
            cached_read(ctx, queries.reminder_optouts, ctx.user.role),
            cached_read(ctx, queries.yearly_update_stopped, ctx.user.role),
        )
