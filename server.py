"""The dashboard's server: Streamlit's app (app.py and pages/) with the dashboard's own routes beside it
(sign-in cookies and the leader's downloads, in mentorship/web.py).

Start it with `streamlit run server.py` (scripts/start.sh does); `streamlit run app.py` would serve the
pages without those routes, so no one could stay signed in.
"""

import streamlit as st

# What every page imports (pandas, altair, the queries), loaded as the server starts: the first visitor
# after a restart would otherwise wait for it (a quarter of a second of CPU on the 2-core machine).
import mentorship.charts  # noqa: F401
import mentorship.ui  # noqa: F401
from mentorship.web import ROUTES

app = st.App("app.py", routes=ROUTES)
