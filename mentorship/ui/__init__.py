"""The few streamlit helpers that pages share. Only this package imports streamlit."""

from mentorship.ui.core import PageContext, page_setup

__all__ = ["PageContext", "page_setup"]
