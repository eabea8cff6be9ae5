"""Check-in: a pair tells the program it met, through its personal link. No account, and nothing else."""

import streamlit as st

from mentorship import clock, formatting, queries, services, values
from mentorship.errors import Refused
from mentorship.ui import checkin, client_address, public_page_setup, read

engine = public_page_setup("check_in")
if stop := st.query_params.get("stop", ""):  # one person's own "stop these reminders" link
    checkin.stop_page(engine, stop)
    st.stop()
token = st.query_params.get("token", "")
pair = read(engine, queries.checkin_pair, token, clock.now())
if pair is None:  # unknown, revoked, expired, or the pair has ended: the same sentence, and nothing else
    st.info(services.INACTIVE_LINK, icon=":material/link_off:")
    st.stop()

today = clock.today()


def send() -> None:
    state = st.session_state
    if state["format"] is None:  # nothing is chosen for them: a pair that did not look reports nothing wrong
        state["outcome"] = ("warning", "Choose how you met: a video call, a phone call or in person.")
        return
    try:
        receipt = services.submit_checkin(
            engine,
            token=token,
            met_on=state["met-on"],
            format=state["format"],
            duration_minutes=state["minutes"],
            reach_out=state["reach-out"],
            note=state.get("note", ""),
            today=today,
            now=clock.now(),
            address=client_address(),
        )
    except Refused as exc:
        state["outcome"] = ("warning", str(exc))
        return
    message = (
        "Thanks — your meeting is recorded."
        if receipt.recorded
        else "Thanks — this meeting was already recorded."
    )
    if receipt.concern_raised:
        message += " The program leader will reach out to you."
    state["outcome"] = ("success", message)
    state["format"], state["minutes"], state["reach-out"], state["note"] = None, None, False, ""
    st.toast(message, icon=":material/check_circle:")


st.title("Mentorship check-in")
st.text(f"Hi {pair.mentor_first_name} and {pair.mentee_first_name}! Let the program know when you met.")
st.date_input("When did you meet?", value=today, max_value=today, key="met-on", format="YYYY-MM-DD")
st.radio(
    "How did you meet?",
    values.MEETING_FORMATS,
    format_func=formatting.FORMAT_LABELS.get,
    horizontal=True,
    index=None,
    key="format",
)
st.number_input(
    "How many minutes, roughly? (optional)", min_value=1, max_value=600, value=None, step=5, key="minutes"
)
st.checkbox("I'd like the program leader to reach out", key="reach-out")
if st.session_state["reach-out"]:
    st.text_area(
        "Anything the program leader should know? (optional, read only by the leader)",
        max_chars=services.MAX_CONCERN_NOTE,
        key="note",
    )
st.button("Send", type="primary", on_click=send)

if "outcome" in st.session_state:
    kind, message = st.session_state["outcome"]
    (st.success if kind == "success" else st.warning)(message)
