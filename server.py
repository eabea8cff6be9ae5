"""The dashboard's server: Streamlit's app (app.py and pages/) with the dashboard's own routes beside it
(sign-in cookies and the leader's downloads, in mentorship/web.py).

Start it with `streamlit run server.py` (scripts/start.sh does); `streamlit run app.py` would serve the
pages without those routes, so no one could stay signed in.
"""

import streamlit as st

from mentorship.web import ROUTES

app = st.App("app.py", routes=ROUTES)
