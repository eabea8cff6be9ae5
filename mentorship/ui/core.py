"""Page setup shared by every page: page config, the cached engine, the sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from mentorship import db

APP_TITLE = "Mentorship program"
# (script, label, icon): the sidebar, in order. Page URLs still work for scripts not listed here.
NAVIGATION = [
    ("app.py", "Overview", ":material/dashboard:"),
]


@dataclass(frozen=True)
class PageContext:
    engine: Engine
    today: date


@st.cache_resource(show_spinner="Opening the program's store…")
def _engine(url: str) -> Engine:
    """One engine per store URL for the whole server; the schema is upgraded once, on first use."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine


def page_setup(title: str, icon: str) -> PageContext:
    """The first call of every page: config, store and navigation."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=icon, layout="wide")
    try:
        engine = _engine(db.resolve_url())
    except (db.DatabaseUnavailable, sa.exc.SQLAlchemyError) as exc:
        st.error(f"The program's store cannot be opened. {_reason(exc)}", icon=":material/error:")
        st.stop()
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        for script, label, page_icon in NAVIGATION:
            st.page_link(script, label=label, icon=page_icon)
    return PageContext(engine=engine, today=date.today())


def _reason(exc: Exception) -> str:
    if isinstance(exc, db.DatabaseUnavailable):
        return str(exc)
    return "Check MENTORSHIP_DATABASE_URL and that the database server is running."
