"""Take the documentation's screenshots of the real dashboard on a fresh demo store, in headless Chromium.

.venv/bin/python scripts/screenshot.py            # every picture in SHOTS, into docs/images/

Every picture the site (docs/) and README.md show is made here, so all of them can be made again after a
page changes. The store is the demo's (synthetic people only), made for the run and thrown away after it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.servers import chromium_browser, dashboard_server, new_page, sign_in, wait_for_app  # noqa: E402
from mentorship import clock, db, demo, services  # noqa: E402
from mentorship.auth import Actor  # noqa: E402

IMAGES = ROOT / "docs" / "images"

# The demo account each picture is taken as (its role), then (URL path, file in docs/images/).
SHOTS = {
    "leader": [
        ("", "overview.png"),
        ("Registrations", "registrations.png"),
        ("Pairings", "pairings.png"),
        ("Cadence", "cadence.png"),
        ("Retention", "retention.png"),
        ("Feedback", "feedback.png"),
        ("Messages", "messages.png"),
        ("Admin", "admin.png"),
    ],
    "committee": [
        ("", "committee-overview.png"),
        ("Retention", "committee-retention.png"),
    ],
}


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    accounts = {role: (email, password) for email, role, password in demo.DEMO_ACCOUNTS}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = db.make_engine(url)
        db.upgrade(engine)
        services.load_demo(engine, actor=Actor.operator(), today=clock.today())
        services.add_demo_accounts(engine, actor=Actor.operator())
        with dashboard_server(url) as base, chromium_browser() as browser:
            for role, shots in SHOTS.items():
                page = new_page(browser)  # a context of its own: each role signs in afresh
                page.goto(base)
                sign_in(page, *accounts[role])
                page.locator('[data-testid="stMetric"]').first.wait_for()
                for path, name in shots:
                    page.goto(f"{base}/{path}")
                    wait_for_app(page)
                    page.wait_for_timeout(1500)  # charts draw after the script finishes
                    page.screenshot(path=IMAGES / name, full_page=True)
                    print(f"docs/images/{name}")
                page.context.close()


if __name__ == "__main__":
    main()
