"""Take README screenshots of the real dashboard on a fresh demo store, in headless Chromium.

.venv/bin/python scripts/screenshot.py            # every page in SHOTS, into docs/
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.servers import chromium_page, dashboard_server, sign_in, wait_for_app  # noqa: E402
from mentorship import clock, db, demo, services  # noqa: E402
from mentorship.auth import Actor  # noqa: E402

# (URL path, file in docs/)
SHOTS = [
    ("", "overview.png"),
    ("Registrations", "registrations.png"),
    ("Pairings", "pairings.png"),
    ("Cadence", "cadence.png"),
    ("Retention", "retention.png"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = db.make_engine(url)
        db.upgrade(engine)
        services.load_demo(engine, actor=Actor.operator(), today=clock.today())
        services.add_demo_accounts(engine, actor=Actor.operator())
        email, _, password = demo.DEMO_ACCOUNTS[0]
        with dashboard_server(url) as base, chromium_page() as page:
            page.goto(base)
            sign_in(page, email, password)
            page.locator('[data-testid="stMetric"]').first.wait_for()
            for path, name in SHOTS:
                page.goto(f"{base}/{path}")
                wait_for_app(page)
                page.wait_for_timeout(1500)  # charts draw after the script finishes
                page.screenshot(path=ROOT / "docs" / name, full_page=True)
                print(f"docs/{name}")


if __name__ == "__main__":
    main()
