"""Take README screenshots of the real dashboard on a fresh demo store, in headless Chromium.

.venv/bin/python scripts/screenshot.py            # every page in SHOTS, into docs/
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship import db, services  # noqa: E402
from tests.servers import chromium_page, dashboard_server, wait_for_app  # noqa: E402

# (URL path, file in docs/)
SHOTS = [("", "overview.png")]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = db.make_engine(url)
        db.upgrade(engine)
        services.load_demo(engine, actor="screenshot", today=date.today())
        with dashboard_server(url) as base, chromium_page() as page:
            for path, name in SHOTS:
                page.goto(f"{base}/{path}")
                wait_for_app(page)
                page.wait_for_timeout(1500)  # charts draw after the script finishes
                page.screenshot(path=ROOT / "docs" / name, full_page=True)
                print(f"docs/{name}")


if __name__ == "__main__":
    main()
