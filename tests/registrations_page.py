"""Driving the Registrations page in AppTest: open it as a role, open a tab, read a table."""

from .conftest import signed_in

PAGE = "pages/1_Registrations.py"


def open_page(app, role: str = "leader"):
    at = signed_in(app("app.py"), role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def open_tab(at, label: str):
    """Click a tab: only the open tab is drawn."""
    at.session_state["registrations-tab"] = label
    return at.run()


def table_of(at, kind: str):
    """The people table on the mentors' or the mentees' tab (opening that tab when another is open)."""
    index = ("mentors", "mentees").index(kind)
    if not at.tabs[index].dataframe:
        open_tab(at, kind.capitalize())
    return at.tabs[index].dataframe[0].value
