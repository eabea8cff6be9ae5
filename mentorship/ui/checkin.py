"""The public check-in page's "stop these reminders": one person's own link, and nobody else's reminders."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from mentorship import clock, queries
from mentorship.errors import Refused
from mentorship.outbox import actions as outbox_actions
from mentorship.ui.core import read

STOPPED = "Done: you will get no more check-in invitations, nudges or surveys."
ALREADY = "You had already asked: you get no more check-in invitations, nudges or surveys."


def stop_page(engine: Engine, token: str) -> None:
    """The page a stop link opens: it names the one person the link was made for, and stops only theirs."""
    person = read(engine, queries.stop_link_person, token, clock.now())
    if person is None:  # unknown or expired (or an old pair-wide link): one sentence, and nothing else
        st.info(outbox_actions.STOP_LINK_INACTIVE, icon=":material/link_off:")
        return

    def stop() -> None:
        try:
            fresh = outbox_actions.stop_reminders(engine, token=token, now=clock.now())
        except Refused as exc:
            st.session_state["stopped"] = ("warning", str(exc))
            return
        st.session_state["stopped"] = ("success", STOPPED if fresh else ALREADY)

    st.title("Stop these reminders")
    st.text(
        f"Hi {person.first_name}! This stops the program's check-in invitations, nudges and surveys to you "
        "only; the other person of your pair still gets theirs."
    )
    st.button("Stop these reminders for me", type="primary", on_click=stop)
    if "stopped" in st.session_state:
        kind, message = st.session_state["stopped"]
        (st.success if kind == "success" else st.warning)(message)
    st.caption("The program leader can still write to you, and your pair's check-in link still works.")
