"""The few streamlit helpers that pages share. Only this package imports streamlit."""

from mentorship.ui.core import (
    PageContext,
    cached_read,
    client_address,
    page_setup,
    public_page_setup,
    read,
    run_write,
)
from mentorship.ui.plots import plot

__all__ = [
    "PageContext",
    "cached_read",
    "client_address",
    "page_setup",
    "plot",
    "public_page_setup",
    "read",
    "run_write",
]
