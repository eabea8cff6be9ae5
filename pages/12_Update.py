"""Update: a mentee tells the program, once a year, where they are on the path to medical school, through
their own link; or stops these yearly emails. No account, and nothing else."""

import streamlit as st

from mentorship.ui import public_page_setup, update

engine = public_page_setup("update")
if stop := st.query_params.get("stop", ""):  # the yearly mail's own "stop these yearly emails" link
    update.stop_page(engine, stop)
else:
    update.update_page(engine, st.query_params.get("token", ""))
