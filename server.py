"""The dashboard's server: Streamlit's app (app.py and pages/) with the dashboard's own routes beside it
(sign-in cookies and the leader's downloads, in mentorship/web.py).

Start it with `streamlit run server.py` (scripts/start.sh does); `streamlit run app.py` would serve the
pages without those routes, so no one could stay signed in.
"""

import gc
import sys

import streamlit as st

# What the pages import (pandas, altair, the queries, statsmodels for the survival curves), loaded as the
# server starts: the first visitor after a restart would otherwise wait for it (about a second of CPU).
import mentorship.charts  # noqa: F401
import mentorship.ui  # noqa: F401
from mentorship import clock, retention
from mentorship.errors import UnusableInput
from mentorship.ui.core import sign_in_setup_problem
from mentorship.web import ROUTES

try:
    clock.zone()  # a MENTORSHIP_TIMEZONE that names no zone stops the start, in one sentence
except UnusableInput as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
# A dashboard nobody can sign in to is refused at its start, where the operator looks (the service's status
# and log, deploy/try.sh, the tests' start), rather than found by the first committee member to try.
if problem := sign_in_setup_problem():
    sys.exit(f"The dashboard did not start. {problem}")

retention.load()
app = st.App("app.py", routes=ROUTES)

# Everything loaded so far lives as long as the server: kept out of the garbage collector's full passes,
# each of which walked it all (215,000 objects, 0.12-0.16 s of CPU, six times in one visitors benchmark).
gc.freeze()
