"""Survey: one person answers one of their surveys through their own link. No account, and nothing else."""

import streamlit as st

from mentorship.ui import public_page_setup
from mentorship.ui import survey as surveys

engine = public_page_setup("survey")
surveys.survey_page(engine, st.query_params.get("token", ""))
