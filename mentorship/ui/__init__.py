"""The few streamlit helpers that pages share. Only this package imports streamlit."""

from mentorship.ui.core import (
    PageContext,
    after_write,
    cached_read,
    page_setup,
    public_page_setup,
    read,
    run_write,
)
from mentorship.ui.plots import plot

__all__ = [
    "PageContext",
    "after_write",
    "cached_read",
    "page_setup",
    "plot",
    "public_page_setup",
    "read",
    "run_write",
]
