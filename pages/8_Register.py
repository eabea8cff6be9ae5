"""Register: physicians and students sign up themselves (`?as=mentor|mentee`), and a person's own link
(`?token=...`) confirms, updates or withdraws. Public: no sign-in, and nothing else from the program."""

import streamlit as st

from mentorship import signup
from mentorship.ui import public_page_setup
from mentorship.ui import signup as forms

engine = public_page_setup("register")
token = st.query_params.get("token", "")
kind = signup.KINDS.get(st.query_params.get("as", ""))
if token:
    forms.personal_link(engine, token)
elif kind is None:
    st.info("This address is not one of the program's registration forms.", icon=":material/link_off:")
else:
    forms.registration_form(engine, kind)
