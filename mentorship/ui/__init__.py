"""The few streamlit helpers that pages share. Only this package imports streamlit."""

from mentorship.ui.core import (
    PageContext,
    cached_read,
    kept_chart,
    page_setup,
    public_page_setup,
    read,
    run_write,
)

__all__ = [
    "PageContext",
    "cached_read",
    "kept_chart",
    "page_setup",
    "public_page_setup",
    "read",
    "run_write",
]
