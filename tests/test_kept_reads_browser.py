"""A browser's `clear_cache` message (which any visitor, signed in or not, can send) empties Streamlit's own
caches, and so nothing of the dashboard's: the kept reads and the engine stay on the server."""

import sqlite3

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from devtools.servers import sign_in, wait_for_app

from .conftest import COMMITTEE_EMAIL, PASSWORD, TODAY, load_demo
from .factories import add_a_mentor

pytestmark = pytest.mark.browser


def mentors_shown(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Mentors registered")
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def clear_caches_as_a_stranger(base: str) -> None:
    """What the browser sends for "Clear caches", from a socket with no sign-in; returns once the server has
    run a script after it (messages are handled in order)."""
    with connect(
        base.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], origin=base
    ) as socket:
        socket.send(BackMsg(clear_cache=True).SerializeToString())
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        socket.send(rerun.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(socket.recv(timeout=60))
            if message.WhichOneof("type") == "script_finished":
                return


def test_a_strangers_clear_cache_message_leaves_the_kept_reads(
    engine, store_url, accounts, dashboard, browser_page
):
    load_demo(engine)
    page = browser_page
    page.goto(dashboard)
    sign_in(page, COMMITTEE_EMAIL, PASSWORD)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    assert mentors_shown(page) == "60"

    # A mentor added behind the store's version (its trigger gone): only a read made afresh would count it.
    with sqlite3.connect(store_url.removeprefix("sqlite:///")) as raw:
        trigger = "trg_version_mentors_insert"
        (recreate,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = ?", (trigger,)).fetchone()
        raw.execute(f"DROP TRIGGER {trigger}")
        columns = [row[1] for row in raw.execute("PRAGMA table_info(mentors)") if row[1] != "id"]
        copied = ", ".join("'unseen@clinic.example.org'" if c == "email" else c for c in columns)
        raw.execute(f"INSERT INTO mentors ({', '.join(columns)}) SELECT {copied} FROM mentors LIMIT 1")
        raw.execute(recreate)
    clear_caches_as_a_stranger(dashboard)
    page.reload()
    wait_for_app(page)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    assert mentors_shown(page) == "60"  # the read was kept: the message cleared nothing of ours

    add_a_mentor(engine, accounts["leader"], TODAY)  # a change through the program moves the version
    page.reload()
    wait_for_app(page)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    assert mentors_shown(page) == "62"
